package io.calyx.datastore.etcd;

import io.calyx.core.Deadline;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Listing;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import io.calyx.core.store.WatchEvent;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.grpc.Context;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Datastore} on etcd v3 through jetcd. Every call waits at most until its deadline; anything
 * that keeps it from an answer (connection refused, timeout, leader loss) becomes a
 * {@link DatastoreUnavailableException} naming the endpoints.
 */
public final class EtcdDatastore implements Datastore {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdDatastore.class);

  private final Client client;
  private final KV kv;
  private final String endpoints;
  private final ExecutorService executor;
  private final ScheduledExecutorService deadlineTimer;

  private EtcdDatastore(Client client, String endpoints, ExecutorService executor, ScheduledExecutorService deadlineTimer) {
    this.client = client;
    this.kv = client.getKVClient();
    this.endpoints = endpoints;
    this.executor = executor;
    this.deadlineTimer = deadlineTimer;
  }

  /** Connects lazily to plain-http {@code endpoints} (or https ones verified with the JDK's trusted CAs). */
  public static EtcdDatastore connect(List<URI> endpoints) {
    return connect(endpoints, Optional.empty());
  }

  /**
   * Connects lazily to {@code endpoints}, over TLS with a client certificate when {@code tls} is given (then
   * every endpoint must be {@code https://}). The gRPC keep-alive is 30 s and only with calls in flight:
   * jetcd's default pings so often that etcd drops the connection with {@code too_many_pings} after a
   * couple of minutes (a latency spike mid-ADD). Each call carries its deadline into gRPC (see
   * {@link ContextPropagatingExecutor}), so a call given up is never sent later.
   *
   * @throws io.calyx.core.InvalidValueException for endpoints that do not fit {@code tls}, or unreadable
   *     certificate or key files (naming the flag)
   */
  public static EtcdDatastore connect(List<URI> endpoints, Optional<EtcdTls> tls) {
    EtcdTls.checkSchemes(endpoints, tls.isPresent());
    ExecutorService executor = new ContextPropagatingExecutor(Executors.newCachedThreadPool(
        Thread.ofPlatform().name("jetcd-", 0).daemon(true).factory()));
    var builder = Client.builder()
        .endpoints(endpoints.toArray(URI[]::new))
        .executorService(executor)
        .keepaliveTime(Duration.ofSeconds(30))
        .keepaliveTimeout(Duration.ofSeconds(10))
        .keepaliveWithoutCalls(false)
        .connectTimeout(Duration.ofSeconds(3))
        .retryMaxDuration(Duration.ofSeconds(5))
        // Listings of many blocks (a few KiB each) exceed gRPC's 4 MiB default.
        .maxInboundMessageSize(256 * 1024 * 1024);
    if (tls.isPresent()) {
      builder.sslContext(tls.get().sslContext());
    } else if (endpoints.stream().anyMatch(e -> "https".equals(e.getScheme()))) {
      // jetcd would otherwise speak plaintext to an https endpoint and fail with an unreadable frame error.
      builder.sslContext(EtcdTls.defaultTrust());
    }
    java.util.concurrent.ScheduledThreadPoolExecutor deadlineTimer = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
        Thread.ofPlatform().name("etcd-deadlines").daemon(true).factory());
    // Nearly every call answers long before its deadline: drop its timer then, not when it would have fired.
    deadlineTimer.setRemoveOnCancelPolicy(true);
    return new EtcdDatastore(builder.build(), endpoints.toString(), executor, deadlineTimer);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static KeyValue convert(io.etcd.jetcd.KeyValue kv) {
    return new KeyValue(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(), kv.getCreateRevision(),
        kv.getModRevision(), kv.getVersion());
  }

  /**
   * Starts {@code call} under a gRPC context that ends at {@code deadline} and waits for its answer. The
   * context, not just the future, bounds the call: gRPC fails it at the deadline even while it waits for a
   * connection, and cancelling the context on the way out cancels a call still in flight. (Cancelling
   * jetcd's future alone left the request queued, to be sent when etcd came back.)
   */
  private <T> T call(Supplier<CompletableFuture<T>> call, Deadline deadline, String what) {
    long millis = deadline.remaining().toMillis();
    if (millis <= 0) {
      throw new DatastoreUnavailableException("etcd " + what + ": deadline expired before the call (" + endpoints + ")");
    }
    Context.CancellableContext context = Context.current()
        .withDeadline(io.grpc.Deadline.after(millis, TimeUnit.MILLISECONDS), deadlineTimer);
    try {
      CompletableFuture<T> future;
      Context previous = context.attach();
      try {
        future = call.get();
      } finally {
        context.detach(previous);
      }
      return future.get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new DatastoreUnavailableException("etcd at " + endpoints + " did not answer " + what + " within " + millis + " ms", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new DatastoreUnavailableException("etcd at " + endpoints + " failed " + what + ": " + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatastoreUnavailableException("interrupted waiting for etcd " + what, e);
    } finally {
      context.cancel(null);
    }
  }

  @Override
  public Optional<KeyValue> get(String key, Deadline deadline) {
    GetResponse r = call(() -> kv.get(bytes(key)), deadline, "get");
    return r.getKvs().stream().findFirst().map(EtcdDatastore::convert);
  }

  @Override
  public Listing list(String prefix, Deadline deadline) {
    GetOption option = byKey(GetOption.builder()).build();
    GetResponse r = call(() -> kv.get(bytes(prefix), option), deadline, "list");
    return new Listing(r.getKvs().stream().map(EtcdDatastore::convert).toList(), r.getHeader().getRevision());
  }

  /** Everything under a prefix, in key order. */
  private static GetOption.Builder byKey(GetOption.Builder b) {
    return b.isPrefix(true).withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND);
  }

  @Override
  public List<String> listKeys(String prefix, Deadline deadline) {
    GetOption option = byKey(GetOption.builder()).withKeysOnly(true).build();
    GetResponse r = call(() -> kv.get(bytes(prefix), option), deadline, "list");
    return r.getKvs().stream().map(k -> k.getKey().toString(StandardCharsets.UTF_8)).toList();
  }

  @Override
  public TxnResult txn(Txn txn, Deadline deadline) {
    io.etcd.jetcd.Txn t = kv.txn();
    // Loops, not streams: every allocation commits through here (three streams were a tenth of the
    // allocator thread's CPU, measured with JFR; the agent runs C1-compiled code only).
    int n = txn.compares().size();
    Cmp[] cmps = new Cmp[n];
    io.etcd.jetcd.op.Op[] reads = new io.etcd.jetcd.op.Op[n];
    for (int i = 0; i < n; i++) {
      Compare c = txn.compares().get(i);
      ByteSequence key = bytes(c.key());
      cmps[i] = cmp(c, key);
      reads[i] = io.etcd.jetcd.op.Op.get(key, GetOption.DEFAULT);
    }
    io.etcd.jetcd.op.Op[] writes = new io.etcd.jetcd.op.Op[txn.writes().size()];
    for (int i = 0; i < writes.length; i++) {
      writes[i] = op(txn.writes().get(i));
    }
    TxnResponse r = call(() -> t.If(cmps).Then(writes).Else(reads).commit(), deadline, "transaction");
    if (r.isSucceeded()) {
      return new TxnResult(true, r.getHeader().getRevision(), Map.of());
    }
    Map<String, Optional<KeyValue>> current = new HashMap<>();
    List<GetResponse> gets = r.getGetResponses();
    for (int i = 0; i < txn.compares().size(); i++) {
      current.put(txn.compares().get(i).key(), gets.get(i).getKvs().stream().findFirst().map(EtcdDatastore::convert));
    }
    return new TxnResult(false, r.getHeader().getRevision(), current);
  }

  private static Cmp cmp(Compare c, ByteSequence key) {
    return switch (c.target()) {
      case ABSENT -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0));
      case MOD_REVISION -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(c.revision()));
      case CREATE_REVISION -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(c.revision()));
    };
  }

  private static io.etcd.jetcd.op.Op op(Op op) {
    return switch (op) {
      case Op.Put put -> io.etcd.jetcd.op.Op.put(bytes(put.key()), ByteSequence.from(put.value()), PutOption.DEFAULT);
      case Op.Delete del -> io.etcd.jetcd.op.Op.delete(bytes(del.key()), DeleteOption.DEFAULT);
    };
  }

  /**
   * Watches {@code prefix}. When the stream breaks (etcd restarted, leader lost) it is opened again from
   * the revision after the last event delivered, so no change is lost or repeated.
   */
  @Override
  public AutoCloseable watch(String prefix, long fromRevision, Consumer<WatchEvent> listener) {
    AtomicLong next = new AtomicLong(fromRevision);
    AtomicBoolean closed = new AtomicBoolean();
    Watch.Watcher[] current = new Watch.Watcher[1];
    Runnable[] open = new Runnable[1];
    open[0] = () -> {
      WatchOption option = WatchOption.builder().isPrefix(true).withRevision(next.get()).build();
      current[0] = client.getWatchClient().watch(bytes(prefix), option, Watch.listener(
          response -> response.getEvents().forEach(e -> {
            KeyValue kv = convert(e.getKeyValue());
            WatchEvent.Type type = e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.DELETE
                ? WatchEvent.Type.DELETE : WatchEvent.Type.PUT;
            next.set(kv.modRevision() + 1);
            listener.accept(new WatchEvent(type, kv));
          }),
          error -> {
            if (!closed.get()) {
              LOG.warn("etcd watch on {} broke ({}); resuming from revision {}", prefix, error.toString(), next.get());
              Watch.Watcher broken = current[0];
              Thread.ofVirtual().start(() -> {
                // jetcd resumes a watcher on its own after most errors, from its own revision: close the
                // broken one first, or every break would double the watchers (and each event be delivered
                // once per watcher). Closing waits for jetcd's error handling to finish (same lock).
                broken.close();
                try {
                  Thread.sleep(500);
                } catch (InterruptedException e) {
                  return;
                }
                if (!closed.get()) {
                  open[0].run();
                }
              });
            }
          }));
    };
    open[0].run();
    return () -> {
      closed.set(true);
      current[0].close();
    };
  }

  @Override
  public void close() {
    client.close();
    executor.shutdownNow();
    deadlineTimer.shutdownNow();
  }
}
