package io.calyx.ipam;

import static io.calyx.ipam.IpamFixture.audit;
import static io.calyx.ipam.IpamFixture.handle;
import static io.calyx.ipam.IpamFixture.soon;
import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.InMemoryDatastore;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Seeded random sequences of allocate / re-allocate / release / static requests across three hosts,
 * checked after every step against a trivial model (handle → addresses) and a full audit of the store.
 * A small pool makes exhaustion and block claims frequent. The seed is in every failure message.
 */
class RandomizedAllocatorTest {
  @RepeatedTest(5)
  void randomOperationsKeepTheStoreConsistentWithTheModel() throws Exception {
    long seed = new Random().nextLong();
    Random r = new Random(seed);
    InMemoryDatastore store = new InMemoryDatastore();
    new Pools(store, Clock.systemUTC()).add(IpPrefix.parseNetwork("c", "10.20.0.0/26"), Optional.of(29), soon());
    try (PoolCache pools = PoolCache.start(store, soon())) {
      List<HostAllocator> hosts = List.of(
          new HostAllocator(store, "h0", pools, Clock.systemUTC()),
          new HostAllocator(store, "h1", pools, Clock.systemUTC()),
          new HostAllocator(store, "h2", pools, Clock.systemUTC()));
      Map<HandleId, List<IpAddress>> model = new HashMap<>();
      Map<HandleId, Integer> hostOf = new HashMap<>();
      try {
        for (int step = 0; step < 400; step++) {
          String ctx = "seed " + seed + " step " + step;
          int h = r.nextInt(3);
          HandleId id = handle("c" + r.nextInt(40));
          int op = r.nextInt(10);
          if (op < 5) {
            int on = hostOf.getOrDefault(id, h);
            try {
              HandleRecord rec = hosts.get(on).allocate(new AllocateRequest(id, Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(), soon())).join();
              List<IpAddress> ips = rec.ips().stream().map(HandleRecord.AssignedIp::ip).toList();
              if (model.containsKey(id)) {
                assertThat(ips).as(ctx + ": a repeated allocation returns the same address").isEqualTo(model.get(id));
              }
              model.put(id, ips);
              hostOf.put(id, on);
            } catch (CompletionException e) {
              assertThat(e.getCause()).as(ctx).isInstanceOf(IpamException.class);
              assertThat(((IpamException) e.getCause()).kind()).as(ctx).isEqualTo(IpamException.Kind.POOL_EXHAUSTED);
            }
          } else if (op < 9) {
            int on = hostOf.getOrDefault(id, h);
            Optional<HandleRecord> released = hosts.get(on).release(id, soon()).join();
            assertThat(released.isPresent()).as(ctx + ": release finds exactly what the model holds").isEqualTo(model.containsKey(id));
            model.remove(id);
            hostOf.remove(id);
          } else {
            IpAddress wanted = IpAddress.parse("ip", "10.20.0." + r.nextInt(64));
            HandleId sid = handle("s" + r.nextInt(5));
            if (model.containsKey(sid)) {
              continue;
            }
            try {
              HandleRecord rec = hosts.get(h).allocate(new AllocateRequest(sid, Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(wanted), soon())).join();
              assertThat(rec.ips().getFirst().ip()).as(ctx).isEqualTo(wanted);
              model.put(sid, List.of(wanted));
              hostOf.put(sid, h);
            } catch (CompletionException e) {
              assertThat(e.getCause()).as(ctx).isInstanceOf(IpamException.class);
              assertThat(((IpamException) e.getCause()).kind()).as(ctx)
                  .isIn(IpamException.Kind.ADDRESS_UNAVAILABLE, IpamException.Kind.POOL_EXHAUSTED);
            }
          }
          Map<IpAddress, HandleId> stored = audit(store);
          Map<IpAddress, HandleId> expected = new HashMap<>();
          model.forEach((k, ips) -> ips.forEach(ip -> expected.put(ip, k)));
          assertThat(stored).as(ctx).isEqualTo(expected);
        }
      } finally {
        for (HostAllocator a : hosts) {
          a.close();
        }
      }
    }
  }

}
