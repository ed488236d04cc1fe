package io.calyx.agent;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a background job of the agent: first as soon as it can (retried every {@code retry} while it fails,
 * e.g. because etcd is not reachable yet), then every {@code every}. Failures are logged, never fatal: the
 * agent keeps serving.
 */
final class Maintenance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);

  private final String name;
  private final Runnable job;
  private final Duration every;
  private final Duration retry;
  private final ScheduledExecutorService loop;
  private volatile boolean succeededOnce;
  private boolean warned;

  Maintenance(String name, Runnable job, Duration every, Duration retry) {
    this.name = name;
    this.job = job;
    this.every = every;
    this.retry = retry;
    this.loop = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("calyx-" + name).daemon().factory());
  }

  Maintenance start() {
    loop.execute(this::runOnce);
    return this;
  }

  /** Whether the job has completed at least once. */
  boolean succeededOnce() {
    return succeededOnce;
  }

  private void runOnce() {
    Duration next = every;
    try {
      job.run();
      succeededOnce = true;
      warned = false;
    } catch (RuntimeException e) {
      if (!warned || succeededOnce) {
        LOG.warn("{}: {}; trying again", name, e.getMessage());
      }
      warned = true;
      if (!succeededOnce) {
        next = retry;
      }
    }
    if (!loop.isShutdown()) {
      loop.schedule(this::runOnce, next.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
