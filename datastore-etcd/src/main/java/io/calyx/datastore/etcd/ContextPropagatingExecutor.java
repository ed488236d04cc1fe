package io.calyx.datastore.etcd;

import io.grpc.Context;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The executor jetcd starts its calls on, carrying the submitting thread's gRPC {@link Context} to the task.
 * jetcd issues every request from a task on its executor, where the caller's context (and with it the
 * call's deadline) would otherwise be lost, so a call queued while etcd is unreachable would wait for the
 * connection without end and be sent once it returns, long after its caller gave up.
 */
final class ContextPropagatingExecutor extends AbstractExecutorService {
  private final ExecutorService delegate;

  ContextPropagatingExecutor(ExecutorService delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    delegate.execute(Context.current().wrap(task));
  }

  @Override
  public void shutdown() {
    delegate.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    return delegate.shutdownNow();
  }

  @Override
  public boolean isShutdown() {
    return delegate.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return delegate.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return delegate.awaitTermination(timeout, unit);
  }
}
