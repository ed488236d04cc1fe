package io.calyx.dist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The NetworkInfos Mesos gets from Marathon for an app or pod definition, as mesos-contract.md §3 describes
 * Marathon's code (TaskBuilder for the legacy {@code ipAddress}, ContainerSerializer for {@code networks},
 * TaskGroupBuilder for pods), and the checkpointed network.conf Mesos writes from one (§2.2).
 */
final class MarathonNetworks {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper SORTED = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  /** Host ports Marathon would pick from the offer for {@code hostPort: 0}. */
  private static final int FIRST_HOST_PORT = 31000;

  private MarathonNetworks() {}

  /** One NetworkInfo per CNI network of {@code definition}, in the order Mesos names them eth0, eth1, ... */
  static List<ObjectNode> networkInfos(JsonNode definition) {
    if (definition.has("containers")) {
      return pod(definition);
    }
    if (definition.has("ipAddress")) {
      return List.of(legacy(definition.get("ipAddress")));
    }
    List<ObjectNode> infos = new ArrayList<>();
    for (JsonNode n : definition.path("networks")) {
      if (!"container".equals(n.path("mode").asText())) {
        continue; // host: no NetworkInfo; container/bridge: Mesos' bridge network, not calyx
      }
      ObjectNode info = JSON.createObjectNode();
      info.putArray("ip_addresses").addObject().put("protocol", "IPv4");
      info.set("labels", labels(n.path("labels")));
      info.put("name", n.get("name").textValue());
      ArrayNode mappings = JSON.createArrayNode();
      int port = FIRST_HOST_PORT;
      for (JsonNode m : definition.path("container").path("portMappings")) {
        if (!m.has("hostPort")) {
          continue; // no hostPort (the usual case in container mode): not sent
        }
        int host = m.get("hostPort").asInt() == 0 ? port++ : m.get("hostPort").asInt();
        int container = m.path("containerPort").asInt() == 0 ? host : m.get("containerPort").asInt();
        mappings.addObject().put("container_port", container).put("host_port", host).put("protocol", m.path("protocol").asText("tcp"));
      }
      if (!mappings.isEmpty()) {
        info.set("port_mappings", mappings);
      }
      infos.add(info);
    }
    return infos;
  }

  /** Marathon ≤1.4: groups, labels (always set), one default IPAddress, name. */
  private static ObjectNode legacy(JsonNode ipAddress) {
    ObjectNode info = JSON.createObjectNode();
    if (ipAddress.path("groups").size() > 0) {
      info.set("groups", ipAddress.get("groups").deepCopy());
    }
    info.putArray("ip_addresses").addObject().put("protocol", "IPv4");
    info.set("labels", labels(ipAddress.path("labels")));
    info.put("name", ipAddress.get("networkName").textValue());
    return info;
  }

  /** Pods: name, labels and one port mapping per protocol of each endpoint with a hostPort; no ip_addresses. */
  private static List<ObjectNode> pod(JsonNode pod) {
    List<ObjectNode> infos = new ArrayList<>();
    for (JsonNode n : pod.path("networks")) {
      if (!"container".equals(n.path("mode").asText())) {
        continue;
      }
      ObjectNode info = JSON.createObjectNode();
      info.set("labels", labels(n.path("labels")));
      info.put("name", n.get("name").textValue());
      ArrayNode mappings = JSON.createArrayNode();
      int port = FIRST_HOST_PORT;
      for (JsonNode c : pod.path("containers")) {
        for (JsonNode e : c.path("endpoints")) {
          if (!e.has("hostPort")) {
            continue;
          }
          int host = e.get("hostPort").asInt() == 0 ? port++ : e.get("hostPort").asInt();
          for (JsonNode protocol : e.path("protocol")) {
            mappings.addObject().put("container_port", e.path("containerPort").asInt(host)).put("host_port", host)
                .put("protocol", protocol.asText());
          }
        }
      }
      if (!mappings.isEmpty()) {
        info.set("port_mappings", mappings);
      }
      infos.add(info);
    }
    return infos;
  }

  /** A Marathon label map as Mesos' Labels message: {@code {"labels":[{"key","value"}...]}} ({@code {}} when empty). */
  private static ObjectNode labels(JsonNode map) {
    ObjectNode labels = JSON.createObjectNode();
    if (map.size() > 0) {
      ArrayNode list = labels.putArray("labels");
      map.properties().forEach(e -> list.addObject().put("key", e.getKey()).put("value", e.getValue().asText()));
    }
    return labels;
  }

  /** The checkpointed network.conf: the operator's config plus args, compact, keys sorted at every level (§2.2). */
  static String checkpoint(JsonNode operatorConfig, JsonNode networkInfo) throws Exception {
    ObjectNode conf = operatorConfig.deepCopy();
    conf.putObject("args").putObject("org.apache.mesos").set("network_info", networkInfo);
    return SORTED.writeValueAsString(SORTED.convertValue(conf, Map.class));
  }
}
