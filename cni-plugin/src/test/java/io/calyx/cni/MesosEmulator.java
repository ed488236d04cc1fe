package io.calyx.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.cni.spec.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds stdin and environment exactly as the Mesos CNI isolator does (mesos-contract.md §1.2, §2.2):
 * the operator's config with {@code args["org.apache.mesos"]["network_info"]} inserted, written compact
 * with keys sorted at every level; an environment that holds only the CNI variables and PATH. Also reads
 * a result the way Mesos does (only {@code ip4}/{@code ip6}/{@code dns}, unknown keys ignored, CIDR required).
 */
public final class MesosEmulator {
  public static final String CONTAINER_ID = "3f9c1a52-7d0e-4a8b-9c55-2b1e6f0d4a77";
  public static final String OPERATOR_CONF =
      "{\"cniVersion\":\"0.2.0\",\"name\":\"ipc-net\",\"type\":\"calyx\",\"ipam\":{\"type\":\"calyx-ipam\",\"pools\":[\"10.100.0.0/16\"]}}";

  private MesosEmulator() {}

  /** The checkpointed network.conf Mesos feeds the plugin; {@code networkInfo} null = no args (a plain invocation). */
  public static byte[] stdin(String operatorConf, String networkInfo) {
    ObjectNode conf = (ObjectNode) Json.parse(operatorConf.getBytes(StandardCharsets.UTF_8), "conf");
    if (networkInfo != null) {
      ObjectNode args = conf.has("args") ? (ObjectNode) conf.get("args") : conf.putObject("args");
      args.putObject("org.apache.mesos").set("network_info", Json.parse(networkInfo.getBytes(StandardCharsets.UTF_8), "ni"));
    }
    byte[] out = Json.write(sorted(conf));
    return java.util.Arrays.copyOf(out, out.length - 1); // Mesos writes no trailing newline
  }

  private static JsonNode sorted(JsonNode node) {
    if (node instanceof ObjectNode obj) {
      List<String> keys = new ArrayList<>();
      obj.fieldNames().forEachRemaining(keys::add);
      Collections.sort(keys);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      keys.forEach(k -> out.set(k, sorted(obj.get(k))));
      return out;
    }
    if (node instanceof ArrayNode arr) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      arr.forEach(e -> out.add(sorted(e)));
      return out;
    }
    return node;
  }

  /** The ADD/DEL environment of mesos-contract.md §7 for a container id. */
  public static Map<String, String> env(String command, String containerId, boolean withNetns) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", containerId);
    if (withNetns) {
      env.put("CNI_NETNS", "/var/run/mesos/isolators/network/cni/" + containerId + "/ns");
    }
    env.put("CNI_IFNAME", "eth0");
    env.put("CNI_PATH", "/var/lib/mesos/cni/plugins:/opt/extra/cni");
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    return env;
  }

  /** What Mesos takes from a result: the ip4 address (prefix stripped) or an error if there is none. */
  public static String parseIp4(String stdout) {
    JsonNode node = Json.parse(stdout.getBytes(StandardCharsets.UTF_8), "result");
    JsonNode ip4 = node.get("ip4");
    if (ip4 == null || !ip4.has("ip") || !ip4.get("ip").isTextual()) {
      throw new AssertionError("Mesos would find no IP in: " + stdout);
    }
    String cidr = ip4.get("ip").textValue();
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new AssertionError("Mesos requires ip4.ip in CIDR form: " + cidr);
    }
    return cidr.substring(0, slash);
  }
}
