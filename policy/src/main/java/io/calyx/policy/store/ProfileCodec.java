package io.calyx.policy.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.policy.Peer;
import io.calyx.core.policy.PortRange;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The JSON form of a {@link Profile}, as stored under {@code /calyx/v1/profiles/<name>} and shown by
 * {@code calyxctl profile show}:
 *
 * <pre>
 * {"schema": 1, "name": "web",
 *  "ingress": [{"action": "allow", "source": {"group": "web"}},
 *              {"action": "allow", "protocol": "tcp", "ports": ["80", "8000-8080"], "source": {"nets": ["10.0.0.0/8"]}}],
 *  "egress":  [{"action": "allow"}]}
 * </pre>
 *
 * Reading is strict: unknown fields, an unknown schema, wrong types and invalid values are refused with the
 * path of the offending field, never half-read (a misspelt {@code "sorce"} silently widening a rule would
 * be worse than an error).
 */
public final class ProfileCodec {
  public static final int SCHEMA = 1;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Set<String> PROFILE_FIELDS = Set.of("schema", "name", "ingress", "egress");
  private static final Set<String> RULE_FIELDS = Set.of("action", "protocol", "ports", "source", "destination");
  private static final Set<String> PEER_FIELDS = Set.of("nets", "group");

  private ProfileCodec() {}

  public static byte[] encode(Profile p) {
    try {
      return MAPPER.writeValueAsBytes(toJson(p));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The document as a JSON tree (for {@code calyxctl -o json}). */
  public static ObjectNode toJson(Profile p) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("schema", SCHEMA);
    o.put("name", p.name().value());
    ArrayNode in = o.putArray("ingress");
    p.ingress().forEach(r -> in.add(rule(r)));
    ArrayNode out = o.putArray("egress");
    p.egress().forEach(r -> out.add(rule(r)));
    return o;
  }

  private static ObjectNode rule(Rule r) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("action", r.action().text());
    if (r.protocol() != Rule.Protocol.ANY) {
      o.put("protocol", r.protocol().text());
    }
    if (!r.ports().isEmpty()) {
      ArrayNode ports = o.putArray("ports");
      r.ports().forEach(p -> ports.add(p.toString()));
    }
    r.source().ifPresent(p -> o.set("source", peer(p)));
    r.destination().ifPresent(p -> o.set("destination", peer(p)));
    return o;
  }

  private static ObjectNode peer(Peer p) {
    ObjectNode o = MAPPER.createObjectNode();
    switch (p) {
      case Peer.Nets n -> {
        ArrayNode nets = o.putArray("nets");
        n.nets().forEach(x -> nets.add(x.toString()));
      }
      case Peer.Group g -> o.put("group", g.group().value());
    }
    return o;
  }

