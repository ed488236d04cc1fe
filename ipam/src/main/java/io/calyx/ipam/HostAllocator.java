package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one allocator of a host's blocks (its agent). Requests queue up and a single committer takes all
 * that are waiting (up to {@value #MAX_BATCH}), plans them against the cached blocks and commits them in
 * ONE transaction: the blocks (compare mod revision) and every handle record (compare absent) together. A
 * burst of ADDs on one host therefore costs a few transactions instead of collapsing into CAS retries on
 * the block key. The compares stay, for safety against other writers (the CLI, the reclaimer).
 *
 * <p>Failed compares are answered with the current values, which refresh the cache; a handle that already
 * exists means the allocation was already made (a retried ADD, or an earlier write whose answer was lost),
 * and its record is returned instead of allocating twice. Only compare conflicts are retried (at most
 * {@value #MAX_ATTEMPTS} times); every other error ends the batch at once.
 */
public final class HostAllocator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostAllocator.class);
  /**
   * etcd allows 128 operations per transaction; a batch of 32 uses at most ~70, ~100 with one companion
   * document per allocation (the calyx plugin's endpoint record).
   */
  static final int MAX_BATCH = 32;
  static final int MAX_ATTEMPTS = 8;
  /**
   * How long the committer waits for the callers of the last batch to come back (see {@link #gather}).
   * Measured with {@code bench/ipam-bench.sh} at concurrency 16 on one host: 1 ms gave 0.73–0.80 of raw
   * etcd's rate, 250 µs 0.75–0.91 (a straggler no longer holds a whole batch back for a fifth of a round).
   */
  static final long LINGER_NANOS = 250_000;

  private final Datastore store;
  private final String host;
  private final PoolCache pools;
  private final Clock clock;
  private final BlockCache cache;
  private final BlockClaimer claimer;
  /** Blocks claimed ahead of need by {@link #claimAhead}, handed to the committer (the cache's only user). */
  private final java.util.concurrent.ConcurrentLinkedQueue<BlockCache.Cached> claimedAhead = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean claiming = new java.util.concurrent.atomic.AtomicBoolean();
  private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final Thread committer;
  /**
   * Held while a batch is planned and committed: by the committer, or by a waiting caller that commits its
   * own request ({@link #allocateWaiting}, {@link #releaseWaiting}). The cache and the claim-ahead state are
   * only touched under it.
   */
  private final java.util.concurrent.locks.ReentrantLock turn = new java.util.concurrent.locks.ReentrantLock();
  /**
   * Requests handed to the committer and not yet answered, those it has taken off the queue included: a
   * waiting caller commits on its own thread only when this is 0, so it never overtakes a request made
   * before it (a DEL must not run ahead of the ADD of the same handle it follows).
   */
  private final java.util.concurrent.atomic.AtomicInteger unfinished = new java.util.concurrent.atomic.AtomicInteger();
  /** Run by the committer between taking a batch and starting it (tests hold it there). */
  volatile Runnable beforeTurn = () -> {};
  private volatile boolean closed;
  /**
   * Requests in the last batch committed, by the committer or a waiting caller: more than one means callers
   * come in groups (a burst), and the next ones should queue to be batched again rather than commit alone.
   */
  private volatile int lastBatch = 1;

  /** A queued request and the future its caller waits on. */
  sealed interface Request permits AllocateOp, ReleaseOp {
    Deadline deadline();

    CompletableFuture<?> future();
  }

  record AllocateOp(AllocateRequest request, AllocationCompanion companion, CompletableFuture<HandleRecord> future) implements Request {
    @Override
    public Deadline deadline() {
      return request.deadline();
    }
  }

  record ReleaseOp(HandleId handle, Deadline deadline, AllocationCompanion companion, CompletableFuture<Optional<HandleRecord>> future)
      implements Request {}

  public HostAllocator(Datastore store, String host, PoolCache pools, Clock clock) {
    this.store = store;
    this.host = host;
    this.pools = pools;
    this.clock = clock;
    this.cache = new BlockCache(host);
    this.claimer = new BlockClaimer(store, host, clock);
    this.committer = Thread.ofPlatform().name("calyx-ipam-" + host).daemon().start(this::run);
  }

  public String host() {
    return host;
  }

  /**
   * Allocates for {@code request.handle()}; returns the existing allocation if the handle already has one.
   * The future fails with {@link IpamException}, {@link DatastoreUnavailableException} or
   * {@link CorruptDocumentException}.
   */
  public CompletableFuture<HandleRecord> allocate(AllocateRequest request) {
    return allocate(request, AllocationCompanion.NONE);
  }

  /**
   * Like {@link #allocate(AllocateRequest)}; a new allocation is also announced to {@code companion} before
   * it is written, and its {@link AllocationCompanion#alongside} documents go into the same transaction. An
   * allocation that already existed is only answered through the future.
   */
  public CompletableFuture<HandleRecord> allocate(AllocateRequest request, AllocationCompanion companion) {
    AllocateOp op = new AllocateOp(request, companion, new CompletableFuture<>());
    enqueue(op);
    return op.future();
  }

  /**
   * Like {@link #allocate(AllocateRequest)}, for a caller that blocks on the answer anyway (calyx-ipam's
   * ADD): when the last batch was a lone request and nothing handed to the committer is unanswered, the
   * request is planned and committed on the calling thread and the returned future is already complete;
   * otherwise it queues like any other, and batches as before. A lone request so skips two thread
   * hand-offs, to the committer and back (measured at concurrency 1: about a twentieth of the client's CPU
   * per allocation; docs/ipam.md). Not for a caller with other work to do meanwhile (the calyx plugin's ADD
   * wires the container while its allocation commits).
   */
  public CompletableFuture<HandleRecord> allocateWaiting(AllocateRequest request) {
    AllocateOp op = new AllocateOp(request, AllocationCompanion.NONE, new CompletableFuture<>());
    submitWaiting(op);
    return op.future();
  }

  /**
   * Like {@link #release(HandleId, Deadline, AllocationCompanion)}, for a caller that blocks on the answer
   * anyway (every DEL: the plugins release last and answer after it), as {@link #allocateWaiting} does
   * for allocations: on the calling thread when the allocator is idle after a lone request, queued
   * otherwise. {@code companion}'s callbacks then run on the calling thread.
   */
  public CompletableFuture<Optional<HandleRecord>> releaseWaiting(HandleId handle, Deadline deadline, AllocationCompanion companion) {
    ReleaseOp op = new ReleaseOp(handle, deadline, companion, new CompletableFuture<>());
    submitWaiting(op);
    return op.future();
  }

  /** Processes {@code op} on the calling thread when the allocator is idle after a lone request, else queues it. */
  private void submitWaiting(Request op) {
    // Only after a lone request: in a burst, the first caller back would commit alone and split the batch
    // the others form in the queue (measured, concurrency 16 on one host, three alternating pairs: 0.83–1.16
    // of raw etcd without this rule, 1.75–2.04 with it). Only when nothing handed to the committer is
    // unanswered (see unfinished), and never nested in a batch this thread is committing (a companion's
    // callback must not call back into the allocator; were one to, it would queue).
    if (!closed && lastBatch == 1 && unfinished.get() == 0 && !turn.isHeldByCurrentThread() && turn.tryLock()) {
      try {
        if (unfinished.get() == 0) {
          lastBatch = 1;
          processReportingBugs(List.of(op));
          return;
        }
      } finally {
        turn.unlock();
      }
    }
    enqueue(op);
  }

  /** Releases everything {@code handle} holds; empty when it held nothing (releasing the unknown is a no-op). */
  public CompletableFuture<Optional<HandleRecord>> release(HandleId handle, Deadline deadline) {
    return release(handle, deadline, AllocationCompanion.NONE);
  }

  /**
   * Like {@link #release(HandleId, Deadline)}; when the release is written by a transaction of this
   * allocator, {@code companion}'s {@link AllocationCompanion#alongside} documents (given the released
   * record) go into it. Whether they did is told by {@link AllocationCompanion#written}.
   */
  public CompletableFuture<Optional<HandleRecord>> release(HandleId handle, Deadline deadline, AllocationCompanion companion) {
    ReleaseOp op = new ReleaseOp(handle, deadline, companion, new CompletableFuture<>());
    enqueue(op);
    return op.future();
  }

  private void enqueue(Request op) {
    if (closed) {
      op.future().completeExceptionally(new DatastoreUnavailableException("the allocator of " + host + " is stopped"));
      return;
    }
    unfinished.incrementAndGet();
    queue.add(op);
  }

  private void run() {
    List<Request> batch = new ArrayList<>();
    while (!closed) {
      try {
        batch.add(queue.take());
        gather(batch, lastBatch);
      } catch (InterruptedException e) {
        break;
      }
      beforeTurn.run();
      turn.lock();
      try {
        lastBatch = batch.size();
        processReportingBugs(batch);
      } finally {
        unfinished.addAndGet(-batch.size());
        turn.unlock();
      }
      batch.clear();
    }
    // What was taken for a batch the interruption cut short, and what is still queued: answered, not lost.
    List<Request> left = new ArrayList<>(batch);
    queue.drainTo(left);
    left.forEach(r -> r.future().completeExceptionally(new DatastoreUnavailableException("the allocator of " + host + " stopped")));
  }

  /**
   * Collects what is queued behind the first request. Callers that were answered together by the last
   * batch come back within microseconds of each other, so when the last batch was larger than what is
   * queued now, wait up to {@link #LINGER_NANOS} for them: one full transaction instead of several small
   * ones. A lone caller (last batch of one) never waits.
   */
  private void gather(List<Request> batch, int lastBatch) throws InterruptedException {
    queue.drainTo(batch, MAX_BATCH - batch.size());
    long until = System.nanoTime() + LINGER_NANOS;
    while (batch.size() < Math.min(lastBatch, MAX_BATCH)) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Request next = queue.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS);
      if (next == null) {
        return;
      }
      batch.add(next);
      queue.drainTo(batch, MAX_BATCH - batch.size());
    }
  }

  /** {@link #process}, failing the batch's requests (never leaving them waiting) should it have a bug. */
  private void processReportingBugs(List<Request> batch) {
    try {
      process(batch);
    } catch (RuntimeException e) {
      LOG.error("allocator batch failed", e);
      batch.forEach(r -> r.future().completeExceptionally(e));
    }
  }

  private void process(List<Request> batch) {
    List<Request> pending = new ArrayList<>();
    for (Request r : batch) {
      if (r.deadline().expired()) {
        r.future().completeExceptionally(new DatastoreUnavailableException("deadline expired while queued behind other requests"));
      } else {
        pending.add(r);
      }
    }
    if (pending.isEmpty()) {
      return;
    }
    Deadline deadline = pending.getFirst().deadline();
    for (Request r : pending) {
      if (r.deadline().at().isBefore(deadline.at())) {
        deadline = r.deadline();
      }
    }
    int attempt = 1;
    List<Request> inFlight = pending;
    try {
      while (!pending.isEmpty()) {
        inFlight = pending;
        if (attempt > MAX_ATTEMPTS) {
          pending.forEach(r -> r.future().completeExceptionally(new IpamException(IpamException.Kind.CONTENTION,
              "the blocks of " + host + " kept changing during " + MAX_ATTEMPTS + " attempts; retry")));
          return;
        }
        cache.ensureLoaded(store, deadline);
        for (BlockCache.Cached c = claimedAhead.poll(); c != null; c = claimedAhead.poll()) {
          if (cache.get(c.block().cidr()).isEmpty()) {
            cache.put(c.block(), c.modRevision());
          }
        }
        Batch plan = new Batch(cache, pools, claimer, host, clock.instant(), deadline, store);
        List<Request> deferred = new ArrayList<>();
        for (Request r : pending) {
          if (plan.add(r) == Batch.Outcome.DEFERRED) {
            deferred.add(r);
          }
        }
        if (!plan.hasWrites()) {
          plan.completeAll();
          pending = deferred;
          continue;
        }
        Txn txn = plan.toTxn();
        plan.announce();
        TxnResult result = store.txn(txn, deadline);
        if (result.succeeded()) {
          plan.commitTo(cache, result.revision());
          claimAheadIfLow(plan.changedBlocks());
          plan.completeAll();
          pending = deferred;
          attempt = 1;
        } else {
          pending = new ArrayList<>(plan.afterConflict(result, cache));
          pending.addAll(deferred);
          attempt++;
        }
      }
    } catch (DatastoreUnavailableException e) {
      // The last write may or may not have been applied: re-read everything before the next decision.
      cache.invalidate();
      for (Request r : inFlight) {
        r.future().completeExceptionally(e);
      }
    }
  }

  /** When fewer addresses than this are left in a pool's blocks of this host, the next block is claimed ahead. */
  static final int CLAIM_AHEAD_BELOW = 16;
  static final long CLAIM_AHEAD_MIN_BLOCKS = 64;

  /**
   * Claims the next block of a pool in the background when this host's blocks of it run low, so a burst
   * never waits for a claim (a listing of the affinity keys plus a transaction) in the middle of a batch. Only
   * the pools of the blocks just written can have run low: the others are not looked at (this runs after
   * every commit).
   */
  private void claimAheadIfLow(java.util.Collection<IpPrefix> changed) {
    // Loops, not streams (this runs after every commit); pools by identity: the pool cache hands out one
    // instance per pool version (a record's hash walks its fields).
    List<Pool> touched = new ArrayList<>(0);
    for (IpPrefix cidr : changed) {
      // A block just written with enough free addresses of its own: its pool is not low (most commits).
      Optional<BlockCache.Cached> written = cache.get(cidr);
      if (written.isPresent() && written.get().block().free() >= CLAIM_AHEAD_BELOW) {
        continue;
      }
      // Only in pools with many blocks: in a small pool, a block claimed ahead could be one another host needs.
      Optional<Pool> pool = pools.poolOf(cidr);
      if (pool.isPresent() && !pool.get().disabled() && pool.get().blockCount() >= CLAIM_AHEAD_MIN_BLOCKS
          && !containsSame(touched, pool.get())) {
        touched.add(pool.get());
      }
    }
    for (Pool pool : touched) {
      if (freeIn(pool) < CLAIM_AHEAD_BELOW) {
        claimAhead(pool);
        return;
      }
    }
  }

  private static boolean containsSame(List<Pool> pools, Pool pool) {
    for (Pool p : pools) {
      if (p == pool) {
        return true;
      }
    }
    return false;
  }

  private void claimAhead(Pool pool) {
    if (!claiming.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual().name("calyx-claim-ahead").start(() -> {
      try {
        claimedAhead.add(claimer.claim(pool, Optional.empty(), Deadline.in(java.time.Duration.ofSeconds(10), clock)));
      } catch (RuntimeException ex) {
        LOG.debug("claiming a block of {} ahead failed: {}", pool.cidr(), ex.toString());
      } finally {
        claiming.set(false);
      }
    });
  }

  /**
   * Free addresses in this host's blocks of {@code pool}: the cached ones and those claimed ahead but not
   * taken into the cache yet (a claim that finished during the last transaction would otherwise look like
   * none, and a second block be claimed).
   */
  private int freeIn(Pool pool) {
    int free = 0;
    for (Iterable<BlockCache.Cached> blocks : List.<Iterable<BlockCache.Cached>>of(cache.viewWithFree(), claimedAhead)) {
      for (BlockCache.Cached c : blocks) {
        if (pool.cidr().contains(c.block().cidr().address())) {
          free += c.block().free();
        }
      }
    }
    return free;
  }

  /** Requests waiting for the committer (for tests). */
  int queued() {
    return queue.size();
  }

  /** Whether a batch is being planned or committed (for tests: callers are answered just before it ends). */
  boolean committing() {
    return turn.isLocked();
  }

  /** Reads the record of {@code handle} from the datastore. */
  public Optional<HandleRecord> find(HandleId handle, Deadline deadline) {
    return store.get(Keys.handle(handle), deadline).map(Codec::decodeHandle);
  }

  @Override
  public void close() {
    closed = true;
    committer.interrupt();
    try {
      committer.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
