package io.calyx.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The text {@code calyxctl install} writes: the CNI network configuration, the systemd unit of the agent,
 * and the Mesos agent flags it prints. Pure: no I/O, so what it renders is easy to check.
 */
final class InstallFiles {
  /** Characters a value may have to go into the unit's ExecStart unquoted (no spaces, quotes, %, $, \). */
  private static final Pattern UNIT_SAFE = Pattern.compile("[A-Za-z0-9_./:,@=+\\-\\[\\]]+");

  private InstallFiles() {}

  /** What the network configuration says. */
  record Network(String name, String socket, List<String> pools, boolean ipv6, Integer mtu) {}

  /** The CNI network configuration (CONTRACT.md) an operator would write by hand, pretty-printed. */
  static String networkConfig(Network n) {
    ObjectNode conf = Json.object().put("cniVersion", "0.2.0").put("name", n.name()).put("type", "calyx")
        .put("agent_socket", n.socket());
    if (n.mtu() != null) {
      conf.put("mtu", n.mtu());
    }
    ObjectNode ipam = conf.putObject("ipam").put("type", "calyx-ipam");
    if (n.ipv6()) {
      ipam.put("assign_ipv6", true);
    }
    if (!n.pools().isEmpty()) {
      ArrayNode pools = ipam.putArray("pools");
      n.pools().forEach(pools::add);
    }
    try {
      return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(conf) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The agent's command line: its path, then flags and values (each checked by {@link #unitArgument}). */
  static List<String> agentCommand(Path prefix, List<String> flags) {
    List<String> cmd = new ArrayList<>();
    cmd.add(unitArgument("--prefix", prefix.resolve("bin/calyx-agent").toString()));
    for (String f : flags) {
      cmd.add(unitArgument("agent flag", f));
    }
    return cmd;
  }

  /** The systemd unit running {@code command}; SIGTERM leaves routes and rules in place (CONTRACT.md). */
  static String unit(List<String> command) {
    return """
        # Installed by calyxctl install; calyxctl uninstall removes it.
        [Unit]
        Description=calyx agent: IP-per-container networking for Mesos
        Wants=network-online.target
        After=network-online.target
        Before=mesos-slave.service mesos-agent.service dcos-mesos-slave.service

        [Service]
        ExecStart=%s
        Restart=always
        RestartSec=2
        KillSignal=SIGTERM
        TimeoutStopSec=30
        LimitNOFILE=65536

        [Install]
        WantedBy=multi-user.target
        """.formatted(String.join(" ", command));
  }

  /** The lines telling the operator which Mesos agent flags to add. */
  static List<String> mesosFlags(Path pluginsDir, Path configDir) {
    return List.of(
        "--network_cni_plugins_dir=" + pluginsDir,
        "--network_cni_config_dir=" + configDir,
        "--isolation=filesystem/linux,network/cni   (add them to the isolators you already use)",
        "--network_cni_root_dir_persist             (recommended: Mesos sends DEL after a reboot too)");
  }

  /** {@code value} unchanged if it can stand unquoted in a unit file; otherwise a user error naming {@code what}. */
  static String unitArgument(String what, String value) {
    if (value == null || !UNIT_SAFE.matcher(value).matches()) {
      throw new UserError(what + ": " + io.calyx.core.InvalidValueException.quote(String.valueOf(value))
          + " may only contain letters, digits and _ . / : , @ = + - [ ] (it goes into a systemd unit)");
    }
    return value;
  }
}
