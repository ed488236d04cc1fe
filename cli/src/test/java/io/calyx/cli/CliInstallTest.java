package io.calyx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code calyxctl install} / {@code uninstall} against temporary directories (no systemctl, no etcd). */
class CliInstallTest {
  @TempDir
  Path root;

  private Path tree;
  private Path plugins;
  private Path config;
  private Path systemd;
  private Path manifest;

  @BeforeEach
  void layout() throws IOException {
    tree = fakeTree(root.resolve("opt/calyx-0.1.0"));
    plugins = Files.createDirectories(root.resolve("usr/libexec/cni"));
    config = root.resolve("etc/calyx/cni"); // install creates it (and etc/calyx)
    systemd = Files.createDirectories(root.resolve("etc/systemd/system"));
    manifest = root.resolve("var/lib/calyx/install.json");
  }

  /** A directory with the executables install links to (their content does not matter here). */
  static Path fakeTree(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("bin"));
    for (String exe : List.of("calyx", "calyx-ipam", "calyx-agent", "calyxctl")) {
      Path f = Files.writeString(dir.resolve("bin").resolve(exe), "#!/bin/sh\n");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return dir;
  }

  private CalyxCtlTest.Run install(String... extra) {
    List<String> args = new ArrayList<>(List.of("--etcd-endpoints", "http://10.0.0.10:2379,http://10.0.0.11:2379", "install",
        "--prefix", tree.toString(), "--plugins-dir", plugins.toString(), "--cni-config-dir", config.toString(),
        "--systemd-dir", systemd.toString(), "--manifest", manifest.toString()));
    args.addAll(List.of(extra));
    return CalyxCtlTest.run(args.toArray(String[]::new));
  }

  private CalyxCtlTest.Run uninstall(String... extra) {
    List<String> args = new ArrayList<>(List.of("uninstall", "--manifest", manifest.toString()));
    args.addAll(List.of(extra));
    return CalyxCtlTest.run(args.toArray(String[]::new));
  }

  @Test
  void installsLinksConfigAndUnitAndPrintsTheMesosFlags() throws Exception {
    CalyxCtlTest.Run r = install("--pool", "10.244.0.0/16", "--nodename", "agent-1", "--host-ip", "10.0.0.21");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();

    assertThat(Files.readSymbolicLink(plugins.resolve("calyx"))).isEqualTo(tree.resolve("bin/calyx"));
    assertThat(Files.readSymbolicLink(plugins.resolve("calyx-ipam"))).isEqualTo(tree.resolve("bin/calyx-ipam"));
    JsonNode conf = Json.MAPPER.readTree(config.resolve("calyx.conf").toFile());
    assertThat(conf.get("name").textValue()).isEqualTo("calyx");
    assertThat(conf.get("type").textValue()).isEqualTo("calyx");
    assertThat(conf.get("cniVersion").textValue()).isEqualTo("0.2.0");
    assertThat(conf.get("agent_socket").textValue()).isEqualTo("/run/calyx/agent.sock");
    assertThat(conf.get("ipam").get("type").textValue()).isEqualTo("calyx-ipam");
    assertThat(conf.get("ipam").get("pools")).hasSize(1).first().extracting(JsonNode::textValue).isEqualTo("10.244.0.0/16");
    String unit = Files.readString(systemd.resolve("calyx-agent.service"));
    assertThat(unit.lines().filter(l -> l.startsWith("ExecStart=")))
        .containsExactly("ExecStart=" + tree.resolve("bin/calyx-agent") + " --etcd-endpoints http://10.0.0.10:2379,http://10.0.0.11:2379"
            + " --nodename agent-1 --host-ip 10.0.0.21 --socket /run/calyx/agent.sock");
    assertThat(unit).contains("KillSignal=SIGTERM").contains("WantedBy=multi-user.target");

    assertThat(r.out()).contains("--network_cni_plugins_dir=" + plugins)
        .contains("--network_cni_config_dir=" + config)
        .contains("--isolation=filesystem/linux,network/cni")
        .contains("systemctl daemon-reload && systemctl enable --now calyx-agent.service");
    assertThat(r.out()).contains("created " + root.resolve("etc/calyx")).contains("created " + config);
    assertThat(manifest).exists();

    CalyxCtlTest.Run again = install("--pool", "10.244.0.0/16", "--nodename", "agent-1", "--host-ip", "10.0.0.21");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("unchanged " + plugins.resolve("calyx")).contains("unchanged " + config.resolve("calyx.conf"))
        .doesNotContain("wrote").doesNotContain("linked");
  }

