package io.calyx.agent.mesos;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The containers Mesos' {@code network/cni} isolator has checkpointed: one directory
 * {@code <root>/<container id>} per container that joined a CNI network (nested: {@code <parent>.<child>}),
 * holding {@code ns}, {@code <network>/network.conf} and {@code <network>/<ifname>/network.info}. The
 * directory of a container exists from before its first CNI ADD until after its last DEL, so a container
 * listed here is one whose addresses must stay.
 *
 * <p>The root is {@code <runtime_dir>/isolators/network/cni} ({@link #DEFAULT_ROOT} with Mesos' default
 * {@code --runtime_dir}), or {@code <work_dir>/isolators/network/cni} with
 * {@code --network_cni_root_dir_persist}. The default lives in tmpfs: after a reboot it is gone, and so are
 * the containers, which is why a missing root means "no containers" rather than an error.
 */
public final class CniCheckpointDir {
  /** Mesos' default: {@code --runtime_dir} {@code /var/run/mesos} plus {@code isolators/network/cni}. */
  public static final Path DEFAULT_ROOT = Path.of("/var/run/mesos/isolators/network/cni");

  private final Path root;

  public CniCheckpointDir(Path root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  public Path root() {
    return root;
  }

  /**
   * The names of the container directories under the root; other entries (files) are ignored. A root
   * that does not exist yields no containers.
   *
   * @throws MesosUnavailableException naming the directory, when the root exists but cannot be listed
   *     (not a directory, permission denied, an I/O error)
   */
  public Set<String> containerIds() throws MesosUnavailableException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(root, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return missingRoot();
    } catch (IOException e) {
      throw unreadable(e);
    }
    if (!attributes.isDirectory()) {
      throw new MesosUnavailableException("Mesos CNI checkpoint directory " + root + " cannot be read: not a directory");
    }
    Set<String> ids = new LinkedHashSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path entry : entries) {
        // Mesos creates real directories; a symbolic link to one is followed, since counting one container
        // too many only delays a release. Files (stray or half-written) are not containers.
        if (Files.isDirectory(entry)) {
          ids.add(entry.getFileName().toString());
        }
      }
    } catch (NoSuchFileException e) {
      return Set.of(); // removed since it was looked at: as if it had not existed
    } catch (IOException e) {
      throw unreadable(e);
    } catch (DirectoryIteratorException e) {
      throw unreadable(e.getCause());
    }
    return Collections.unmodifiableSet(ids);
  }

  /**
   * No containers, unless the root cannot exist because one of its ancestors is a file (the JDK reports
   * that as a missing file too): that is a wrong path, not a reboot.
   */
  private Set<String> missingRoot() throws MesosUnavailableException {
    for (Path ancestor = root.toAbsolutePath().getParent(); ancestor != null; ancestor = ancestor.getParent()) {
      if (Files.exists(ancestor)) {
        if (!Files.isDirectory(ancestor)) {
          throw new MesosUnavailableException(
              "Mesos CNI checkpoint directory " + root + " cannot be read: " + ancestor + " is not a directory");
        }
        break;
      }
    }
    return Set.of();
  }

  private MesosUnavailableException unreadable(IOException e) {
    return new MesosUnavailableException("Mesos CNI checkpoint directory " + root + " cannot be read: " + Failures.describeIo(e), e);
  }
}
