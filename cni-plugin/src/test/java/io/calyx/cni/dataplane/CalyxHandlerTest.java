package io.calyx.cni.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.cni.config.NetConf;
import io.calyx.cni.config.NetConfParser;
import io.calyx.cni.ipam.AddressManager;
import io.calyx.cni.request.Role;
import io.calyx.cni.service.AddRequest;
import io.calyx.cni.service.EndpointSpec;
import io.calyx.cni.spec.CniException;
import io.calyx.cni.spec.Result;
import io.calyx.core.Attachment;
import io.calyx.core.ContainerId;
import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.InterfaceName;
import io.calyx.core.NetworkName;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.InMemoryDatastore;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.AllocationCompanion;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.Origin;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The order of ADD's overlapped steps and its rollback, with scripted IPAM answers that a real etcd cannot
 * be made to give on cue (a plan that changes while committing). The real wiring is covered by the agent's
 * DataplaneTest with real etcd and namespaces.
 */
class CalyxHandlerTest {
  private static final Clock CLOCK = Clock.systemUTC();
  private static final String NODE = "node-1";
  private static final Attachment ATTACHMENT = new Attachment(ContainerId.of("c1"), InterfaceName.of("eth0"));
  private static final HandleId HANDLE = new HandleId(NetworkName.of("net"), ATTACHMENT.containerId(), ATTACHMENT.ifName());

  private final InMemoryDatastore store = new InMemoryDatastore();
  private final Endpoints endpoints = new Endpoints(store, NODE);
  private final RecordingDataplane dataplane = new RecordingDataplane();
  private final RecordingPolicy policy = new RecordingPolicy();
  private final List<HandleId> journal = new CopyOnWriteArrayList<>();

  private static HandleRecord holding(String ip) {
    IpAddress a = IpAddress.parse("ip", ip);
    return new HandleRecord(HANDLE, NODE, Origin.CALYX, CLOCK.instant(),
        List.of(new HandleRecord.AssignedIp(a, IpPrefix.parseNetwork("block", "10.0.0.0/26"))));
  }

  private CalyxHandler handler(AddressManager addresses) {
    return new CalyxHandler(addresses, dataplane, endpoints, journal::add, policy, CLOCK);
  }

  private static AddRequest add() {
    NetConf conf = NetConfParser.parse("{\"cniVersion\":\"0.4.0\",\"name\":\"net\",\"type\":\"calyx\"}".getBytes(StandardCharsets.UTF_8), Role.PLUGIN);
    EndpointSpec spec = new EndpointSpec(List.of(GroupName.of("web")), Map.of(), List.of(), List.of());
    return new AddRequest(ATTACHMENT, "/var/run/netns/test", conf, spec, Deadline.in(Duration.ofSeconds(5), CLOCK));
  }

  private static String address(Result result) {
    return result.ips().getFirst().address().address().toString();
  }

  private Optional<Endpoint> storedEndpoint() {
    return endpoints.get(HANDLE, Deadline.in(Duration.ofSeconds(1), CLOCK));
  }

  @Test
  void theContainerIsWiredWithThePlanAndTheRecordRidesOnTheAllocation() {
    Scripted addresses = new Scripted(Optional.of(holding("10.0.0.5")), holding("10.0.0.5"));
    Result result = handler(addresses).add(add());
    assertThat(address(result)).isEqualTo("10.0.0.5");
    assertThat(dataplane.wiredWith).containsExactly(List.of(IpPrefix.host(IpAddress.parse("ip", "10.0.0.5"))));
    assertThat(dataplane.tornDown).isEmpty();
    assertThat(policy.applied).extracting(e -> e.ips().getFirst().address().toString()).containsExactly("10.0.0.5");
    assertThat(addresses.alongsideWrites).as("the record went into the allocation's transaction").isEqualTo(1);
    assertThat(storedEndpoint()).hasValueSatisfying(e -> {
      assertThat(e.mac()).isEqualTo(VethNames.containerMac(HANDLE));
      assertThat(e.ips()).containsExactly(IpPrefix.host(IpAddress.parse("ip", "10.0.0.5")));
    });
  }

