package io.calyx.core.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.net.IpAddress;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/** The JSON form of a {@link Node} ({@code "schema": 1}). */
public final class NodeCodec {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private NodeCodec() {}

  public static byte[] encode(Node n) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("schema", 1);
    o.put("name", n.name());
    n.ipv4().ifPresent(ip -> o.put("ipv4", ip.toString()));
    n.ipv6().ifPresent(ip -> o.put("ipv6", ip.toString()));
    o.put("agent_version", n.agentVersion());
    o.put("started", n.started().toString());
    o.put("heartbeat", n.heartbeat().toString());
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a node record.
   *
   * @throws IllegalArgumentException when the document is not a schema-1 node record
   */
  public static Node decode(String key, byte[] value) {
    try {
      JsonNode n = MAPPER.readTree(value);
      if (n == null || n.path("schema").asInt() != 1) {
        throw new IllegalArgumentException("node " + key + ": not a schema-1 node document");
      }
      return new Node(n.path("name").asText(), address(n, "ipv4"), address(n, "ipv6"), n.path("agent_version").asText(),
          Instant.parse(n.path("started").asText()), Instant.parse(n.path("heartbeat").asText()));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("node " + key + " is unreadable: " + e.getMessage(), e);
    }
  }

  private static Optional<IpAddress> address(JsonNode n, String field) {
    return n.hasNonNull(field) ? Optional.of(IpAddress.parse(field, n.get(field).asText())) : Optional.empty();
  }
}
