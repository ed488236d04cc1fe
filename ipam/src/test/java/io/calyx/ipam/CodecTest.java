package io.calyx.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CodecTest {
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  private static KeyValue kv(String key, byte[] value) {
    return new KeyValue(key, value, 1, 1, 1);
  }

  @Test
  void blockRoundTrips() {
    Block b = Block.create(IpPrefix.parseNetwork("c", "10.1.0.0/29"), "host-1", T0)
        .assign(3, new Allocation(HandleId.parse("net:c1:eth0")));
    Block back = Codec.decodeBlock(kv("/k", Codec.encode(b)));
    assertThat(back.cidr()).isEqualTo(b.cidr());
    assertThat(back.owner()).isEqualTo("host-1");
    assertThat(back.unallocated()).isEqualTo(b.unallocated());
    assertThat(back.allocations()).isEqualTo(b.allocations());
    assertThat(back.reserved()).isEqualTo(b.reserved());
    assertThat(new String(Codec.encode(b), StandardCharsets.UTF_8)).contains("\"schema\":1");
  }

  /** Text the codec escapes itself (a block is written without Jackson's generator) reads back the same. */
  @Test
  void blockTextNeedingEscapesRoundTrips() throws Exception {
    for (String owner : List.of("host \"quoted\"", "back\\slash", "tab\tnew\nline\u0001", "höst-ünïcode-\u2603", "")) {
      Block b = Block.create(IpPrefix.parseNetwork("c", "10.1.0.0/29"), owner, T0)
          .assign(3, new Allocation(HandleId.parse("net:c1:eth0")));
      byte[] json = Codec.encode(b);
      assertThat(Codec.decodeBlock(kv("/k", json)).owner()).isEqualTo(owner);
      assertThat(new String(json, StandardCharsets.UTF_8)).as("valid JSON a generic parser agrees with")
          .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).toString());
    }
  }

  /**
   * Strings are written byte per char when they need no escape and through Jackson's encoder otherwise:
   * either way text a JSON parser reads back as it was, and exactly what Jackson's generator writes for
   * every character up to U+00FF, alone and inside text (beyond the basic plane the generator writes
   * surrogate escapes, the encoder UTF-8: both read back the same).
   */
  @Test
  void stringsAreWrittenAsJacksonWritesThem() throws Exception {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String> texts = new java.util.ArrayList<>(List.of("", "plain-text_1.2/3", "h\u00f6st", "\u2603 snow", "\ud83d\ude00"));
    for (char c = 0; c < 0x100; c++) {
      texts.add(String.valueOf(c));
      texts.add("net:c" + c + ":eth0");
    }
    for (String text : texts) {
      byte[] ours = new JsonBytes(8).string(text).toByteArray();
      assertThat(mapper.readValue(ours, String.class)).as("read back %s", text).isEqualTo(text);
      assertThat(JsonBytes.quote(text)).as("quote %s", text).isEqualTo(ours);
      if (text.chars().allMatch(c -> c < 0x100)) {
        assertThat(new String(ours, StandardCharsets.UTF_8)).as("string %s", text)
            .isEqualTo(new String(mapper.writeValueAsBytes(text), StandardCharsets.UTF_8));
      }
    }
  }

  /** Ordinals past the codec's table of pre-encoded field names (a /20 block has 4,096) are written too. */
  @Test
  void largeBlocksRoundTripEveryOrdinal() {
    Block b = Block.create(IpPrefix.parseNetwork("c", "10.2.0.0/20"), "host-1", T0);
    for (int ordinal : List.of(0, 2, 1023, 1024, 4000, 4095)) {
      b = b.assign(ordinal, new Allocation(HandleId.parse("net:c" + ordinal + ":eth0")));
    }
    Block back = Codec.decodeBlock(kv("/k", Codec.encode(b)));
    assertThat(back.allocations()).isEqualTo(b.allocations());
    assertThat(back.allocations().keySet()).containsExactly(0, 2, 1023, 1024, 4000, 4095);
    assertThat(back.unallocated()).isEqualTo(b.unallocated());
  }

  /** Records of different times, one after the other, each carry their own (the codec keeps the last text). */
  @Test
  void handleRecordsOfDifferentTimesKeepTheirOwn() {
    for (Instant since : List.of(T0, T0, T0.plusMillis(1), T0, T0.plusSeconds(86_400))) {
      HandleRecord h = new HandleRecord(HandleId.parse("net:c1:eth0"), "host-1", Origin.CALYX, since,
          List.of(new HandleRecord.AssignedIp(IpAddress.parse("i", "10.1.0.3"), IpPrefix.parseNetwork("b", "10.1.0.0/29"))));
      assertThat(Codec.decodeHandle(kv("/k", Codec.encode(h))).since()).isEqualTo(since);
    }
  }

  /** The handle record's time is written exactly as {@code Instant.toString} writes it, whatever its precision. */
  @Test
  void instantsAreWrittenAsInstantToStringWritesThem() {
    java.util.Random random = new java.util.Random(20261122);
    List<Instant> instants = new java.util.ArrayList<>(List.of(Instant.EPOCH, T0, T0.plusNanos(1), T0.plusMillis(10), T0.plusNanos(120_000),
        T0.plusNanos(999_999_999), Instant.parse("1969-12-31T23:59:59.5Z"), Instant.parse("9999-12-31T23:59:59.000000001Z"),
        Instant.parse("+10000-01-01T00:00:00.25Z")));
    for (int i = 0; i < 2000; i++) {
      long second = T0.getEpochSecond() + random.nextInt(5);
      int nanos = switch (random.nextInt(4)) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      instants.add(Instant.ofEpochSecond(second, nanos));
    }
    for (Instant instant : instants) {
      assertThat(Codec.instantText(instant)).as("%s", instant).isEqualTo(instant.toString());
    }
  }

  /** The block document's exact form: what every calyx version in a cluster reads and writes. */
  @Test
  void blockDocumentIsStable() {
    Block b = Block.create(IpPrefix.parseNetwork("c", "10.1.0.0/29"), "host-1", T0)
        .assign(3, new Allocation(HandleId.parse("net:c1:eth0")))
        .assign(0, new Allocation(HandleId.parse("net:c2:eth1")));
    assertThat(new String(Codec.encode(b), StandardCharsets.UTF_8)).isEqualTo("{\"schema\":1,\"cidr\":\"10.1.0.0/29\",\"owner\":\"host-1\","
        + "\"claimed\":\"2026-11-21T10:00:00Z\",\"sequence\":3,\"reserved\":[1],\"unallocated\":[2,4,5,6,7],"
        + "\"allocations\":{\"0\":\"net:c2:eth1\",\"3\":\"net:c1:eth0\"}}");
  }

  /** The handle record's exact form (written by every allocation, read by every calyx version and tool). */
  @Test
  void handleRecordIsStable() {
    HandleRecord h = new HandleRecord(HandleId.parse("net:c1:eth0"), "host-1", Origin.CALYX, T0,
        List.of(new HandleRecord.AssignedIp(IpAddress.parse("i", "10.1.0.3"), IpPrefix.parseNetwork("b", "10.1.0.0/29")),
            new HandleRecord.AssignedIp(IpAddress.parse("i", "fd00::5"), IpPrefix.parseNetwork("b", "fd00::/122"))));
    assertThat(new String(Codec.encode(h), StandardCharsets.UTF_8)).isEqualTo("{\"schema\":1,\"handle\":\"net:c1:eth0\","
        + "\"network\":\"net\",\"container\":\"c1\",\"interface\":\"eth0\",\"host\":\"host-1\",\"origin\":\"calyx\","
        + "\"since\":\"2026-11-21T10:00:00Z\",\"ips\":[{\"ip\":\"10.1.0.3\",\"block\":\"10.1.0.0/29\"},"
        + "{\"ip\":\"fd00::5\",\"block\":\"fd00::/122\"}]}");
  }

  @Test
  void handlePoolAndAffinityRoundTrip() {
    HandleRecord h = new HandleRecord(HandleId.parse("n:c.d:eth1"), "h", Origin.CALYX, T0,
        List.of(new HandleRecord.AssignedIp(IpAddress.parse("i", "fd00::5"), IpPrefix.parseNetwork("b", "fd00::/122"))));
    assertThat(Codec.decodeHandle(kv("/k", Codec.encode(h)))).isEqualTo(h);
    Pool p = new Pool(IpPrefix.parseNetwork("c", "10.244.0.0/16"), 26, true, T0);
    assertThat(Codec.decodePool(kv("/k", Codec.encode(p)))).isEqualTo(p);
    Affinity a = new Affinity("h", IpPrefix.parseNetwork("b", "10.244.1.0/26"), T0);
    assertThat(Codec.decodeAffinity(kv("/k", Codec.encode(a)))).isEqualTo(a);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "not json",
    "[]",
    "{\"schema\":2,\"cidr\":\"10.0.0.0/29\"}",
    "{\"schema\":1}",
    "{\"schema\":1,\"cidr\":\"10.0.0.0/29\",\"owner\":\"h\",\"claimed\":\"2026-11-21T10:00:00Z\",\"reserved\":[1],\"unallocated\":[2,3],\"allocations\":{}}",
    "{\"schema\":1,\"cidr\":\"10.0.0.0/29\",\"owner\":\"h\",\"claimed\":\"bad\",\"reserved\":[1],\"unallocated\":[],\"allocations\":{}}",
    // Ordinals outside the block, allocated or free, and one both free and allocated.
    "{\"schema\":1,\"cidr\":\"10.0.0.0/30\",\"owner\":\"h\",\"claimed\":\"2026-11-21T10:00:00Z\",\"reserved\":[1],\"unallocated\":[2,3,0],\"allocations\":{\"4\":\"n:c:eth0\"}}",
    "{\"schema\":1,\"cidr\":\"10.0.0.0/30\",\"owner\":\"h\",\"claimed\":\"2026-11-21T10:00:00Z\",\"reserved\":[1],\"unallocated\":[2,3],\"allocations\":{\"-1\":\"n:c:eth0\"}}",
    "{\"schema\":1,\"cidr\":\"10.0.0.0/30\",\"owner\":\"h\",\"claimed\":\"2026-11-21T10:00:00Z\",\"reserved\":[1],\"unallocated\":[2,3,0,7],\"allocations\":{}}",
    "{\"schema\":1,\"cidr\":\"10.0.0.0/30\",\"owner\":\"h\",\"claimed\":\"2026-11-21T10:00:00Z\",\"reserved\":[1],\"unallocated\":[2,3,0],\"allocations\":{\"3\":\"n:c:eth0\"}}",
  })
  void unreadableBlocksAreCorruptDocumentsNamingTheKey(String json) {
    assertThatThrownBy(() -> Codec.decodeBlock(kv("/calyx/v1/ipam/blocks/x", json.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(CorruptDocumentException.class)
        .hasMessageContaining("/calyx/v1/ipam/blocks/x");
  }
}
