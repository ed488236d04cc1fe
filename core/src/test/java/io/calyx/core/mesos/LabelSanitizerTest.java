package io.calyx.core.mesos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelSanitizerTest {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.\\-]{0,63}");

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "web|web",
        "team/owner|team.owner",
        "a b/c|a-b.c",
        "--x--|x",
        "a.-.b|a.b",
        "a--b|a-b",
        "..a..|a",
        "grüße|gr-e",
        "a;rm -rf /|a-rm-rf",
        "|''",
      })
  void sanitizesValues(String raw, String expected) {
    assertThat(LabelSanitizer.sanitizeValue(raw == null ? "" : raw)).isEqualTo(expected.equals("''") ? "" : expected);
  }

  @Test
  void longValuesKeepAPrefixAndAHashSoTheyStayDistinct() {
    String a = "v".repeat(200) + "a";
    String b = "v".repeat(200) + "b";
    String sa = LabelSanitizer.sanitizeValue(a);
    String sb = LabelSanitizer.sanitizeValue(b);
    assertThat(sa).hasSize(63).startsWith("v".repeat(54) + "-");
    assertThat(sa).isNotEqualTo(sb);
    assertThat(LabelSanitizer.sanitizeValue(a)).isEqualTo(sa);
  }

  @Test
  void labelsBecomeAMapWithEmptyValuesAndLastDuplicateWinning() {
    Map<String, String> out =
        LabelSanitizer.sanitize(
            List.of(Label.of("flag", null), Label.of("app", "web"), Label.of("app", "api"), Label.of("/", "x")));
    assertThat(out).containsExactly(
        Map.entry("flag", ""), Map.entry("app", "api"), Map.entry(LabelSanitizer.sanitizeKey("/"), "x"));
    assertThat(LabelSanitizer.sanitizeKey("/")).matches("label-[0-9a-f]{8}");
  }

  @Test
  void anyInputGivesValidDeterministicOutput() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (int i = 0; i < 5_000; i++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(120);
      for (int j = 0; j < len; j++) {
        sb.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0x2FFFF) : random.nextInt(0x80));
      }
      String raw = sb.toString();
      String key = LabelSanitizer.sanitizeKey(raw);
      String value = LabelSanitizer.sanitizeValue(raw);
      assertThat(key).as("seed %d input %s", seed, raw).matches(VALID).isNotEmpty();
      assertThat(value).as("seed %d input %s", seed, raw).matches(VALID);
      assertThat(LabelSanitizer.sanitizeValue(raw)).as("seed %d", seed).isEqualTo(value);
      assertThat(value).as("seed %d", seed).doesNotStartWith(".").doesNotStartWith("-");
    }
  }
}
