package io.calyx.cli;

import io.calyx.core.NetworkName;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code calyxctl install}: puts an install tree to work on a Mesos agent host. Symlinks {@code bin/calyx}
 * and {@code bin/calyx-ipam} into the Mesos CNI plugin directory, writes the network configuration into the
 * CNI config directory and a systemd unit for {@code calyx-agent}, records all of it in a manifest for
 * {@code calyxctl uninstall}, and prints the Mesos agent flags to add. Runs no systemctl.
 */
@Command(
    name = "install",
    description = {"Install calyx on this Mesos agent host: plugins, network configuration, agent unit.",
        "Global options give the etcd the agent uses: calyxctl --etcd-endpoints URL install ..."},
    footer = {"", "Something already at a target path that calyx did not put there (or that changed since) is",
        "not overwritten without --force. Running install again (e.g. with a new --prefix) updates what it",
        "installed before. It runs no systemctl: it prints what to run.",
        "", "Examples:",
        "  calyxctl --etcd-endpoints http://10.0.0.10:2379 install --pool 10.244.0.0/16",
        "  calyxctl --etcd-endpoints http://10.0.0.10:2379 install --prefix /opt/calyx --host-ip 10.0.0.21 --dry-run"})
final class InstallCommand implements Callable<Integer> {
  static final String DCOS_PLUGINS_DIR = "/opt/mesosphere/active/cni";
  static final String PLUGINS_DIR = "/usr/libexec/cni";
  static final String DCOS_CONFIG_DIR = "/opt/mesosphere/etc/dcos/network/cni";
  static final String CONFIG_DIR = "/etc/calyx/cni";
  static final String SYSTEMD_DIR = "/etc/systemd/system";
  static final String MANIFEST = "/var/lib/calyx/install.json";
  static final String UNIT = "calyx-agent.service";

  @Option(names = "--prefix", paramLabel = "DIR", description = "the calyx install tree (default: the one this calyxctl belongs to)")
  Path prefix;

  @Option(names = "--plugins-dir", paramLabel = "DIR",
      description = "Mesos --network_cni_plugins_dir (default: " + DCOS_PLUGINS_DIR + " when it exists, else " + PLUGINS_DIR + ")")
  Path pluginsDir;

  @Option(names = "--cni-config-dir", paramLabel = "DIR",
      description = "Mesos --network_cni_config_dir (default: " + DCOS_CONFIG_DIR + " when it exists, else " + CONFIG_DIR + ")")
  Path configDir;

  @Option(names = "--systemd-dir", paramLabel = "DIR", description = "where the agent's unit goes (default: " + SYSTEMD_DIR + ")")
  Path systemdDir;

  @Option(names = "--manifest", paramLabel = "FILE", description = "the record of what was installed (default: " + MANIFEST + ")")
  Path manifest;

  @Option(names = "--network", paramLabel = "NAME", defaultValue = "calyx",
      description = "the CNI network name Marathon apps use; the config file is NAME.conf (default: ${DEFAULT-VALUE})")
  String network;

  @Option(names = "--pool", paramLabel = "CIDR", description = "restrict the network to this pool (repeatable; default: any enabled pool)")
  List<String> pools = new ArrayList<>();

  @Option(names = "--ipv6", description = "also give containers an IPv6 address (ipam.assign_ipv6)")
  boolean ipv6;

  @Option(names = "--mtu", paramLabel = "N", description = "MTU of the container interfaces")
  Integer mtu;

  @Option(names = "--socket", paramLabel = "PATH", defaultValue = "/run/calyx/agent.sock",
      description = "the agent's socket (default: ${DEFAULT-VALUE})")
  Path socket;

  @Option(names = "--nodename", paramLabel = "NAME", description = "the agent's --nodename (default: the host name)")
  String nodename;

  @Option(names = "--host-ip", paramLabel = "IP", description = "the agent's --host-ip (default: the address of the default route)")
  String hostIp;

  @Option(names = "--host-allow-ports", paramLabel = "P[,P...]", description = "the agent's --host-allow-ports (default: 5051)")
  String hostAllowPorts;

  @Option(names = "--agent-arg", paramLabel = "ARG", description = "one more argument for calyx-agent (repeatable), e.g. --agent-arg=--no-reclaim")
  List<String> agentArgs = new ArrayList<>();

  @Option(names = "--force", description = "overwrite files and links calyx did not install (or that changed since)")
  boolean force;

  @Option(names = "--dry-run", description = "print what would be done and change nothing")
  boolean dryRun;

  @Spec CommandLine.Model.CommandSpec spec;

  /** One thing to put in place: a link (content null) or a file with its content. */
  private record Planned(InstallManifest.Item item, String content) {}

