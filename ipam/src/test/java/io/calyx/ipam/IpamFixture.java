package io.calyx.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Helpers shared by the allocator tests: requests, deadlines, and a full consistency audit of the store. */
final class IpamFixture {
  private IpamFixture() {}

  static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(20), Clock.systemUTC());
  }

  static HandleId handle(String container) {
    return HandleId.parse("net:" + container + ":eth0");
  }

  static AllocateRequest v4(String container) {
    return new AllocateRequest(handle(container), Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(), soon());
  }

  static AllocateRequest request(String container, Origin origin, Set<IpFamily> families, List<IpPrefix> pools, List<IpAddress> requested) {
    return new AllocateRequest(handle(container), origin, families, pools, requested, soon());
  }

  /**
   * Audits the whole datastore: every block valid, no address held twice, every handle record matching
   * its block allocations exactly and the other way round, every block with its owner's affinity. Returns
   * address → handle.
   */
  static Map<IpAddress, HandleId> audit(Datastore store) {
    Map<IpAddress, HandleId> byIp = new HashMap<>();
    Map<HandleId, List<IpAddress>> byHandle = new HashMap<>();
    for (KeyValue kv : store.list(Keys.BLOCKS, soon()).kvs()) {
      Block b = Codec.decodeBlock(kv).validate();
      assertThat(store.get(Keys.affinity(b.owner(), b.cidr()), soon())).as("affinity of %s", b.cidr()).isPresent();
      b.allocations().forEach((ordinal, a) -> {
        IpAddress ip = b.address(ordinal);
        assertThat(byIp.put(ip, a.handle())).as("%s held twice", ip).isNull();
        byHandle.computeIfAbsent(a.handle(), h -> new java.util.ArrayList<>()).add(ip);
      });
    }
    Map<HandleId, List<IpAddress>> recorded = new HashMap<>();
    for (KeyValue kv : store.list(Keys.HANDLES, soon()).kvs()) {
      HandleRecord h = Codec.decodeHandle(kv);
      recorded.put(h.handle(), h.ips().stream().map(HandleRecord.AssignedIp::ip).toList());
    }
    assertThat(recorded.keySet()).as("handles with a record vs handles holding addresses").isEqualTo(byHandle.keySet());
    recorded.forEach((h, ips) -> assertThat(byHandle.get(h)).as("addresses of %s", h).containsExactlyInAnyOrderElementsOf(ips));
    return byIp;
  }
}
