package io.calyx.ipam;

import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.node.Node;
import io.calyx.core.node.NodeCodec;
import io.calyx.core.store.KeyValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Cross-references the IPAM documents (pools, blocks, affinities, handle records) with the endpoint and
 * node records and lists what does not add up. Pure: it works on listings read beforehand
 * ({@link Snapshot}), so the same inputs always give the same report, and tests can feed it anything.
 *
 * <p>What it finds ({@link Kind}): documents calyx cannot read, allocations no container uses any more,
 * endpoints whose addresses are not allocated to them, allocations outside every pool, blocks of nodes
 * that are gone, blocks claimed by more than one host, allocations and handle records that disagree, and
 * pools whose blocks are larger than {@code pool add} allows.
 */
public final class IpamCheck {
  private IpamCheck() {}

  /** The kinds of problem, each with the stable name {@code -o json} and the docs use. */
  public enum Kind {
    /** A document that does not decode (bad JSON, wrong schema, missing field, inconsistent block, key and content disagree). */
    INVALID_DOCUMENT("invalid-document"),
    /** A calyx allocation older than the grace period whose container interface has no endpoint record. */
    LEAKED_ALLOCATION("leaked-allocation"),
    /** An endpoint record whose address is not allocated to it (free, held by another handle, or in no block). */
    ENDPOINT_WITHOUT_ALLOCATION("endpoint-without-allocation"),
    /** An allocated address (or an endpoint's address) that lies in no pool. */
    OUTSIDE_POOL("outside-pool"),
    /** A block whose owner has no node record, or whose node has not been alive for a long time. */
    DEPARTED_NODE("departed-node"),
    /** A block claimed by more than one host, or an affinity that disagrees with its block. */
    DUPLICATE_AFFINITY("duplicate-affinity"),
    /** A block without an affinity (its owner's agent would not route it), or an affinity without a block. */
    MISSING_AFFINITY("missing-affinity"),
    /** A block allocation whose handle record is missing or does not list it, or the other way round. */
    HANDLE_MISMATCH("handle-mismatch"),
    /**
     * A pool whose blocks hold more than {@code pool add} allows (stored before the limit): a block
     * document names every holder and every allocation rewrites it, so a block this large fails to write
     * once enough of it is allocated.
     */
    OVERSIZED_BLOCKS("oversized-blocks");

    private final String text;

    Kind(String text) {
      this.text = text;
    }

    /** The stable name, e.g. {@code leaked-allocation}. */
    public String text() {
      return text;
    }
  }

  /**
   * One problem.
   *
   * @param kind what is wrong
   * @param subject what it is about: an address, a block, a node or a datastore key
   * @param detail one line for the operator, with the fix where there is one
   */
  public record Problem(Kind kind, String subject, String detail) {}

  /**
   * The listings a check works on, as read from the datastore.
   *
   * @param pools under {@link Keys#POOLS}
   * @param blocks under {@link Keys#BLOCKS}
   * @param handles under {@link Keys#HANDLES}
   * @param affinities under {@link Keys#AFFINITIES}
   * @param endpoints under {@link Endpoint#ROOT}
   * @param nodes under {@link Node#ROOT}
   */
  public record Snapshot(List<KeyValue> pools, List<KeyValue> blocks, List<KeyValue> handles, List<KeyValue> affinities,
      List<KeyValue> endpoints, List<KeyValue> nodes) {
    /** How many documents there are. */
    public int size() {
      return pools.size() + blocks.size() + handles.size() + affinities.size() + endpoints.size() + nodes.size();
    }
  }

  /**
   * The thresholds of a check.
   *
   * @param now the time the check runs
   * @param grace allocations younger than this are not reported as leaked: an ADD writes the endpoint
   *     record only after wiring the container, a few seconds after allocating
   * @param departedAfter a node whose heartbeat is older than this counts as departed
   */
  public record Settings(Instant now, Duration grace, Duration departedAfter) {
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(2);
    public static final Duration DEFAULT_DEPARTED_AFTER = Duration.ofMinutes(10);
  }

