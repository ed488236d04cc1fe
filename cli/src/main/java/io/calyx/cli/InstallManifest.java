package io.calyx.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What {@code calyxctl install} put on a host, so that {@code uninstall} removes exactly that and nothing an
 * operator changed since: symlinks with their targets, files with the SHA-256 of their content, and the
 * directories install created. Stored as JSON ({@code "schema": 1}).
 *
 * @param items in the order they were installed
 */
record InstallManifest(List<Item> items) {
  /** One thing install put in place. */
  sealed interface Item {
    /** Where it is. */
    Path path();

    /** True when the path holds exactly what install put there. */
    boolean isIntact() throws IOException;
  }

  /** A symbolic link {@code path -> target}. */
  record Link(Path path, Path target) implements Item {
    @Override
    public boolean isIntact() throws IOException {
      return Files.isSymbolicLink(path) && Files.readSymbolicLink(path).equals(target);
    }
  }

  /** A regular file whose content hashes to {@code sha256}. */
  record File(Path path, String sha256) implements Item {
    @Override
    public boolean isIntact() throws IOException {
      return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && InstallManifest.sha256(Files.readAllBytes(path)).equals(sha256);
    }
  }

  /** A directory install created (removed by uninstall only when empty). */
  record Dir(Path path) implements Item {
    @Override
    public boolean isIntact() {
      return Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
    }
  }

  InstallManifest {
    items = List.copyOf(items);
  }

  /** Nothing installed. */
  static InstallManifest empty() {
    return new InstallManifest(List.of());
  }

  /** The recorded item at {@code path}, if any. */
  java.util.Optional<Item> at(Path path) {
    return items.stream().filter(i -> i.path().equals(path)).findFirst();
  }

  /** Reads {@code file}; a file that does not exist is an empty manifest. */
  static InstallManifest read(Path file) {
    if (!Files.exists(file)) {
      return empty();
    }
    try {
      JsonNode doc = Json.MAPPER.readTree(file.toFile());
      if (doc == null || doc.path("schema").asInt() != 1 || !doc.path("items").isArray()) {
        throw new UserError(file + " is not a calyx install manifest (schema 1)");
      }
      List<Item> items = new ArrayList<>();
      for (JsonNode i : doc.get("items")) {
        Path path = Path.of(i.path("path").asText());
        items.add(switch (i.path("kind").asText()) {
          case "link" -> new Link(path, Path.of(i.path("target").asText()));
          case "file" -> new File(path, i.path("sha256").asText());
          case "dir" -> new Dir(path);
          default -> throw new UserError(file + ": unknown item kind " + i.path("kind"));
        });
      }
      return new InstallManifest(items);
    } catch (IOException | java.nio.file.InvalidPathException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Writes the manifest to {@code file} (atomically), or deletes the file when nothing is recorded. */
  void write(Path file) throws IOException {
    if (items.isEmpty()) {
      Files.deleteIfExists(file);
      return;
    }
    ObjectNode doc = Json.object().put("schema", 1);
    ArrayNode array = doc.putArray("items");
    for (Item item : items) {
      ObjectNode o = array.addObject().put("path", item.path().toString());
      switch (item) {
        case Link l -> o.put("kind", "link").put("target", l.target().toString());
        case File f -> o.put("kind", "file").put("sha256", f.sha256());
        case Dir d -> o.put("kind", "dir");
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    writeAtomically(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
  }

  /** Replaces {@code file} with {@code content} in one rename (a reader never sees half a file). */
  static void writeAtomically(Path file, byte[] content) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".calyx-tmp");
    Files.write(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Replaces whatever is at {@code link} by a symlink to {@code target} in one rename. */
  static void linkAtomically(Path link, Path target) throws IOException {
    Path tmp = link.resolveSibling("." + link.getFileName() + ".calyx-tmp");
    Files.deleteIfExists(tmp);
    Files.createSymbolicLink(tmp, target);
    Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(String content) {
    return sha256(content.getBytes(StandardCharsets.UTF_8));
  }
}
