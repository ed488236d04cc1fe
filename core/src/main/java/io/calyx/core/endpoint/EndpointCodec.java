package io.calyx.core.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpPrefix;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON form of an {@link Endpoint} ({@code "schema": 1}, snake_case as {@code calyxctl endpoint list -o json}). */
public final class EndpointCodec {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private EndpointCodec() {}

  public static byte[] encode(Endpoint e) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("schema", 1);
    o.put("container_id", e.handle().containerId().value());
    o.put("node", e.node());
    o.put("network", e.handle().network().value());
    o.put("interface", e.handle().ifName().value());
    o.put("host_veth", e.hostVeth());
    o.put("mac", e.mac());
    var ips = o.putArray("ips");
    e.ips().forEach(ip -> ips.add(ip.toString()));
    var groups = o.putArray("groups");
    e.groups().forEach(g -> groups.add(g.value()));
    ObjectNode labels = o.putObject("labels");
    new TreeMap<>(e.labels()).forEach(labels::put);
    o.put("netns", e.netns());
    o.put("created", e.created().toString());
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (IOException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /**
   * Reads an endpoint.
   *
   * @throws IllegalArgumentException when the document is not a schema-1 endpoint
   */
  public static Endpoint decode(String key, byte[] value) {
    try {
      JsonNode n = MAPPER.readTree(value);
      if (n == null || n.path("schema").asInt() != 1) {
        throw new IllegalArgumentException("endpoint " + key + ": not a schema-1 endpoint document");
      }
      HandleId handle = HandleId.parse(n.path("network").asText() + ":" + n.path("container_id").asText() + ":" + n.path("interface").asText());
      List<IpPrefix> ips = new ArrayList<>();
      n.path("ips").forEach(ip -> ips.add(IpPrefix.parse("ips", ip.asText())));
      List<GroupName> groups = new ArrayList<>();
      n.path("groups").forEach(g -> groups.add(GroupName.of(g.asText())));
      Map<String, String> labels = new TreeMap<>();
      n.path("labels").properties().forEach(en -> labels.put(en.getKey(), en.getValue().asText()));
      return new Endpoint(handle, n.path("node").asText(), n.path("host_veth").asText(), n.path("mac").asText(), ips, groups, labels,
          n.path("netns").asText(), Instant.parse(n.path("created").asText()));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("endpoint " + key + " is unreadable: " + e.getMessage(), e);
    }
  }
}