  /**
   * The outcome.
   *
   * @param problems every problem, ordered by kind and subject
   * @param documents how many documents were checked
   * @param allocations how many allocated addresses were checked
   */
  public record Report(List<Problem> problems, int documents, long allocations) {
    public boolean clean() {
      return problems.isEmpty();
    }
  }

  /** Told how far a check got, for progress output on large datastores. */
  @FunctionalInterface
  public interface Progress {
    Progress NONE = (done, total) -> {};

    /** {@code done} of {@code total} documents looked at. */
    void at(int done, int total);
  }

  /** Checks {@code s}. */
  public static Report check(Snapshot s, Settings settings, Progress progress) {
    Run run = new Run(s, settings, progress);
    return run.go();
  }

  /** The state of one check: decoded documents and the problems found so far. */
  private static final class Run {
    private final Snapshot s;
    private final Settings settings;
    private final Progress progress;
    private final List<Problem> problems = new ArrayList<>();
    private int done;

    Run(Snapshot s, Settings settings, Progress progress) {
      this.s = s;
      this.settings = settings;
      this.progress = progress;
    }

    private void report(Kind kind, String subject, String detail) {
      problems.add(new Problem(kind, subject, detail));
    }

    private void step() {
      done++;
      if (done % 1000 == 0 || done == s.size()) {
        progress.at(done, s.size());
      }
    }

    /** Decodes every document of a listing; the ones that do not decode are reported, not fatal. */
    private <T> List<T> decode(List<KeyValue> kvs, Function<KeyValue, T> decoder) {
      List<T> out = new ArrayList<>();
      for (KeyValue kv : kvs) {
        step();
        try {
          out.add(decoder.apply(kv));
        } catch (RuntimeException e) {
          report(Kind.INVALID_DOCUMENT, kv.key(), e.getMessage());
        }
      }
      return out;
    }

    /** A decoded document whose key does not name what it holds is as bad as an unreadable one. */
    private static <T> Function<KeyValue, T> keyed(Function<KeyValue, T> decoder, Function<T, String> expectedKey) {
      return kv -> {
        T t = decoder.apply(kv);
        String expected = expectedKey.apply(t);
        if (!expected.equals(kv.key())) {
          throw new IllegalArgumentException("datastore document " + kv.key() + " holds the document of " + expected);
        }
        return t;
      };
    }

    Report go() {
      List<Pool> pools = decode(s.pools(), keyed(Codec::decodePool, p -> Keys.pool(p.cidr())));
      List<Block> blocks = decode(s.blocks(), keyed(Codec::decodeBlock, b -> Keys.block(b.cidr())));
      List<HandleRecord> handles = decode(s.handles(), keyed(Codec::decodeHandle, h -> Keys.handle(h.handle())));
      List<Affinity> affinities = decode(s.affinities(), keyed(Codec::decodeAffinity, a -> Keys.affinity(a.host(), a.block())));
      List<Endpoint> endpoints = decode(s.endpoints(), kv -> EndpointCodec.decode(kv.key(), kv.value()));
      List<Node> nodes = decode(s.nodes(), kv -> NodeCodec.decode(kv.key(), kv.value()));

      oversizedBlocks(pools);
      // Who holds what, per the blocks: the authoritative allocation state.
      Map<IpAddress, HandleId> held = new HashMap<>();
      for (Block b : blocks) {
        b.allocations().forEach((ordinal, a) -> held.put(b.address(ordinal), a.handle()));
      }
      Map<HandleId, HandleRecord> byHandle = new HashMap<>();
      handles.forEach(h -> byHandle.put(h.handle(), h));
      Set<HandleId> withEndpoint = new HashSet<>();
      endpoints.forEach(e -> withEndpoint.add(e.handle()));

      outsidePools(pools, blocks, endpoints);
      handlesAgainstBlocks(blocks, byHandle);
      leaks(blocks, byHandle, withEndpoint);
      endpointsAgainstBlocks(endpoints, held);
      departedNodes(blocks, nodes);
      affinities(blocks, affinities);

      problems.sort(Comparator.comparing((Problem p) -> p.kind()).thenComparing(Problem::subject));
      long allocations = blocks.stream().mapToLong(Block::used).sum();
      return new Report(List.copyOf(problems), s.size(), allocations);
    }