  /**
   * Reads a stored profile.
   *
   * @param where the key (or file) it came from, for messages
   * @throws ProfileDocumentException when it is not a valid schema-1 profile
   */
  public static Profile decode(String where, byte[] json) {
    JsonNode n;
    try {
      n = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new ProfileDocumentException(where, "not JSON (" + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()) + ")");
    }
    return fromJson(where, n);
  }

  /** Reads a profile from a JSON tree (see {@link #decode}). */
  public static Profile fromJson(String where, JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new ProfileDocumentException(where, "not a JSON object");
    }
    JsonNode schema = n.get("schema");
    if (schema == null || !schema.isInt()) {
      throw new ProfileDocumentException(where, "field schema is missing (this calyx reads schema " + SCHEMA + ")");
    }
    if (schema.intValue() != SCHEMA) {
      throw new ProfileDocumentException(where, "schema " + schema.intValue() + " is unknown (this calyx reads schema " + SCHEMA
          + "; was it written by a newer calyx?)");
    }
    unknownFields(where, "", n, PROFILE_FIELDS);
    GroupName name;
    try {
      name = GroupName.of(text(where, "name", n.get("name")));
    } catch (InvalidValueException e) {
      throw invalid(where, "name", e);
    }
    try {
      return new Profile(name, rules(where, "ingress", n.get("ingress")), rules(where, "egress", n.get("egress")));
    } catch (InvalidValueException e) {
      throw new ProfileDocumentException(where, e.getMessage());
    }
  }

  private static List<Rule> rules(String where, String path, JsonNode a) {
    if (a == null || a.isNull()) {
      return List.of();
    }
    if (!a.isArray()) {
      throw new ProfileDocumentException(where, path + " is not an array of rules");
    }
    List<Rule> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      String p = path + "[" + i + "]";
      try {
        out.add(rule(where, p, a.get(i)));
      } catch (InvalidValueException e) {
        throw invalid(where, p + "." + e.field(), e);
      }
    }
    return out;
  }

  private static Rule rule(String where, String path, JsonNode r) {
    if (!r.isObject()) {
      throw new ProfileDocumentException(where, path + " is not an object");
    }
    unknownFields(where, path + ".", r, RULE_FIELDS);
    Rule.Action action = switch (text(where, path + ".action", r.get("action")).toLowerCase(Locale.ROOT)) {
      case "allow" -> Rule.Action.ALLOW;
      case "deny" -> Rule.Action.DENY;
      default -> throw new ProfileDocumentException(where, path + ".action must be allow or deny, not "
          + InvalidValueException.quote(r.get("action").asText()));
    };
    Rule.Protocol protocol = Rule.Protocol.ANY;
    if (r.hasNonNull("protocol")) {
      String t = text(where, path + ".protocol", r.get("protocol"));
      protocol = switch (t.toLowerCase(Locale.ROOT)) {
        case "any" -> Rule.Protocol.ANY;
        case "tcp" -> Rule.Protocol.TCP;
        case "udp" -> Rule.Protocol.UDP;
        case "icmp" -> Rule.Protocol.ICMP;
        default -> throw new ProfileDocumentException(where, path + ".protocol must be tcp, udp, icmp or any, not "
            + InvalidValueException.quote(t));
      };
    }
    List<PortRange> ports = new ArrayList<>();
    JsonNode ps = r.get("ports");
    if (ps != null && !ps.isNull()) {
      if (!ps.isArray()) {
        throw new ProfileDocumentException(where, path + ".ports is not an array");
      }
      for (int i = 0; i < ps.size(); i++) {
        JsonNode p = ps.get(i);
        String field = path + ".ports[" + i + "]";
        if (!p.isInt() && !p.isTextual()) {
          throw new ProfileDocumentException(where, field + " is neither a number nor a range string");
        }
        try {
          ports.add(PortRange.parse(field, p.isInt() ? Integer.toString(p.intValue()) : p.textValue()));
        } catch (InvalidValueException e) {
          throw invalid(where, field, e);
        }
      }
    }
    return new Rule(action, protocol, ports, peer(where, path + ".source", r.get("source")),
        peer(where, path + ".destination", r.get("destination")));
  }

  private static Optional<Peer> peer(String where, String path, JsonNode p) {
    if (p == null || p.isNull()) {
      return Optional.empty();
    }
    if (!p.isObject()) {
      throw new ProfileDocumentException(where, path + " is not an object");
    }
    unknownFields(where, path + ".", p, PEER_FIELDS);
    boolean nets = p.has("nets");
    boolean group = p.has("group");
    if (nets == group) {
      throw new ProfileDocumentException(where, path + " needs exactly one of nets or group");
    }
    if (group) {
      try {
        return Optional.of(new Peer.Group(GroupName.of(text(where, path + ".group", p.get("group")))));
      } catch (InvalidValueException e) {
        throw invalid(where, path + ".group", e);
      }
    }
    JsonNode a = p.get("nets");
    if (!a.isArray()) {
      throw new ProfileDocumentException(where, path + ".nets is not an array of CIDRs");
    }
    List<IpPrefix> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      String field = path + ".nets[" + i + "]";
      try {
        out.add(IpPrefix.parseNetwork(field, text(where, field, a.get(i))));
      } catch (InvalidValueException e) {
        throw invalid(where, field, e);
      }
    }
    try {
      return Optional.of(new Peer.Nets(out));
    } catch (InvalidValueException e) {
      throw invalid(where, path + ".nets", e);
    }
  }

  /** Re-labels a value error with the JSON path of the field it came from. */
  private static ProfileDocumentException invalid(String where, String path, InvalidValueException e) {
    String problem = e.getMessage().startsWith(e.field() + ": ") ? e.getMessage().substring(e.field().length() + 2) : e.getMessage();
    return new ProfileDocumentException(where, path + ": " + problem);
  }

  private static String text(String where, String path, JsonNode v) {
    if (v == null || !v.isTextual()) {
      throw new ProfileDocumentException(where, path + " is missing or not a string");
    }
    return v.textValue();
  }

  private static void unknownFields(String where, String path, JsonNode o, Set<String> known) {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new ProfileDocumentException(where, "unknown field " + path + InvalidValueException.quote(f)
            + " (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }
}