  @Override
  public Integer call() {
    try {
      return install();
    } catch (IOException e) {
      throw new UserError("install: " + describe(e));
    } catch (UncheckedIOException e) {
      throw new UserError("install: " + describe(e.getCause()));
    }
  }

  /** One line for a failed file operation, e.g. "permission denied: /usr/libexec/cni". */
  static String describe(IOException e) {
    return switch (e) {
      case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
      case java.nio.file.NoSuchFileException n -> "no such file or directory: " + n.getFile();
      case java.nio.file.FileSystemException f -> f.getFile() + ": " + (f.getReason() == null ? f.getClass().getSimpleName() : f.getReason());
      default -> String.valueOf(e.getMessage());
    };
  }

  private int install() throws IOException {
    Path tree = tree();
    Path plugins = directory(pluginsDir, DCOS_PLUGINS_DIR, PLUGINS_DIR);
    Path config = directory(configDir, DCOS_CONFIG_DIR, CONFIG_DIR);
    Path systemd = absolute(systemdDir == null ? Path.of(SYSTEMD_DIR) : systemdDir);
    Path record = absolute(manifest == null ? Path.of(MANIFEST) : manifest);
    String conf = InstallFiles.networkConfig(new InstallFiles.Network(NetworkName.of(network).value(),
        absolute(socket).toString(), pools.stream().map(p -> IpPrefix.parseNetwork("--pool", p).toString()).toList(), ipv6, mtu));
    String unit = InstallFiles.unit(InstallFiles.agentCommand(tree, agentFlags()));

    List<Planned> plan = List.of(
        link(plugins.resolve("calyx"), tree.resolve("bin/calyx")),
        link(plugins.resolve("calyx-ipam"), tree.resolve("bin/calyx-ipam")),
        file(config.resolve(network + ".conf"), conf),
        file(systemd.resolve(UNIT), unit));
    InstallManifest before = InstallManifest.read(record);
    refuseForeign(plan, before);

    PrintWriter out = spec.commandLine().getOut();
    String would = dryRun ? "would " : "";
    List<InstallManifest.Item> after = new ArrayList<>();
    for (Path dir : List.of(plugins, config, systemd)) {
      after.addAll(createDirectories(dir, before, out, would));
    }
    for (Planned p : plan) {
      apply(p, out, would);
      after.add(p.item());
    }
    for (InstallManifest.Item old : before.items()) {
      if (!(old instanceof InstallManifest.Dir) && after.stream().noneMatch(i -> i.path().equals(old.path()))) {
        removeReplaced(old, after, out, would);
      }
    }
    if (!dryRun) {
      new InstallManifest(after).write(record);
    }
    out.println(would + "record  " + record + " (calyxctl uninstall" + (record.equals(Path.of(MANIFEST)) ? "" : " --manifest " + record)
        + " removes what it lists)");
    out.println();
    out.println("Next:");
    out.println("  systemctl daemon-reload && systemctl enable --now " + UNIT);
    out.println("  add these flags to the Mesos agent and restart it:");
    InstallFiles.mesosFlags(plugins, config).forEach(f -> out.println("    " + f));
    out.println("  Marathon apps then join network \"" + network + "\" (see examples/marathon/)");
    return 0;
  }

  /** The flags of the agent's command line in the unit. */
  private List<String> agentFlags() {
    GlobalOptions g = CalyxCtl.global(spec);
    if (g.endpoints().isEmpty()) {
      throw new UsageError("--etcd-endpoints is empty");
    }
    List<String> flags = new ArrayList<>(List.of("--etcd-endpoints", String.join(",", g.endpoints())));
    addPath(flags, "--etcd-cacert", g.etcdCaCert);
    addPath(flags, "--etcd-cert", g.etcdCert);
    addPath(flags, "--etcd-key", g.etcdKey);
    if (nodename != null) {
      flags.addAll(List.of("--nodename", nodename));
    }
    if (hostIp != null) {
      flags.addAll(List.of("--host-ip", IpAddress.parse("--host-ip", hostIp).toString()));
    }
    if (hostAllowPorts != null) {
      flags.addAll(List.of("--host-allow-ports", hostAllowPorts));
    }
    flags.addAll(List.of("--socket", absolute(socket).toString()));
    flags.addAll(agentArgs);
    return flags;
  }

  private static void addPath(List<String> flags, String flag, String file) {
    if (file != null) {
      flags.addAll(List.of(flag, absolute(Path.of(file)).toString()));
    }
  }