    private static boolean inAnyPool(List<Pool> pools, IpAddress ip) {
      return pools.stream().anyMatch(p -> p.cidr().contains(ip));
    }

    private void oversizedBlocks(List<Pool> pools) {
      for (Pool p : pools) {
        int bits = p.cidr().family().bits() - p.blockSize();
        if (bits > Pools.MAX_BLOCK_BITS) {
          // ~90 bytes a holder (a 64-hex container id): past ~16,000 the block passes etcd's 1.5 MiB request limit.
          String cost = (1 << bits) > 16_000
              ? "which passes etcd's default request limit (1.5 MiB) once ~16,000 of its addresses are allocated, and allocations in it then fail"
              : "up to ~" + (90 * (1 << bits) / 1024) + " KB for a full one";
          report(Kind.OVERSIZED_BLOCKS, p.cidr().toString(), "its blocks hold " + (1 << bits) + " addresses (/" + p.blockSize()
              + "), more than the " + (1 << Pools.MAX_BLOCK_BITS) + " pool add allows: every allocation rewrites its whole block, "
              + cost + ". Fix: add a pool with blocks of at most " + (1 << Pools.MAX_BLOCK_BITS) + " addresses, point the networks'"
              + " ipam.pools at it, and delete this one once it is empty");
        }
      }
    }

    private void outsidePools(List<Pool> pools, List<Block> blocks, List<Endpoint> endpoints) {
      for (Block b : blocks) {
        if (!inAnyPool(pools, b.cidr().address())) {
          b.allocations().forEach((ordinal, a) -> report(Kind.OUTSIDE_POOL, b.address(ordinal).toString(),
              "allocated to " + a.handle() + " in block " + b.cidr() + " of node " + b.owner() + ", which lies in no pool (was its pool deleted?)"));
        }
      }
      for (Endpoint e : endpoints) {
        for (IpPrefix ip : e.ips()) {
          if (!inAnyPool(pools, ip.address())) {
            report(Kind.OUTSIDE_POOL, ip.address().toString(), "endpoint " + e.handle() + " on node " + e.node() + " uses it, but it lies in no pool");
          }
        }
      }
    }

    private void handlesAgainstBlocks(List<Block> blocks, Map<HandleId, HandleRecord> byHandle) {
      Map<IpPrefix, Block> byCidr = new HashMap<>();
      blocks.forEach(b -> byCidr.put(b.cidr(), b));
      for (Block b : blocks) {
        b.allocations().forEach((ordinal, a) -> {
          IpAddress ip = b.address(ordinal);
          HandleRecord h = byHandle.get(a.handle());
          if (h == null) {
            report(Kind.HANDLE_MISMATCH, ip.toString(), "allocated to " + a.handle() + " in block " + b.cidr()
                + ", which has no handle record (calyxctl ipam release --ip " + ip + ")");
          } else if (h.ips().stream().noneMatch(x -> x.ip().equals(ip))) {
            report(Kind.HANDLE_MISMATCH, ip.toString(), "allocated to " + a.handle() + " in block " + b.cidr() + ", but its handle record does not list it");
          }
        });
      }
      for (HandleRecord h : byHandle.values()) {
        for (HandleRecord.AssignedIp x : h.ips()) {
          Block b = byCidr.get(x.block());
          Optional<Integer> ordinal = b == null ? Optional.empty() : b.ordinalOf(x.ip());
          // holder(), not allocations(): that map is made anew on each call, and this runs for every listed address.
          Allocation holder = ordinal.isPresent() ? b.holder(ordinal.get()) : null;
          boolean allocated = holder != null && holder.handle().equals(h.handle());
          if (!allocated) {
            report(Kind.HANDLE_MISMATCH, x.ip().toString(), "the handle record of " + h.handle() + " lists it, but block " + x.block()
                + (b == null ? " does not exist" : " does not allocate it to that handle"));
          }
        }
      }
    }

