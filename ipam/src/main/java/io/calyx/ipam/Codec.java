package io.calyx.ipam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.KeyValue;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * JSON forms of the IPAM documents. Each carries {@code "schema": 1}; a document with another schema or
 * missing fields is a {@link CorruptDocumentException}, never silently half-read.
 */
public final class Codec {
  public static final int SCHEMA = 1;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Codec() {}

  private static ObjectNode doc() {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("schema", SCHEMA);
    return o;
  }

  private static byte[] bytes(ObjectNode o) {
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode read(KeyValue kv) {
    JsonNode n;
    try {
      n = MAPPER.readTree(kv.value());
    } catch (IOException e) {
      throw new CorruptDocumentException(kv.key(), "not JSON");
    }
    if (n == null || !n.isObject()) {
      throw new CorruptDocumentException(kv.key(), "not a JSON object");
    }
    if (n.path("schema").asInt(-1) != SCHEMA) {
      throw new CorruptDocumentException(kv.key(), "schema " + n.path("schema") + " (this calyx reads schema " + SCHEMA + ")");
    }
    return n;
  }

  private static String text(JsonNode n, String field, KeyValue kv) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new CorruptDocumentException(kv.key(), "field " + field + " missing or not a string");
    }
    return v.textValue();
  }

  private static <T> T parse(KeyValue kv, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (RuntimeException e) {
      if (e instanceof CorruptDocumentException c) {
        throw c;
      }
      throw new CorruptDocumentException(kv.key(), e.getMessage());
    }
  }

  // ---- pools

  public static byte[] encode(Pool pool) {
    ObjectNode o = doc();
    o.put("cidr", pool.cidr().toString());
    o.put("blockSize", pool.blockSize());
    o.put("disabled", pool.disabled());
    o.put("created", pool.created().toString());
    return bytes(o);
  }

  public static Pool decodePool(KeyValue kv) {
    JsonNode n = read(kv);
    return parse(kv, () -> new Pool(
        IpPrefix.parseNetwork("cidr", text(n, "cidr", kv)),
        n.path("blockSize").asInt(),
        n.path("disabled").asBoolean(false),
        Instant.parse(text(n, "created", kv))));
  }

  // ---- affinities

  public static byte[] encode(Affinity a) {
    ObjectNode o = doc();
    o.put("host", a.host());
    o.put("block", a.block().toString());
    o.put("state", "confirmed");
    o.put("claimed", a.claimed().toString());
    return bytes(o);
  }

  public static Affinity decodeAffinity(KeyValue kv) {
    JsonNode n = read(kv);
    return parse(kv, () -> new Affinity(text(n, "host", kv), IpPrefix.parseNetwork("block", text(n, "block", kv)),
        Instant.parse(text(n, "claimed", kv))));
  }

  // ---- handles

  /** Written straight into bytes like the block document: every allocation writes one. */
  public static byte[] encode(HandleRecord h) {
    JsonBytes out = new JsonBytes(256);
    out.ascii("{\"schema\":").number(SCHEMA)
        .ascii(",\"handle\":").string(h.handle().toString())
        .ascii(",\"network\":").string(h.handle().network().value())
        .ascii(",\"container\":").string(h.handle().containerId().value())
        .ascii(",\"interface\":").string(h.handle().ifName().value())
        .ascii(",\"host\":").string(h.host())
        .ascii(",\"origin\":").string(h.origin().text())
        .ascii(",\"since\":").string(instantText(h.since()))
        .ascii(",\"ips\":[");
    boolean first = true;
    for (HandleRecord.AssignedIp ip : h.ips()) {
      out.ascii(first ? "{\"ip\":" : ",{\"ip\":").string(ip.ip().toString()).ascii(",\"block\":").string(ip.block().toString()).ascii("}");
      first = false;
    }
    return out.ascii("]}").toByteArray();
  }

  /** A whole second and its ISO-8601 text without the zone's "Z". */
  private record FormattedSecond(long epochSecond, String text) {}

  private static volatile FormattedSecond lastSecond = new FormattedSecond(0, "1970-01-01T00:00:00");

  /**
   * {@code instant.toString()}, the second's part formatted once per second: every allocation writes its
   * time, and {@code Instant.toString} (a {@code DateTimeFormatter}) was a twentieth of the allocator's CPU.
   * Like {@code DateTimeFormatter.ISO_INSTANT}, the fraction has 0, 3, 6 or 9 digits, as many as it needs.
   */
  static String instantText(Instant instant) {
    FormattedSecond second = lastSecond;
    if (second.epochSecond() != instant.getEpochSecond()) {
      String whole = Instant.ofEpochSecond(instant.getEpochSecond()).toString();
      second = new FormattedSecond(instant.getEpochSecond(), whole.substring(0, whole.length() - 1));
      lastSecond = second;
    }
    int nanos = instant.getNano();
    if (nanos == 0) {
      return second.text() + "Z";
    }
    int digits = nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
    int fraction = digits == 3 ? nanos / 1_000_000 : digits == 6 ? nanos / 1_000 : nanos;
    StringBuilder out = new StringBuilder(second.text().length() + digits + 2).append(second.text()).append('.');
    String f = Integer.toString(fraction);
    for (int pad = f.length(); pad < digits; pad++) {
      out.append('0');
    }
    return out.append(f).append('Z').toString();
  }

  public static HandleRecord decodeHandle(KeyValue kv) {
    JsonNode n = read(kv);
    return parse(kv, () -> {
      List<HandleRecord.AssignedIp> ips = new ArrayList<>();
      for (JsonNode ip : n.path("ips")) {
        ips.add(new HandleRecord.AssignedIp(IpAddress.parse("ip", text(ip, "ip", kv)), IpPrefix.parseNetwork("block", text(ip, "block", kv))));
      }
      return new HandleRecord(HandleId.parse(text(n, "handle", kv)), text(n, "host", kv), Origin.parse(text(n, "origin", kv)),
          Instant.parse(text(n, "since", kv)), ips);
    });
  }

  // ---- blocks

  /**
   * Written straight into bytes ({@link JsonBytes}), not through a tree or a generator: the host's allocator
   * encodes its block, with every allocation in it, for every transaction. The form is pinned by a golden
   * test (the same text Jackson wrote before).
   */
  public static byte[] encode(Block b) {
    JsonBytes out = new JsonBytes(256 + 48 * b.used() + 4 * b.free());
    out.ascii("{\"schema\":").number(SCHEMA)
        .ascii(",\"cidr\":").string(b.cidr().toString())
        .ascii(",\"owner\":").string(b.owner())
        .ascii(",\"claimed\":").string(b.claimedText())
        .ascii(",\"sequence\":").number(b.sequence())
        .ascii(",\"reserved\":[");
    numbers(out, b.reserved());
    out.ascii("],\"unallocated\":[");
    for (int i = 0; i < b.free(); i++) {
      if (i > 0) {
        out.ascii(",");
      }
      out.number(b.freeOrdinal(i));
    }
    out.ascii("],\"allocations\":{");
    boolean first = true;
    for (int ordinal = 0; ordinal < b.size(); ordinal++) {
      Allocation a = b.holder(ordinal);
      if (a == null) {
        continue;
      }
      if (!first) {
        out.ascii(",");
      }
      first = false;
      out.quoted(ordinalName(ordinal)).ascii(":").quoted(a.quotedText());
    }
    return out.ascii("}}").toByteArray();
  }

  private static void numbers(JsonBytes out, Iterable<Integer> values) {
    boolean first = true;
    for (int v : values) {
      if (!first) {
        out.ascii(",");
      }
      first = false;
      out.number(v);
    }
  }

  /** The field names of the first ordinals, quoted once (made when first needed). */
  private static final byte[][] ORDINAL_NAMES = new byte[1024][];

  private static byte[] ordinalName(int ordinal) {
    if (ordinal >= ORDINAL_NAMES.length) {
      return JsonBytes.quote(Integer.toString(ordinal));
    }
    byte[] name = ORDINAL_NAMES[ordinal];
    if (name == null) {
      // A race makes two equal arrays; either is right (never written after it is made).
      name = JsonBytes.quote(Integer.toString(ordinal));
      ORDINAL_NAMES[ordinal] = name;
    }
    return name;
  }

  public static Block decodeBlock(KeyValue kv) {
    JsonNode n = read(kv);
    return parse(kv, () -> {
      Set<Integer> reserved = new HashSet<>();
      n.path("reserved").forEach(r -> reserved.add(r.asInt()));
      List<Integer> free = new ArrayList<>();
      n.path("unallocated").forEach(f -> free.add(f.asInt()));
      Map<Integer, Allocation> alloc = new TreeMap<>();
      n.path("allocations").properties().forEach(e -> {
        if (!e.getValue().isTextual()) {
          throw new CorruptDocumentException(kv.key(), "allocation " + e.getKey() + " is not a handle");
        }
        alloc.put(Integer.parseInt(e.getKey()), new Allocation(HandleId.parse(e.getValue().textValue())));
      });
      return new Block(IpPrefix.parseNetwork("cidr", text(n, "cidr", kv)), text(n, "owner", kv),
          Instant.parse(text(n, "claimed", kv)), n.path("sequence").asLong(), reserved, free, alloc).validate();
    });
  }
}