  /** The install tree: --prefix, else the tree this calyxctl runs from; it must hold the executables. */
  private Path tree() {
    Path tree = prefix != null ? absolute(prefix) : ownTree().orElseThrow(() ->
        new UsageError("--prefix is required: this calyxctl does not run from an install tree"));
    for (String exe : List.of("bin/calyx", "bin/calyx-ipam", "bin/calyx-agent")) {
      if (!Files.isExecutable(tree.resolve(exe))) {
        throw new UserError(tree + " is not a calyx install tree: " + tree.resolve(exe) + " is missing or not executable");
      }
    }
    return tree;
  }

  /** {@code <tree>} when this class was loaded from {@code <tree>/lib/*.jar}. */
  static Optional<Path> ownTree() {
    try {
      Path jar = Path.of(CalyxCtl.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path lib = jar.getParent();
      if (Files.isRegularFile(jar) && lib != null && lib.getFileName().toString().equals("lib") && lib.getParent() != null) {
        return Optional.of(lib.getParent());
      }
    } catch (URISyntaxException | SecurityException | IllegalArgumentException | NullPointerException e) {
      // not loaded from a file: no tree
    }
    return Optional.empty();
  }

  private static Path directory(Path given, String dcos, String otherwise) {
    return absolute(given != null ? given : Path.of(Files.isDirectory(Path.of(dcos)) ? dcos : otherwise));
  }

  private static Path absolute(Path p) {
    return p.toAbsolutePath().normalize();
  }

  private static Planned link(Path path, Path target) {
    return new Planned(new InstallManifest.Link(path, target), null);
  }

  private static Planned file(Path path, String content) {
    return new Planned(new InstallManifest.File(path, InstallManifest.sha256(content)), content);
  }

  /** Fails, changing nothing, when a target holds something calyx did not install and --force is not given. */
  private void refuseForeign(List<Planned> plan, InstallManifest before) throws IOException {
    List<Path> foreign = new ArrayList<>();
    for (Planned p : plan) {
      Path path = p.item().path();
      boolean exists = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
      boolean ours = before.at(path).isPresent() && before.at(path).get().isIntact();
      if (exists && !p.item().isIntact() && !ours) {
        foreign.add(path);
      }
    }
    if (!foreign.isEmpty() && !force) {
      throw new UserError("refusing to overwrite " + foreign.getFirst() + (foreign.size() > 1 ? " (and " + (foreign.size() - 1) + " more)" : "")
          + ": it differs from what calyx installs and calyx did not put it there; --force overwrites");
    }
  }

  /** Creates {@code dir} and missing parents; returns them as manifest items (with those recorded before). */
  private static List<InstallManifest.Item> createDirectories(Path dir, InstallManifest before, PrintWriter out, String would)
      throws IOException {
    List<InstallManifest.Item> created = new ArrayList<>();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
        created.addFirst(new InstallManifest.Dir(d));
      } else if (before.at(d).filter(i -> i instanceof InstallManifest.Dir).isPresent()) {
        created.addFirst(before.at(d).get());
      }
    }
    if (!would.isEmpty()) {
      created.stream().filter(i -> !Files.exists(i.path())).forEach(i -> out.println("would create  " + i.path()));
      return created;
    }
    for (InstallManifest.Item d : created) {
      if (!Files.exists(d.path())) {
        Files.createDirectory(d.path());
        out.println("created " + d.path());
      }
    }
    return created;
  }

  private void apply(Planned p, PrintWriter out, String would) throws IOException {
    if (p.item().isIntact()) {
      out.println("unchanged " + p.item().path());
      return;
    }
    switch (p.item()) {
      case InstallManifest.Link l -> {
        if (dryRun) {
          out.println("would link " + l.path() + " -> " + l.target());
        } else {
          InstallManifest.linkAtomically(l.path(), l.target());
          out.println("linked  " + l.path() + " -> " + l.target());
        }
      }
      case InstallManifest.File f -> {
        if (dryRun) {
          out.println("would write " + f.path() + ":");
          p.content().lines().forEach(line -> out.println("    " + line));
        } else {
          InstallManifest.writeAtomically(f.path(), p.content().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          out.println("wrote   " + f.path());
        }
      }
      case InstallManifest.Dir d -> throw new IllegalStateException("directories are created, not applied: " + d);
    }
  }

  /** An item of an earlier install that this one no longer has (e.g. another --network): removed if intact. */
  private static void removeReplaced(InstallManifest.Item old, List<InstallManifest.Item> after, PrintWriter out, String would) {
    try {
      if (old.isIntact()) {
        if (would.isEmpty()) {
          Files.delete(old.path());
        }
        out.println(would + "remove  " + old.path() + " (installed before, no longer wanted)");
      } else if (Files.exists(old.path(), LinkOption.NOFOLLOW_LINKS)) {
        after.add(old);
        out.println("kept    " + old.path() + " (installed before, changed since)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
