package io.calyx.ipam;

import static io.calyx.ipam.IpamFixture.audit;
import static io.calyx.ipam.IpamFixture.handle;
import static io.calyx.ipam.IpamFixture.soon;
import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.KeyValue;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Races on a real etcd: four hosts (four allocators, as four agents would run) and 16 concurrent workers
 * allocating from one small pool (half of them committing on their own threads when their allocator is idle),
 * so block claims collide. No address is handed out twice, every block has
 * exactly one owner, and after releasing everything nothing is left.
 */
@ExtendWith(EtcdExtension.class)
class EtcdRaceTest {
  @Test
  void concurrentAllocatorsOnFourHostsNeverDuplicateOrLeak(Etcd etcd) throws Exception {
    try (EtcdDatastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        PoolCache pools = startPools(store)) {
      List<HostAllocator> hosts = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        hosts.add(new HostAllocator(store, "race-h" + i, pools, Clock.systemUTC()));
      }
      ExecutorService workers = Executors.newFixedThreadPool(16);
      try {
        int count = 400;
        List<Future<HandleRecord>> results = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          int n = i;
          HostAllocator on = hosts.get(i % 4);
          AllocateRequest request = new AllocateRequest(handle("r" + n), Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(), soon());
          // Half of them as calyx-ipam's ADD asks: committed on the caller's thread when the allocator is idle.
          results.add(workers.submit(() -> (n % 8 < 4 ? on.allocateWaiting(request) : on.allocate(request)).join()));
        }
        Map<IpAddress, String> owners = new HashMap<>();
        for (int i = 0; i < count; i++) {
          HandleRecord r = results.get(i).get();
          assertThat(owners.put(r.ips().getFirst().ip(), r.host())).as("%s handed out twice", r.ips().getFirst().ip()).isNull();
          assertThat(r.host()).isEqualTo("race-h" + (i % 4));
        }
        assertThat(audit(store)).hasSize(count);
        Map<IpPrefix, String> blockOwner = new HashMap<>();
        for (KeyValue kv : store.list(Keys.AFFINITIES, soon()).kvs()) {
          Affinity a = Codec.decodeAffinity(kv);
          assertThat(blockOwner.put(a.block(), a.host())).as("block %s claimed twice", a.block()).isNull();
        }
        owners.forEach((ip, host) -> assertThat(blockOwner.entrySet().stream()
            .filter(e -> e.getKey().contains(ip)).map(Map.Entry::getValue).toList()).containsExactly(host));

        List<CompletableFuture<?>> releases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          releases.add(hosts.get(i % 4).release(handle("r" + i), soon()));
        }
        releases.forEach(CompletableFuture::join);
        assertThat(audit(store)).isEmpty();
        assertThat(store.list(Keys.HANDLES, soon()).kvs()).isEmpty();
      } finally {
        workers.shutdownNow();
        hosts.forEach(HostAllocator::close);
      }
    }
  }

  private static PoolCache startPools(EtcdDatastore store) {
    new Pools(store, Clock.systemUTC()).add(IpPrefix.parseNetwork("c", "10.30.0.0/22"), Optional.of(28), soon());
    return PoolCache.start(store, soon());
  }
}
