package io.calyx.testkit;

import java.io.IOException;

/** A running etcd that a test may use (and, for outage tests, stop and resume). Given by {@link EtcdExtension}. */
public interface Etcd extends AutoCloseable {
  /** The client URL, e.g. {@code http://127.0.0.1:40123}. */
  String endpoint();

  /** Stops the server, keeping its data. */
  void stop();

  /** Starts it again with the same data and endpoint, and waits until it is healthy. */
  void resume() throws IOException;

  /** Freezes the server (it keeps its connections but answers nothing) until {@link #thaw()}: a slow etcd. */
  default void freeze() {
    throw new UnsupportedOperationException("this etcd cannot be frozen");
  }

  /** Lets a frozen server answer again. */
  default void thaw() {
    throw new UnsupportedOperationException("this etcd cannot be frozen");
  }

  /** Stops the server for good and removes its data. */
  @Override
  void close();
}
