package io.calyx.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * T26: the Mesos CNI isolator's config-dir rules (mesos-contract.md §2.1) applied to a directory holding
 * calyx's configs next to the kinds of files Mesos skips, with the install tree's bin/ as the plugin
 * directory. calyx's networks must be loaded, so the tree must ship every binary their type and ipam.type
 * name; everything Mesos would skip is skipped.
 */
class MesosConfigDirIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path configDir;

  /** What Mesos does at start: every non-directory file, first name wins, both binaries must exist. */
  static Map<String, String> load(Path dir, List<Path> pluginDirs) throws IOException {
    Map<String, String> networks = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        if (Files.isDirectory(f)) {
          continue;
        }
        JsonNode conf;
        try {
          conf = JSON.readTree(f.toFile());
        } catch (IOException e) {
          continue; // fails to parse
        }
        if (conf == null || !conf.path("name").isTextual() || !conf.path("type").isTextual()) {
          continue; // missing required fields (a .conflist has no top-level type)
        }
        if (conf.has("ipam") && !conf.path("ipam").path("type").isTextual()) {
          continue;
        }
        String name = conf.get("name").textValue();
        if (networks.containsKey(name) || !found(conf.get("type").textValue(), pluginDirs)) {
          continue; // duplicate name, or no plugin binary
        }
        if (conf.has("ipam") && !found(conf.get("ipam").get("type").textValue(), pluginDirs)) {
          continue; // ipam.type binary missing
        }
        if (conf.path("args").has("org.apache.mesos")) {
          continue; // Mesos would fail every launch on it: treat as unusable
        }
        networks.put(name, f.getFileName().toString());
      }
    }
    return networks;
  }

  private static boolean found(String binary, List<Path> dirs) {
    return dirs.stream().anyMatch(d -> Files.isExecutable(d.resolve(binary)));
  }

  @Test
  void calyxConfigsLoadAndWhatMesosSkipsIsSkipped() throws Exception {
    Path bin = InstallTreeIT.TREE.resolve("bin");
    Files.writeString(configDir.resolve("calyx.conf"),
        "{\"cniVersion\":\"0.2.0\",\"name\":\"calyx\",\"type\":\"calyx\",\"ipam\":{\"type\":\"calyx-ipam\",\"pools\":[\"10.244.0.0/16\"]}}");
    Files.writeString(configDir.resolve("calyx-b"),
        "{\"name\":\"calyx-b\",\"type\":\"calyx\"}");
    Files.writeString(configDir.resolve("a-list.conflist"),
        "{\"cniVersion\":\"1.0.0\",\"name\":\"listed\",\"plugins\":[{\"type\":\"calyx\"}]}");
    Files.writeString(configDir.resolve("zz-duplicate.conf"),
        "{\"name\":\"calyx\",\"type\":\"calyx\"}");
    Files.writeString(configDir.resolve("reserved-args.conf"),
        "{\"name\":\"reserved\",\"type\":\"calyx\",\"args\":{\"org.apache.mesos\":{}}}");
    Files.writeString(configDir.resolve("foreign-ipam.conf"),
        "{\"name\":\"foreign\",\"type\":\"calyx\",\"ipam\":{\"type\":\"no-such-ipam\"}}");
    Files.writeString(configDir.resolve("broken.conf"), "{not json");
    Files.createDirectories(configDir.resolve("subdir"));

    Map<String, String> loaded = load(configDir, List.of(bin));
    assertThat(loaded).containsOnly(Map.entry("calyx", "calyx.conf"), Map.entry("calyx-b", "calyx-b"));
  }
}
