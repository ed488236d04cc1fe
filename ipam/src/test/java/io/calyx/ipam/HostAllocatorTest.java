package io.calyx.ipam;

import static io.calyx.ipam.IpamFixture.audit;
import static io.calyx.ipam.IpamFixture.handle;
import static io.calyx.ipam.IpamFixture.request;
import static io.calyx.ipam.IpamFixture.soon;
import static io.calyx.ipam.IpamFixture.v4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Compare;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.core.store.InMemoryDatastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The allocator against the in-memory store: semantics, round trips, failure handling. */
class HostAllocatorTest {
  private final InMemoryDatastore memory = new InMemoryDatastore();
  private final CountingDatastore store = new CountingDatastore(memory);
  private final Pools pools = new Pools(store, Clock.systemUTC());
  private final List<AutoCloseable> closeables = new ArrayList<>();

  private HostAllocator allocator(String host) {
    PoolCache cache = PoolCache.start(store, soon());
    HostAllocator a = new HostAllocator(store, host, cache, Clock.systemUTC());
    closeables.add(a);
    closeables.add(cache);
    return a;
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private static IpPrefix cidr(String s) {
    return IpPrefix.parseNetwork("c", s);
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.join();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure, got " + f.join());
  }

  @Test
  void withoutAPoolTheErrorSaysHowToAddOne() {
    HostAllocator a = allocator("h1");
    Throwable e = failure(a.allocate(v4("c1")));
    assertThat(e).isInstanceOf(IpamException.class).hasMessageContaining("calyxctl pool add");
    assertThat(((IpamException) e).kind()).isEqualTo(IpamException.Kind.NO_POOL);
  }

  @Test
  void aWaitingCallerOfAnIdleAllocatorCommitsItsRequestOnItsOwnThread() throws Exception {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord queued = a.allocate(v4("c0")).join();
    assertThat(store.lastTxnThread).isNotSameAs(Thread.currentThread());
    idle(a);

    CompletableFuture<HandleRecord> f = a.allocateWaiting(v4("c1"));
    assertThat(f).isDone();
    assertThat(store.lastTxnThread).isSameAs(Thread.currentThread());
    HandleRecord r = f.join();
    assertThat(r.ips().getFirst().ip()).isNotEqualTo(queued.ips().getFirst().ip());
    assertThat(a.find(handle("c1"), soon())).contains(r);
    int txns = store.txns.get();
    assertThat(a.allocateWaiting(v4("c1")).join()).as("a retried ADD gets its allocation again").isEqualTo(r);
    assertThat(store.txns.get()).isEqualTo(txns);
    assertThat(audit(memory)).hasSize(2);
  }

  @Test
  @org.junit.jupiter.api.Timeout(60) // committed alongside the held batch, it would hang on the held transaction
  void aWaitingCallerQueuesWhileTheCommitterIsBusy() throws Exception {
    Held held = committerHeldIn("c1");
    CompletableFuture<HandleRecord> waiting = held.allocator().allocateWaiting(v4("c2"));
    assertThat(waiting).as("queued behind the committer's batch, not committed alongside it").isNotDone();
    held.release();
    assertThat(waiting.join().ips().getFirst().ip()).isNotEqualTo(held.first().join().ips().getFirst().ip());
    assertThat(store.lastTxnThread).isNotSameAs(Thread.currentThread());
    assertThat(audit(memory)).hasSize(3);
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void afterABatchOfSeveralAWaitingCallerQueuesToBeBatchedAgain() throws Exception {
    Held held = committerHeldIn("b0");
    HostAllocator a = held.allocator();
    List<CompletableFuture<HandleRecord>> burst = new ArrayList<>(List.of(held.first()));
    for (int i = 1; i < 4; i++) {
      burst.add(a.allocate(v4("b" + i)));
    }
    assertThat(a.queued()).isEqualTo(3);
    held.release();
    burst.forEach(CompletableFuture::join);
    idle(a);

    // The last batch had three: the next waiting caller queues (a burst's first caller back would otherwise
    // commit alone and split the batch the others form).
    a.allocateWaiting(v4("n1")).join();
    assertThat(store.lastTxnThread).isNotSameAs(Thread.currentThread());
    idle(a);
    // That batch was a lone request: the next one commits on the caller's thread again.
    a.allocateWaiting(v4("n2")).join();
    assertThat(store.lastTxnThread).isSameAs(Thread.currentThread());
    assertThat(audit(memory)).hasSize(7);
  }

  @Test
  void aWaitingReleaseOfAnIdleAllocatorCommitsOnItsOwnThreadWithItsCompanion() throws Exception {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord r = a.allocate(v4("c1")).join();
    idle(a);
    List<Thread> writtenOn = new ArrayList<>();
    AllocationCompanion companion = new AllocationCompanion() {
      @Override
      public void planned(HandleRecord record) {}

      @Override
      public List<io.calyx.core.store.Op> alongside(HandleRecord record) {
        return List.of(io.calyx.core.store.Op.put("/test/released/" + record.handle(), new byte[] {1}));
      }

      @Override
      public void written() {
        writtenOn.add(Thread.currentThread());
      }
    };
    CompletableFuture<Optional<HandleRecord>> f = a.releaseWaiting(handle("c1"), soon(), companion);
    assertThat(f).isDone();
    assertThat(f.join()).contains(r);
    assertThat(store.lastTxnThread).isSameAs(Thread.currentThread());
    assertThat(writtenOn).containsExactly(Thread.currentThread());
    assertThat(memory.get("/test/released/" + handle("c1"), soon())).as("the companion's document, in the same transaction").isPresent();
    assertThat(a.find(handle("c1"), soon())).isEmpty();
    int txns = store.txns.get();
    assertThat(a.releaseWaiting(handle("c1"), soon(), AllocationCompanion.NONE).join()).as("a repeated DEL releases nothing").isEmpty();
    assertThat(store.txns.get()).isEqualTo(txns);
    assertThat(audit(memory)).isEmpty();
  }

  @Test
  @org.junit.jupiter.api.Timeout(60) // committed alongside the held batch, it would hang on the held transaction
  void aWaitingReleaseQueuesWhileTheCommitterIsBusy() throws Exception {
    Held held = committerHeldIn("c1");
    CompletableFuture<Optional<HandleRecord>> waiting = held.allocator().releaseWaiting(handle("c0"), soon(), AllocationCompanion.NONE);
    assertThat(waiting).as("queued behind the committer's batch").isNotDone();
    held.release();
    assertThat(waiting.join()).isPresent();
    assertThat(store.lastTxnThread).isNotSameAs(Thread.currentThread());
    assertThat(held.allocator().find(handle("c0"), soon())).isEmpty();
    assertThat(audit(memory)).hasSize(1);
  }

  /**
   * The committer has taken a request off the queue but not yet started it, and the lock is free: a waiting
   * DEL of the same handle must queue behind it, not release nothing first and leave the ADD's address
   * allocated (the queue was empty and the lock free, which is all the first version looked at).
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void aWaitingCallerNeverOvertakesARequestTheCommitterHasTakenButNotStarted() throws Exception {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    a.allocate(v4("c0")).join();
    idle(a);
    java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    a.beforeTurn = () -> {
      taken.countDown();
      try {
        go.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    CompletableFuture<HandleRecord> add = a.allocate(v4("c1"));
    assertThat(taken.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the committer has taken the ADD").isTrue();
    a.beforeTurn = () -> {};
    assertThat(a.queued()).isZero();
    assertThat(a.committing()).isFalse();

    CompletableFuture<Optional<HandleRecord>> del = a.releaseWaiting(handle("c1"), soon(), AllocationCompanion.NONE);
    assertThat(del).as("queued behind the ADD the committer holds").isNotDone();
    go.countDown();
    HandleRecord added = add.join();
    assertThat(del.join()).as("the DEL released what the ADD got").contains(added);
    assertThat(a.find(handle("c1"), soon())).isEmpty();
    assertThat(audit(memory)).hasSize(1);
  }

  /** An allocator whose committer is held inside the transaction of {@code first}. */
  private record Held(HostAllocator allocator, CompletableFuture<HandleRecord> first, java.util.concurrent.CountDownLatch open, CountingDatastore store) {
    void release() {
      store.holdTxns = null;
      open.countDown();
    }
  }

  /** A pool, an allocator with one allocation made, and its committer then held in the next one's transaction. */
  private Held committerHeldIn(String container) throws InterruptedException {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    a.allocate(v4("c0")).join();
    java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
    store.holdTxns = open;
    CompletableFuture<HandleRecord> first = a.allocate(v4(container));
    assertThat(store.txnWaiting.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS)).as("the committer is in its transaction").isTrue();
    return new Held(a, first, open, store);
  }

  /** Waits for the committer to leave its batch (it answers the callers just before). */
  private static void idle(HostAllocator a) throws InterruptedException {
    for (int i = 0; i < 1000 && a.committing(); i++) {
      Thread.sleep(5);
    }
    assertThat(a.committing()).isFalse();
  }

  @Test
  void waitingAndQueuedCallersTogetherNeverShareAnAddress() throws Exception {
    pools.add(cidr("10.244.0.0/22"), Optional.of(28), soon());
    HostAllocator a = allocator("h1");
    java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newFixedThreadPool(12);
    try {
      List<java.util.concurrent.Future<HandleRecord>> results = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        String c = "c" + i;
        boolean waits = i % 2 == 0;
        results.add(workers.submit(() -> (waits ? a.allocateWaiting(v4(c)) : a.allocate(v4(c))).join()));
      }
      Set<IpAddress> ips = new HashSet<>();
      for (java.util.concurrent.Future<HandleRecord> r : results) {
        assertThat(ips.add(r.get().ips().getFirst().ip())).as("%s handed out twice", r.get().ips().getFirst().ip()).isTrue();
      }
      assertThat(audit(memory)).hasSize(300);
      // Releases, waiting and queued, among allocations that reuse what they free.
      List<java.util.concurrent.Future<?>> churn = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        String gone = "c" + i;
        String fresh = "d" + i;
        boolean waits = i % 2 == 0;
        churn.add(workers.submit(() -> (waits ? a.releaseWaiting(handle(gone), soon(), AllocationCompanion.NONE) : a.release(handle(gone), soon())).join()));
        churn.add(workers.submit(() -> a.allocateWaiting(v4(fresh)).join()));
      }
      for (java.util.concurrent.Future<?> f : churn) {
        f.get();
      }
      assertThat(audit(memory)).hasSize(300);
      Set<IpAddress> held = new HashSet<>();
      for (int i = 100; i < 300; i++) {
        assertThat(held.add(a.find(handle("c" + i), soon()).orElseThrow().ips().getFirst().ip())).isTrue();
      }
      for (int i = 0; i < 100; i++) {
        assertThat(a.find(handle("c" + i), soon())).as("c%d released", i).isEmpty();
        assertThat(held.add(a.find(handle("d" + i), soon()).orElseThrow().ips().getFirst().ip())).as("d%d's address held twice", i).isTrue();
      }
    } finally {
      workers.shutdownNow();
    }
  }

  @Test
  void allocatesFromAnAffineBlockAndWritesHandleAndBlockTogether() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord r = a.allocate(v4("c1")).join();
    assertThat(r.ips()).hasSize(1);
    IpAddress ip = r.ips().getFirst().ip();
    assertThat(cidr("10.244.0.0/16").contains(ip)).isTrue();
    assertThat(r.ips().getFirst().block().length()).isEqualTo(26);
    assertThat(r.host()).isEqualTo("h1");
    assertThat(audit(memory)).containsEntry(ip, handle("c1"));
    assertThat(a.find(handle("c1"), soon())).contains(r);
  }

  @Test
  void warmAllocationIsOneTransactionAndNoRead() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    a.allocate(v4("first")).join();
    int before = store.total();
    a.allocate(v4("second")).join();
    assertThat(store.total() - before).isEqualTo(1);
    assertThat(store.txns.get()).isGreaterThan(0);
  }

  @Test
  void allocatingAgainForTheSameHandleReturnsTheSameAddressWithoutWriting() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord first = a.allocate(v4("c1")).join();
    int before = store.txns.get();
    HandleRecord again = a.allocate(v4("c1")).join();
    assertThat(again.ips()).isEqualTo(first.ips());
    assertThat(store.txns.get()).isEqualTo(before);
    assertThat(allocator("h1").allocate(v4("c1")).join().ips()).as("a restarted agent").isEqualTo(first.ips());
    assertThat(audit(memory)).hasSize(1);
  }

  @Test
  void releaseFreesTheAddressAndIsIdempotent() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord r = a.allocate(v4("c1")).join();
    assertThat(a.release(handle("c1"), soon()).join()).hasValueSatisfying(h -> assertThat(h.ips()).isEqualTo(r.ips()));
    assertThat(audit(memory)).isEmpty();
    assertThat(a.release(handle("c1"), soon()).join()).isEmpty();
    assertThat(a.release(handle("never"), soon()).join()).isEmpty();
  }

  @Test
  void aReleasedAddressIsReusedLast() {
    pools.add(cidr("10.244.0.0/16"), Optional.of(29), soon());
    HostAllocator a = allocator("h1");
    IpAddress first = a.allocate(v4("a")).join().ips().getFirst().ip();
    a.release(handle("a"), soon()).join();
    List<IpAddress> next = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      next.add(a.allocate(v4("n" + i)).join().ips().getFirst().ip());
    }
    assertThat(next.subList(0, 5)).doesNotContain(first);
    assertThat(next.get(5)).as("the block's last free address, after the network address").isNotNull();
    assertThat(audit(memory)).hasSize(6);
  }

  @Test
  void staticRequestsGetExactlyThatAddressOrAClearError() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator h1 = allocator("h1");
    HostAllocator h2 = allocator("h2");
    IpAddress wanted = IpAddress.parse("ip", "10.244.9.9");
    HandleRecord r = h1.allocate(request("s1", Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(wanted))).join();
    assertThat(r.ips().getFirst().ip()).isEqualTo(wanted);
    assertThat(failure(h1.allocate(request("s2", Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(wanted)))))
        .hasMessageContaining("in use by net:s1:eth0");
    assertThat(failure(h2.allocate(request("s3", Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(IpAddress.parse("ip", "10.244.9.10"))))))
        .hasMessageContaining("of host h1");
    assertThat(failure(h1.allocate(request("s4", Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(IpAddress.parse("ip", "10.99.0.1"))))))
        .hasMessageContaining("in no pool");
    assertThat(failure(h1.allocate(request("s5", Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(IpAddress.parse("ip", "10.244.9.1"))))))
        .hasMessageContaining("reserved");
    assertThat(audit(memory)).containsOnlyKeys(wanted);
  }

  @Test
  void poolsOfTheRequestRestrictTheAllocation() {
    pools.add(cidr("10.1.0.0/16"), Optional.empty(), soon());
    pools.add(cidr("10.2.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord r = a.allocate(request("c", Origin.CALYX, Set.of(IpFamily.V4), List.of(cidr("10.2.0.0/16")), List.of())).join();
    assertThat(cidr("10.2.0.0/16").contains(r.ips().getFirst().ip())).isTrue();
    assertThat(failure(a.allocate(request("d", Origin.CALYX, Set.of(IpFamily.V4), List.of(cidr("10.3.0.0/16")), List.of()))))
        .hasMessageContaining("none of the configured pools [10.3.0.0/16]");
  }

  @Test
  void dualStackGetsOneAddressOfEachFamily() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    pools.add(cidr("fd00:244::/64"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord r = a.allocate(request("c", Origin.CALYX, Set.of(IpFamily.V4, IpFamily.V6), List.of(), List.of())).join();
    assertThat(r.ips()).extracting(ip -> ip.ip().family()).containsExactly(IpFamily.V4, IpFamily.V6);
    assertThat(r.ips().get(1).block().length()).isEqualTo(122);
    assertThat(a.release(handle("c"), soon()).join()).isPresent();
    assertThat(audit(memory)).isEmpty();
  }

  @Test
  void aFailedSecondFamilyLeavesNothingOfTheFirst() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    Throwable e = failure(a.allocate(request("c", Origin.CALYX, Set.of(IpFamily.V4, IpFamily.V6), List.of(), List.of())));
    assertThat(e).hasMessageContaining("no enabled IPv6 pool");
    assertThat(audit(memory)).isEmpty();
    assertThat(a.allocate(v4("c")).join().ips()).hasSize(1);
  }

  @Test
  void calyxIpamNeverGetsTheNetworkGatewayOrBroadcastAddress() {
    pools.add(cidr("10.5.0.0/28"), Optional.of(29), soon());
    HostAllocator a = allocator("h1");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      seen.add(a.allocate(request("c" + i, Origin.CALYX_IPAM, Set.of(IpFamily.V4), List.of(), List.of())).join().ips().getFirst().ip().toString());
    }
    assertThat(seen).doesNotContain("10.5.0.0", "10.5.0.1", "10.5.0.7", "10.5.0.8", "10.5.0.9", "10.5.0.15");
    assertThat(seen).hasSize(5);
  }

  @Test
  void exhaustionIsAClearErrorAndHostsNeverShareBlocks() {
    pools.add(cidr("10.6.0.0/29"), Optional.of(30), soon());
    HostAllocator h1 = allocator("h1");
    HostAllocator h2 = allocator("h2");
    List<HandleRecord> got = new ArrayList<>();
    got.add(h1.allocate(v4("a")).join());
    got.add(h2.allocate(v4("b")).join());
    assertThat(got.get(0).ips().getFirst().block()).isNotEqualTo(got.get(1).ips().getFirst().block());
    // Two /30 blocks of 3 usable addresses each (the gateway is reserved; the calyx plugin uses the rest as /32s).
    for (String c : List.of("c", "d")) {
      got.add(h1.allocate(v4(c + 1)).join());
      got.add(h2.allocate(v4(c + 2)).join());
    }
    Throwable e = failure(h1.allocate(v4("e")));
    assertThat(e).isInstanceOf(IpamException.class).hasMessageContaining("pool 10.6.0.0/29 is exhausted");
    assertThat(((IpamException) e).kind()).isEqualTo(IpamException.Kind.POOL_EXHAUSTED);
    assertThat(audit(memory)).hasSize(6);
    assertThat(got).allSatisfy(r -> assertThat(r.ips().getFirst().block()).isEqualTo(
        got.stream().filter(o -> o.host().equals(r.host())).findFirst().orElseThrow().ips().getFirst().block()));
  }

  @Test
  void anOutageFailsTheRequestAndLeavesNothingBehind() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    a.allocate(v4("warm")).join();
    memory.setUnavailable(true);
    assertThat(failure(a.allocate(v4("c1")))).isInstanceOf(DatastoreUnavailableException.class);
    memory.setUnavailable(false);
    assertThat(audit(memory)).hasSize(1);
    assertThat(a.allocate(v4("c1")).join().ips()).hasSize(1);
    assertThat(audit(memory)).hasSize(2);
  }

  @Test
  void anotherWriterChangingTheBlockIsAbsorbedWithoutDuplicates() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord first = a.allocate(v4("c1")).join();
    // Another writer (the CLI releasing c1) rewrites the block behind the allocator's cache.
    KeyValue kv = memory.get(Keys.block(first.ips().getFirst().block()), soon()).orElseThrow();
    Block released = Codec.decodeBlock(kv).release(Codec.decodeBlock(kv).ordinalsOf(handle("c1")));
    memory.txn(new Txn(List.of(Compare.modRevision(kv.key(), kv.modRevision())),
        List.of(Op.put(kv.key(), Codec.encode(released)), Op.delete(Keys.handle(handle("c1"))))), soon());
    HandleRecord second = a.allocate(v4("c2")).join();
    assertThat(second.ips().getFirst().ip()).isNotEqualTo(first.ips().getFirst().ip());
    assertThat(audit(memory)).containsOnlyKeys(second.ips().getFirst().ip());
  }

  @Test
  void aHandleAlreadyCommittedIsReturnedNotAllocatedTwice() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord r = a.allocate(v4("c1")).join();
    // A second agent process for the same host (after a restart) has a cold cache but finds the handle.
    HostAllocator restarted = allocator("h1");
    assertThat(restarted.allocate(v4("c1")).join().ips()).isEqualTo(r.ips());
    assertThat(audit(memory)).hasSize(1);
  }

  /** Remembers what the allocator told it; writes one document named after the planned address. */
  private static class RecordingCompanion implements AllocationCompanion {
    final List<HandleRecord> plans = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile boolean written;

    @Override
    public void planned(HandleRecord record) {
      plans.add(record);
    }

    @Override
    public List<Op> alongside(HandleRecord record) {
      return List.of(Op.put("/test/alongside/" + record.handle().containerId(), record.ips().getFirst().ip().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public void written() {
      written = true;
    }
  }

  @Test
  void aCompanionLearnsThePlanFirstAndItsDocumentIsCommittedInTheSameTransaction() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    a.allocate(v4("warm")).join();
    RecordingCompanion companion = new RecordingCompanion();
    int txnsBefore = store.txns.get();
    HandleRecord r = a.allocate(v4("c1"), companion).join();
    assertThat(companion.plans).containsExactly(r);
    assertThat(companion.written).isTrue();
    assertThat(store.txns.get() - txnsBefore).as("still one transaction").isEqualTo(1);
    KeyValue doc = memory.get("/test/alongside/c1", soon()).orElseThrow();
    KeyValue handleKv = memory.get(Keys.handle(handle("c1")), soon()).orElseThrow();
    assertThat(new String(doc.value(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(r.ips().getFirst().ip().toString());
    assertThat(doc.modRevision()).as("written by the allocation's transaction").isEqualTo(handleKv.modRevision());
  }

  @Test
  void anExistingAllocationIsAnsweredWithoutTheCompanion() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord first = a.allocate(v4("c1")).join();
    RecordingCompanion companion = new RecordingCompanion();
    assertThat(a.allocate(v4("c1"), companion).join()).isEqualTo(first);
    assertThat(companion.plans).isEmpty();
    assertThat(companion.written).isFalse();
    assertThat(memory.get("/test/alongside/c1", soon())).isEmpty();
  }

  @Test
  void aReleaseCarriesItsCompanionsDocumentsInItsTransaction() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord r = a.allocate(v4("c1")).join();
    memory.txn(new Txn(List.of(), List.of(Op.put("/test/endpoint/c1", new byte[] {1}))), soon());
    AllocationCompanion deletion = new RecordingCompanion() {
      @Override
      public List<Op> alongside(HandleRecord record) {
        return List.of(Op.delete("/test/endpoint/" + record.handle().containerId()));
      }
    };
    int txnsBefore = store.txns.get();
    assertThat(a.release(handle("c1"), soon(), deletion).join()).contains(r);
    assertThat(store.txns.get() - txnsBefore).as("one transaction").isEqualTo(1);
    assertThat(((RecordingCompanion) deletion).written).isTrue();
    assertThat(memory.get("/test/endpoint/c1", soon())).isEmpty();
    assertThat(audit(memory)).isEmpty();

    RecordingCompanion nothing = new RecordingCompanion();
    assertThat(a.release(handle("c1"), soon(), nothing).join()).isEmpty();
    assertThat(nothing.written).as("nothing to release, nothing written").isFalse();
  }

  @Test
  void aConflictMakesANewPlanAndOnlyTheCommittedOneIsWritten() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord warm = a.allocate(v4("warm")).join();
    // Another writer takes the address the allocator's (now stale) cache would hand out next.
    KeyValue kv = memory.get(Keys.block(warm.ips().getFirst().block()), soon()).orElseThrow();
    Block.Assigned taken = Codec.decodeBlock(kv).assignNext(new Allocation(handle("intruder")), o -> true).orElseThrow();
    memory.txn(new Txn(List.of(Compare.modRevision(kv.key(), kv.modRevision())), List.of(Op.put(kv.key(), Codec.encode(taken.block())))), soon());
    IpAddress intruders = taken.block().address(taken.ordinal());
    RecordingCompanion companion = new RecordingCompanion();
    HandleRecord r = a.allocate(v4("c1"), companion).join();
    assertThat(companion.plans).hasSize(2);
    assertThat(companion.plans.getFirst().ips().getFirst().ip()).as("the stale plan").isEqualTo(intruders);
    assertThat(companion.plans.getLast()).isEqualTo(r);
    assertThat(r.ips().getFirst().ip()).isNotEqualTo(intruders);
    assertThat(new String(memory.get("/test/alongside/c1", soon()).orElseThrow().value(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(r.ips().getFirst().ip().toString());
  }

  @Test
  void aBurstOnOneHostIsGroupCommitted() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    a.allocate(v4("warm")).join();
    int before = store.txns.get();
    List<CompletableFuture<HandleRecord>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(a.allocate(v4("b" + i)));
    }
    Set<IpAddress> ips = new HashSet<>();
    all.forEach(f -> ips.add(f.join().ips().getFirst().ip()));
    assertThat(ips).hasSize(200);
    assertThat(store.txns.get() - before).as("transactions for 200 allocations").isLessThan(60);
    assertThat(audit(memory)).hasSize(201);
    List<CompletableFuture<?>> releases = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      releases.add(a.release(handle("b" + i), soon()));
    }
    releases.forEach(CompletableFuture::join);
    assertThat(audit(memory)).hasSize(1);
  }

  @Test
  void aPoolAddedWhileRunningIsUsedAtOnce() throws Exception {
    HostAllocator a = allocator("h1");
    assertThat(failure(a.allocate(v4("c1")))).isInstanceOf(IpamException.class);
    pools.add(cidr("10.7.0.0/16"), Optional.empty(), soon());
    assertThat(a.allocate(v4("c1")).join().ips()).hasSize(1);
  }

  @Test
  void poolsRefuseOverlapsAndDeletionWithLiveAllocations() {
    pools.add(cidr("10.8.0.0/16"), Optional.empty(), soon());
    assertThatThrownBy(() -> pools.add(cidr("10.8.4.0/24"), Optional.empty(), soon())).hasMessageContaining("overlaps");
    assertThatThrownBy(() -> pools.add(cidr("10.9.0.0/16"), Optional.of(8), soon())).hasMessageContaining("does not fit");
    HostAllocator a = allocator("h1");
    a.allocate(v4("c1")).join();
    assertThatThrownBy(() -> pools.delete(cidr("10.8.0.0/16"), soon())).hasMessageContaining("still has 1 allocated address");
    a.release(handle("c1"), soon()).join();
    pools.delete(cidr("10.8.0.0/16"), soon());
    assertThat(memory.list(Keys.ROOT, soon()).kvs()).isEmpty();
    assertThatThrownBy(() -> pools.delete(cidr("10.8.0.0/16"), soon())).hasMessageContaining("no pool");
  }

  @Test
  void releasingOneAddressByIpKeepsTheHandlesOtherAddressesAndTheAllocatorAbsorbsIt() {
    pools.add(cidr("10.244.0.0/16"), Optional.empty(), soon());
    pools.add(cidr("fd00:244::/64"), Optional.empty(), soon());
    HostAllocator a = allocator("h1");
    HandleRecord r = a.allocate(request("c", Origin.CALYX, Set.of(IpFamily.V4, IpFamily.V6), List.of(), List.of())).join();
    IpAddress v4 = r.ips().get(0).ip();
    AddressRelease release = new AddressRelease(store);
    assertThat(release.release(v4, soon())).hasValueSatisfying(al -> assertThat(al.handle()).isEqualTo(handle("c")));
    assertThat(release.release(v4, soon())).as("already free").isEmpty();
    assertThat(release.release(IpAddress.parse("ip", "192.0.2.1"), soon())).as("in no pool").isEmpty();
    assertThat(audit(memory)).containsOnlyKeys(r.ips().get(1).ip());
    assertThat(a.find(handle("c"), soon()).orElseThrow().ips()).extracting(HandleRecord.AssignedIp::ip).containsExactly(r.ips().get(1).ip());
    // The allocator's cached block is now stale: its next write must notice and still never duplicate.
    HandleRecord next = a.allocate(v4("d")).join();
    assertThat(audit(memory)).hasSize(2).containsKey(next.ips().getFirst().ip());
    assertThat(release.release(r.ips().get(1).ip(), soon())).isPresent();
    assertThat(a.find(handle("c"), soon())).as("a handle left with nothing is deleted").isEmpty();
  }

  @Test
  void aReleaseGuardIsAskedAgainWhenWhatItComparedChanged() {
    pools.add(cidr("10.245.0.0/16"), Optional.empty(), soon());
    HandleRecord r = allocator("h1").allocate(v4("g")).join();
    IpAddress ip = r.ips().getFirst().ip();
    AddressRelease release = new AddressRelease(store);
    assertThatThrownBy(() -> release.release(ip, (a, holder, record, block) -> {
      throw new IllegalStateException("refused for " + holder.handle() + " on " + record.orElseThrow().host());
    }, soon())).hasMessage("refused for " + handle("g") + " on h1");
    assertThat(audit(memory)).as("a refusal changes nothing").containsKey(ip);
    // The guard allows the release while /guard is absent, but /guard appears before the first write: the
    // transaction fails and the second look refuses.
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    assertThatThrownBy(() -> release.release(ip, (a, holder, record, block) -> {
      if (asked.getAndIncrement() > 0) {
        throw new IllegalStateException("now there is a guard");
      }
      store.txn(new Txn(List.of(), List.of(Op.put("/guard", new byte[] {1}))), soon());
      return List.of(Compare.absent("/guard"));
    }, soon())).hasMessage("now there is a guard");
    assertThat(audit(memory)).containsKey(ip);
    assertThat(release.release(ip, AddressRelease.Guard.NONE, soon())).isPresent();
  }

  @Test
  void aPoolWithManyBlocksIsDeletedInChunks() {
    pools.add(cidr("10.50.0.0/20"), Optional.of(28), soon());
    HostAllocator a = allocator("h1");
    // /28 blocks give 15 addresses each: this needs more blocks than two deletion transactions hold.
    int count = 15 * (2 * Pools.BLOCKS_PER_TXN + 5);
    List<CompletableFuture<HandleRecord>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      all.add(a.allocate(v4("m" + i)));
    }
    all.forEach(CompletableFuture::join);
    long blocks = memory.list(Keys.BLOCKS, soon()).kvs().size();
    assertThat(blocks).isGreaterThan(Pools.BLOCKS_PER_TXN * 2L);
    for (int i = 0; i < count; i++) {
      a.release(handle("m" + i), soon()).join();
    }
    pools.delete(cidr("10.50.0.0/20"), soon());
    assertThat(memory.list(Keys.ROOT, soon()).kvs()).isEmpty();
  }

  @Test
  void aClaimSkipsEveryCidrWithAnAffinityWithoutLosingARaceAndNeverTakesAStrayAffinitysCidr() {
    pools.add(cidr("10.61.0.0/28"), Optional.of(30), soon());
    pools.add(cidr("10.62.0.0/28"), Optional.of(30), soon());
    // Another pool's block, and a stray affinity of a host that is gone, naming a block of this pool that
    // was never written (a hand edit, a crash of an older version): routes follow affinities, so its CIDR
    // must not be claimed by another host (it would have two owners' routes); `ipam check` reports it.
    allocator("other").allocate(request("x", Origin.CALYX, Set.of(IpFamily.V4), List.of(cidr("10.62.0.0/28")), List.of())).join();
    memory.txn(new Txn(List.of(), List.of(Op.put(Keys.affinity("ghost", cidr("10.61.0.12/30")),
        Codec.encode(new Affinity("ghost", cidr("10.61.0.12/30"), java.time.Instant.now()))))), soon());
    List<IpPrefix> blocks = new ArrayList<>();
    for (String host : List.of("h1", "h2", "h3")) {
      int txnsBefore = store.txns.get();
      HandleRecord r = allocator(host).allocate(request(host, Origin.CALYX, Set.of(IpFamily.V4), List.of(cidr("10.61.0.0/28")), List.of())).join();
      blocks.add(r.ips().getFirst().block());
      assertThat(store.txns.get() - txnsBefore).as("%s: one claim and one allocation, no claim lost on an existing block", host).isEqualTo(2);
    }
    assertThat(blocks).containsExactlyInAnyOrder(cidr("10.61.0.0/30"), cidr("10.61.0.4/30"), cidr("10.61.0.8/30"));
    int txnsBefore = store.txns.get();
    Throwable e = failure(allocator("h4").allocate(request("h4", Origin.CALYX, Set.of(IpFamily.V4), List.of(cidr("10.61.0.0/28")), List.of())));
    assertThat(((IpamException) e).kind()).isEqualTo(IpamException.Kind.POOL_EXHAUSTED);
    assertThat(store.txns.get()).as("exhaustion is known from the listing, without trying a claimed CIDR").isEqualTo(txnsBefore);
    assertThat(memory.get(Keys.block(cidr("10.61.0.12/30")), soon())).isEmpty();
  }

  @Test
  void theNextBlockIsClaimedAheadBeforeTheCurrentOneIsFull() throws Exception {
    pools.add(cidr("10.60.0.0/16"), Optional.of(27), soon());
    HostAllocator a = allocator("h1");
    for (int i = 0; i < 32 - 1 - HostAllocator.CLAIM_AHEAD_BELOW + 1; i++) {
      a.allocate(v4("f" + i)).join();
    }
    long until = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
    while (memory.list(Keys.affinities("h1"), soon()).kvs().size() < 2 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(memory.list(Keys.affinities("h1"), soon()).kvs()).as("a second block, claimed before it is needed").hasSize(2);
    int claimsBefore = store.lists.get();
    for (int i = 0; i < 20; i++) {
      a.allocate(v4("g" + i)).join();
    }
    assertThat(store.lists.get()).as("no allocation waited for a claim (a claim lists the affinity keys)").isEqualTo(claimsBefore);
    assertThat(memory.list(Keys.affinities("h1"), soon()).kvs()).as("one block claimed ahead, not one per allocation while low")
        .hasSize(2);
    assertThat(audit(memory)).hasSize(32 - 1 - HostAllocator.CLAIM_AHEAD_BELOW + 1 + 20);
  }
}
