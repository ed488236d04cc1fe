package io.calyx.agent;

import io.calyx.cni.dataplane.Endpoints;
import io.calyx.cni.dataplane.ReleaseJournal;
import io.calyx.cni.ipam.AddressManager;
import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.InvalidValueException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases DEL could not complete because etcd was unreachable, one file per handle under
 * {@code <state-dir>/pending-releases/}, written durably before DEL answers; a background loop (and the
 * next agent start) completes them when etcd is back.
 */
final class PendingReleases implements ReleaseJournal, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PendingReleases.class);
  static final Duration RETRY_EVERY = Duration.ofSeconds(5);

  private final Path dir;
  private volatile Thread loop;

  PendingReleases(Path stateDir) throws IOException {
    this.dir = Files.createDirectories(stateDir.resolve("pending-releases"));
  }

  @Override
  public void record(HandleId handle) {
    Path target = dir.resolve(handle.toString());
    Path tmp = dir.resolve(handle + ".tmp");
    try {
      Files.writeString(tmp, handle + "\n");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new IllegalStateException("cannot journal the release of " + handle + " in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The handles still to release. */
  List<HandleId> pending() {
    List<HandleId> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(f -> !f.getFileName().toString().endsWith(".tmp")).forEach(f -> {
        try {
          out.add(HandleId.parse(f.getFileName().toString()));
        } catch (InvalidValueException e) {
          LOG.warn("ignoring {} in {}: not a handle", f.getFileName(), dir);
        }
      });
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", dir, e.toString());
    }
    return out;
  }

  /** Tries every pending release once; returns how many are left. */
  int completeOnce(AddressManager addresses, Endpoints endpoints) {
    int left = 0;
    for (HandleId handle : pending()) {
      Deadline deadline = Deadline.in(Duration.ofSeconds(5), Clock.systemUTC());
      try {
        endpoints.delete(handle, deadline);
        addresses.release(handle, deadline);
        Files.deleteIfExists(dir.resolve(handle.toString()));
        LOG.info("completed the pending release of {}", handle);
      } catch (RuntimeException | IOException e) {
        left++;
      }
    }
    return left;
  }

  /** Starts the background loop. */
  void start(AddressManager addresses, Endpoints endpoints) {
    loop = Thread.ofVirtual().name("calyx-pending-releases").start(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        completeOnce(addresses, endpoints);
        try {
          Thread.sleep(RETRY_EVERY);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  @Override
  public void close() {
    Thread t = loop;
    if (t != null) {
      t.interrupt();
    }
  }
}