  @Test
  void aPlanThatChangesWhileCommittingIsWiredAgainWithTheCommittedAddresses() {
    Scripted addresses = new Scripted(Optional.of(holding("10.0.0.5")), holding("10.0.0.9"));
    Result result = handler(addresses).add(add());
    assertThat(address(result)).isEqualTo("10.0.0.9");
    assertThat(dataplane.wiredWith).extracting(ips -> ips.getFirst().address().toString()).containsExactly("10.0.0.5", "10.0.0.9");
    assertThat(dataplane.tornDown).containsExactly(VethNames.hostSide(HANDLE));
    assertThat(policy.applied.getLast().ips().getFirst().address().toString()).isEqualTo("10.0.0.9");
    assertThat(storedEndpoint().orElseThrow().ips().getFirst().address().toString()).isEqualTo("10.0.0.9");
  }

  @Test
  void aRetriedAddWithTheAllocationMadeWritesTheRecordItself() {
    Scripted addresses = new Scripted(Optional.empty(), holding("10.0.0.5"));
    Result result = handler(addresses).add(add());
    assertThat(address(result)).isEqualTo("10.0.0.5");
    assertThat(addresses.alongsideWrites).isZero();
    assertThat(storedEndpoint()).isPresent();
  }

  /** Mesos does not retry an ADD: an allocation that committed although its answer was lost is found again. */
  @Test
  void anAllocationWhoseAnswerWasLostIsReadBackAndTheAddSucceeds() {
    Scripted addresses = new Scripted(Optional.of(holding("10.0.0.5")), holding("10.0.0.5"));
    addresses.answerLost = true;
    Result result = handler(addresses).add(add());
    assertThat(address(result)).isEqualTo("10.0.0.5");
    assertThat(dataplane.tornDown).isEmpty();
    assertThat(addresses.released).isEmpty();
    assertThat(storedEndpoint()).hasValueSatisfying(e -> assertThat(e.ips()).containsExactly(IpPrefix.host(IpAddress.parse("ip", "10.0.0.5"))));
  }

  @Test
  void anUnavailableAllocationThatIsNotThereFailsWithCode11AndUndoesEverything() {
    Scripted addresses = new Scripted(Optional.of(holding("10.0.0.5")), holding("10.0.0.5"));
    addresses.answerLost = true;
    addresses.findable = false;
    assertThatThrownBy(() -> handler(addresses).add(add())).isInstanceOfSatisfying(CniException.class,
        e -> assertThat(e.code()).isEqualTo(CniException.TRY_AGAIN_LATER));
    assertThat(dataplane.tornDown).contains(VethNames.hostSide(HANDLE));
    assertThat(policy.removed).containsExactly(HANDLE);
  }

  @Test
  void aCommitThatFailsAfterThePlanUndoesTheWiringAndThePolicy() {
    Scripted addresses = new Scripted(Optional.of(holding("10.0.0.5")), null);
    assertThatThrownBy(() -> handler(addresses).add(add())).isInstanceOfSatisfying(CniException.class,
        e -> assertThat(e.code()).isEqualTo(CniException.TRY_AGAIN_LATER));
    assertThat(dataplane.tornDown).contains(VethNames.hostSide(HANDLE));
    assertThat(policy.removed).containsExactly(HANDLE);
    assertThat(storedEndpoint()).isEmpty();
    assertThat(addresses.released).as("nothing was allocated, nothing to release").isEmpty();
  }