    private void leaks(List<Block> blocks, Map<HandleId, HandleRecord> byHandle, Set<HandleId> withEndpoint) {
      Instant cutoff = settings.now().minus(settings.grace());
      for (Block b : blocks) {
        b.allocations().forEach((ordinal, a) -> {
          HandleRecord h = byHandle.get(a.handle());
          // calyx-ipam under other plugins never writes endpoint records: only the calyx plugin's allocations can be judged.
          if (h != null && h.origin() == Origin.CALYX && h.since().isBefore(cutoff) && !withEndpoint.contains(a.handle())) {
            IpAddress ip = b.address(ordinal);
            report(Kind.LEAKED_ALLOCATION, ip.toString(), "allocated to " + a.handle() + " on node " + h.host() + " since " + h.since()
                + " but no endpoint record uses it (calyxctl ipam release --ip " + ip + ")");
          }
        });
      }
    }

    private void endpointsAgainstBlocks(List<Endpoint> endpoints, Map<IpAddress, HandleId> held) {
      for (Endpoint e : endpoints) {
        for (IpPrefix ip : e.ips()) {
          HandleId holder = held.get(ip.address());
          if (!e.handle().equals(holder)) {
            report(Kind.ENDPOINT_WITHOUT_ALLOCATION, ip.address().toString(), "endpoint " + e.handle() + " on node " + e.node() + " uses it, but "
                + (holder == null ? "it is not allocated (another container may get it)" : "it is allocated to " + holder));
          }
        }
      }
    }

    private void departedNodes(List<Block> blocks, List<Node> nodes) {
      Map<String, Node> byName = new HashMap<>();
      nodes.forEach(n -> byName.put(n.name(), n));
      Map<String, List<Block>> byOwner = new TreeMap<>();
      blocks.forEach(b -> byOwner.computeIfAbsent(b.owner(), o -> new ArrayList<>()).add(b));
      byOwner.forEach((owner, owned) -> {
        Node n = byName.get(owner);
        String why;
        if (n == null) {
          why = "has no node record";
        } else if (!n.alive(settings.now(), settings.departedAfter())) {
          why = "has not been alive since " + n.heartbeat();
        } else {
          return;
        }
        long used = owned.stream().mapToLong(Block::used).sum();
        report(Kind.DEPARTED_NODE, owner, "node " + owner + " " + why + " but holds " + owned.size() + " block(s) with " + used
            + " allocated address(es) (calyxctl node delete " + owner + ")");
      });
    }

    private void affinities(List<Block> blocks, List<Affinity> affinities) {
      Map<IpPrefix, List<Affinity>> byBlock = new HashMap<>();
      affinities.forEach(a -> byBlock.computeIfAbsent(a.block(), x -> new ArrayList<>()).add(a));
      Set<IpPrefix> existing = new HashSet<>();
      for (Block b : blocks) {
        existing.add(b.cidr());
        List<Affinity> claims = byBlock.getOrDefault(b.cidr(), List.of());
        List<String> hosts = claims.stream().map(Affinity::host).sorted().toList();
        if (claims.isEmpty()) {
          report(Kind.MISSING_AFFINITY, b.cidr().toString(), "block of node " + b.owner() + " has no affinity: its node does not route it");
        } else if (claims.size() > 1) {
          report(Kind.DUPLICATE_AFFINITY, b.cidr().toString(), "block of node " + b.owner() + " is claimed by " + String.join(", ", hosts)
              + ": more than one host routes it");
        } else if (!hosts.getFirst().equals(b.owner())) {
          report(Kind.DUPLICATE_AFFINITY, b.cidr().toString(), "block of node " + b.owner() + " has the affinity of node " + hosts.getFirst());
        }
      }
      for (Affinity a : affinities) {
        if (!existing.contains(a.block())) {
          report(Kind.MISSING_AFFINITY, a.block().toString(), "node " + a.host() + " has an affinity for block " + a.block() + ", which does not exist");
        }
      }
    }
  }
}