  @Test
  void uninstallRemovesExactlyWhatInstallPutThere() throws Exception {
    Files.writeString(plugins.resolve("bridge"), "someone else's plugin");
    assertThat(install().code()).isZero();

    CalyxCtlTest.Run r = uninstall();
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(plugins.resolve("calyx")).doesNotExist();
    assertThat(Files.exists(plugins.resolve("calyx-ipam"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(plugins.resolve("bridge")).hasContent("someone else's plugin");
    assertThat(systemd.resolve("calyx-agent.service")).doesNotExist();
    assertThat(config).doesNotExist(); // created by install, empty again
    assertThat(root.resolve("etc/calyx")).doesNotExist();
    assertThat(systemd).isDirectory(); // existed before
    assertThat(plugins).isDirectory();
    assertThat(manifest).doesNotExist();
    assertThat(tree.resolve("bin/calyx")).exists(); // the tree is never touched

    CalyxCtlTest.Run twice = uninstall();
    assertThat(twice.code()).isEqualTo(1);
    assertThat(twice.err().lines()).singleElement().asString().contains("nothing recorded in " + manifest);
  }

  @Test
  void aDifferentExistingConfigIsNotOverwrittenWithoutForce() throws Exception {
    Files.createDirectories(config);
    String theirs = "{\"cniVersion\":\"0.2.0\",\"name\":\"calyx\",\"type\":\"calyx\",\"mtu\":9000}";
    Files.writeString(config.resolve("calyx.conf"), theirs);

    CalyxCtlTest.Run refused = install();
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err().lines()).containsExactly("calyxctl: refusing to overwrite " + config.resolve("calyx.conf")
        + ": it differs from what calyx installs and calyx did not put it there; --force overwrites");
    assertThat(config.resolve("calyx.conf")).hasContent(theirs);
    assertThat(plugins).isEmptyDirectory(); // nothing was done
    assertThat(manifest).doesNotExist();

    CalyxCtlTest.Run forced = install("--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(Files.readString(config.resolve("calyx.conf"))).contains("calyx-ipam").doesNotContain("9000");
  }

  @Test
  void aForeignPluginBinaryIsNotReplacedWithoutForce() throws Exception {
    Files.writeString(plugins.resolve("calyx"), "another calyx");
    CalyxCtlTest.Run refused = install();
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("refusing to overwrite " + plugins.resolve("calyx"));
    assertThat(plugins.resolve("calyx")).hasContent("another calyx");
  }

  @Test
  void uninstallKeepsWhatChangedSinceInstallUnlessForced() throws Exception {
    assertThat(install().code()).isZero();
    Files.writeString(config.resolve("calyx.conf"), "{\"name\":\"calyx\",\"type\":\"calyx\",\"mtu\":1400}");

    CalyxCtlTest.Run kept = uninstall();
    assertThat(kept.code()).isEqualTo(1);
    assertThat(kept.err().lines()).containsExactly("calyxctl: kept 1 changed file(s), e.g. " + config.resolve("calyx.conf")
        + ": remove them by hand or run again with --force");
    assertThat(config.resolve("calyx.conf")).exists();
    assertThat(plugins.resolve("calyx")).doesNotExist();
    assertThat(systemd.resolve("calyx-agent.service")).doesNotExist();
    assertThat(manifest).exists(); // still lists the kept file

    CalyxCtlTest.Run forced = uninstall("--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(config.resolve("calyx.conf")).doesNotExist();
    assertThat(manifest).doesNotExist();
  }

  @Test
  void installingAgainWithANewTreeOrNetworkUpdatesWhatItInstalled() throws Exception {
    assertThat(install().code()).isZero();
    Path newer = fakeTree(root.resolve("opt/calyx-0.2.0"));
    tree = newer;
    CalyxCtlTest.Run upgrade = install("--network", "calyx-prod");
    assertThat(upgrade.code()).as(upgrade.err()).isZero();
    assertThat(Files.readSymbolicLink(plugins.resolve("calyx"))).isEqualTo(newer.resolve("bin/calyx"));
    assertThat(Files.readString(systemd.resolve("calyx-agent.service"))).contains("ExecStart=" + newer.resolve("bin/calyx-agent"));
    assertThat(config.resolve("calyx-prod.conf")).exists();
    assertThat(config.resolve("calyx.conf")).doesNotExist(); // the earlier install's, no longer wanted
    assertThat(upgrade.out()).contains("remove  " + config.resolve("calyx.conf"));

    assertThat(uninstall().code()).isZero();
    assertThat(config).doesNotExist();
  }

  @Test
  void dryRunChangesNothing() throws Exception {
    CalyxCtlTest.Run r = install("--dry-run", "--pool", "10.244.0.0/16");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("would link " + plugins.resolve("calyx") + " -> " + tree.resolve("bin/calyx"))
        .contains("would write " + config.resolve("calyx.conf")).contains("\"pools\" : [ \"10.244.0.0/16\" ]");
    assertThat(plugins).isEmptyDirectory();
    assertThat(config).doesNotExist();
    assertThat(manifest).doesNotExist();
    assertThat(systemd).isEmptyDirectory();
  }

  @Test
  void dualStackAndMtuGoIntoTheConfig() throws Exception {
    assertThat(install("--ipv6", "--mtu", "1450", "--pool", "10.244.0.0/16", "--pool", "fd00:244::/64").code()).isZero();
    JsonNode conf = Json.MAPPER.readTree(config.resolve("calyx.conf").toFile());
    assertThat(conf.get("mtu").intValue()).isEqualTo(1450);
    assertThat(conf.get("ipam").get("assign_ipv6").booleanValue()).isTrue();
    assertThat(conf.get("ipam").get("pools")).hasSize(2);
  }

  @Test
  void badInputIsOneLineAndChangesNothing() throws Exception {
    assertOneLineError(install("--pool", "10.244.0.1/16"), 1, "--pool");
    assertOneLineError(install("--network", "no spaces"), 1, "name");
    assertOneLineError(install("--agent-arg=--mesos-agent-endpoint=http://a b"), 1, "agent flag");
    assertOneLineError(install("--host-ip", "10.0.0.300"), 1, "--host-ip");
    tree = root.resolve("nowhere");
    assertOneLineError(install(), 1, "is not a calyx install tree");
    assertThat(plugins).isEmptyDirectory();
    assertThat(config).doesNotExist();
    assertOneLineError(CalyxCtlTest.run("install", "--plugins-dir", plugins.toString()), 2, "--prefix is required");
    assertOneLineError(CalyxCtlTest.run("install", "--frobnicate"), 2, "Unknown option");
  }

  @Test
  void aManifestThatIsNotOneIsRefused() throws Exception {
    Files.createDirectories(manifest.getParent());
    Files.writeString(manifest, "{\"hello\":1}");
    assertOneLineError(uninstall(), 1, "is not a calyx install manifest");
  }

  private static void assertOneLineError(CalyxCtlTest.Run r, int code, String contains) {
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(code);
    assertThat(r.err().lines().toList()).as(r.err()).hasSizeBetween(1, code == 2 ? 2 : 1);
    assertThat(r.err()).contains(contains);
  }
}