  @Test
  void aWiringFailureAfterTheCommitReleasesTheAllocationAndTheRecord() {
    Scripted addresses = new Scripted(Optional.of(holding("10.0.0.5")), holding("10.0.0.5"));
    dataplane.failSetUp = true;
    assertThatThrownBy(() -> handler(addresses).add(add())).isInstanceOf(CniException.class);
    assertThat(storedEndpoint()).isEmpty();
    assertThat(addresses.released).containsExactly(HANDLE);
    assertThat(policy.removed).containsExactly(HANDLE);
  }

  @Test
  void delCutsTheContainerOffReleasesAndLeavesTheVethToTheReaper() throws Exception {
    Scripted addresses = new Scripted(Optional.of(holding("10.0.0.5")), holding("10.0.0.5"));
    CalyxHandler handler = handler(addresses);
    handler.add(add());
    String veth = VethNames.hostSide(HANDLE);
    handler.del(new io.calyx.cni.service.DelRequest(ATTACHMENT, Optional.of("/var/run/netns/test"), add().conf(), add().deadline()));
    assertThat(dataplane.events).containsSubsequence("cutOff " + veth, "release " + HANDLE);
    assertThat(storedEndpoint()).isEmpty();
    long until = System.nanoTime() + 5_000_000_000L;
    while (!dataplane.tornDown.contains(veth) && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(dataplane.events).as("the veth goes after the release").containsSubsequence("release " + HANDLE, "tearDown " + veth);
    assertThat(handler.vethsPendingRemoval()).isZero();
  }

  /** A closed handler (the agent stopping) leaves a DEL's veth to the next start's recovery. */
  @Test
  void aClosedHandlerStopsItsReaper() throws Exception {
    Scripted addresses = new Scripted(Optional.of(holding("10.0.0.5")), holding("10.0.0.5"));
    CalyxHandler handler = handler(addresses);
    handler.add(add());
    handler.close();
    handler.del(new io.calyx.cni.service.DelRequest(ATTACHMENT, Optional.of("/var/run/netns/test"), add().conf(), add().deadline()));
    String veth = VethNames.hostSide(HANDLE);
    assertThat(dataplane.events).contains("cutOff " + veth);
    Thread.sleep(300);
    assertThat(dataplane.tornDown).isEmpty();
    assertThat(handler.vethsPendingRemoval()).isEqualTo(1);
  }

  @Test
  void aCancelledRemovalNeverTouchesTheVethAnAddRecreated() throws Exception {
    KeyedLocks locks = new KeyedLocks();
    VethReaper reaper = new VethReaper(dataplane, locks);
    java.util.concurrent.CountDownLatch scheduled = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch addDone = new java.util.concurrent.CountDownLatch(1);
    // An ADD holds the veth's lock: the DEL's removal was scheduled before and must not run after it.
    Thread add = Thread.ofVirtual().start(() -> locks.with("caliabc", 5_000, () -> {
      reaper.schedule("caliabc");
      scheduled.countDown();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      reaper.cancel("caliabc");
      addDone.countDown();
      return null;
    }));
    scheduled.await();
    addDone.await();
    add.join();
    reaper.schedule("calidef");
    long until = System.nanoTime() + 5_000_000_000L;
    while (!dataplane.tornDown.contains("calidef") && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(dataplane.tornDown).containsExactly("calidef");
    reaper.close();
  }

  /**
   * Announces {@code plan} (when present), then commits {@code committed} with the companion's documents
   * into the in-memory store, or fails with code 11 when {@code committed} is null.
   */
  private final class Scripted implements AddressManager {
    private final Optional<HandleRecord> plan;
    private final HandleRecord committed;
    int alongsideWrites;
    final List<HandleId> released = new CopyOnWriteArrayList<>();
    /** The transaction is made, but its answer is lost: the allocation fails as unavailable. */
    boolean answerLost;
    /** Whether {@link #find} sees the allocation. */
    boolean findable = true;

    Scripted(Optional<HandleRecord> plan, HandleRecord committed) {
      this.plan = plan;
      this.committed = committed;
    }

    @Override
    public CompletableFuture<HandleRecord> allocate(AllocateRequest request, AllocationCompanion companion) {
      return CompletableFuture.supplyAsync(() -> {
        plan.ifPresent(companion::planned);
        if (committed == null) {
          throw new CniException(CniException.TRY_AGAIN_LATER, "etcd went away", "");
        }
        if (plan.isPresent()) {
          List<Op> ops = companion.alongside(committed);
          store.txn(new Txn(List.of(), ops), request.deadline());
          alongsideWrites += ops.size();
          if (answerLost) {
            // As NodeAddressManager hands it on: code 11.
            throw new CniException(CniException.TRY_AGAIN_LATER, "the calyx datastore (etcd) is unavailable; try again later",
                "etcd at [test] failed transaction: connection reset");
          }
          companion.written();
        }
        return committed;
      });
    }

    @Override
    public HandleRecord allocate(AllocateRequest request) {
      return allocate(request, AllocationCompanion.NONE).join();
    }

    @Override
    public void release(HandleId handle, Deadline deadline) {
      dataplane.events.add("release " + handle);
      released.add(handle);
    }

    @Override
    public void release(HandleId handle, Deadline deadline, AllocationCompanion companion) {
      release(handle, deadline);
      if (committed != null) {
        store.txn(new Txn(List.of(), companion.alongside(committed)), deadline);
        companion.written();
      }
    }

    @Override
    public Optional<HandleRecord> find(HandleId handle, Deadline deadline) {
      return findable ? Optional.ofNullable(committed) : Optional.empty();
    }

    @Override
    public List<HandleRecord> handlesOnThisHost(NetworkName network, Deadline deadline) {
      return List.of();
    }

    @Override
    public void checkReady(List<IpPrefix> pools, boolean v4, boolean v6, Deadline deadline) {}
  }

  /** Records what it was asked to wire and remove. */
  private static final class RecordingDataplane implements Dataplane {
    final List<List<IpPrefix>> wiredWith = new CopyOnWriteArrayList<>();
    final List<String> tornDown = new CopyOnWriteArrayList<>();
    final List<String> cutOff = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    volatile boolean failSetUp;

    @Override
    public Wired setUp(Plumbing plumbing) {
      return setUp(plumbing, mac -> plumbing.ips());
    }

    @Override
    public Wired setUp(Plumbing plumbing, java.util.function.Function<String, List<IpPrefix>> addresses) {
      List<IpPrefix> ips = addresses.apply(plumbing.containerMac().orElseThrow());
      if (failSetUp) {
        throw new io.calyx.netns.NativeException("RTM_NEWROUTE: No such device (ENODEV)");
      }
      wiredWith.add(ips);
      return new Wired(plumbing.hostVeth(), NetlinkDataplane.HOST_MAC, plumbing.containerMac().orElseThrow());
    }

    @Override
    public boolean cutOff(String hostVeth) {
      cutOff.add(hostVeth);
      events.add("cutOff " + hostVeth);
      return true;
    }

    @Override
    public boolean tearDown(String hostVeth) {
      events.add("tearDown " + hostVeth);
      tornDown.add(hostVeth);
      return true;
    }

    @Override
    public java.util.Set<String> hostVeths() {
      return java.util.Set.of();
    }

    @Override
    public boolean hasHostVeth(String hostVeth) {
      return false;
    }

    @Override
    public boolean restoreHostRoutes(String hostVeth, List<IpPrefix> ips) {
      return false;
    }

    @Override
    public void check(Plumbing plumbing) {}
  }

  /** Records applied endpoints and removed handles. */
  private static final class RecordingPolicy implements EndpointPolicy {
    final List<Endpoint> applied = new CopyOnWriteArrayList<>();
    final List<HandleId> removed = new ArrayList<>();

    @Override
    public void apply(Endpoint endpoint, Deadline deadline) {
      applied.add(endpoint);
    }

    @Override
    public synchronized void remove(HandleId handle) {
      removed.add(handle);
    }
  }
}
