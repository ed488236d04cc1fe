package io.calyx.cni.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The one JSON mapper of the CNI layer, with limits for untrusted input: bounded nesting, string and
 * number sizes, duplicate keys refused, trailing content refused.
 */
public final class Json {
  /** Deeper documents are refused; a real network configuration nests a handful of levels. */
  public static final int MAX_DEPTH = 64;

  public static final JsonMapper MAPPER =
      JsonMapper.builder(
              com.fasterxml.jackson.core.JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(MAX_DEPTH)
                          .maxStringLength(1 << 20)
                          .maxNumberLength(64)
                          .build())
                  .build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private Json() {}

  public static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /**
   * Parses untrusted bytes into a tree.
   *
   * @throws CniException code 6 when the bytes are not one JSON document
   */
  public static JsonNode parse(byte[] bytes, String what) {
    if (bytes.length == 0) {
      throw new CniException(CniException.DECODING_FAILURE, what + " is empty", "expected a JSON object");
    }
    try {
      JsonNode node = MAPPER.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new CniException(CniException.DECODING_FAILURE, what + " is empty", "expected a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new CniException(
          CniException.DECODING_FAILURE, what + " is not valid JSON", e.getOriginalMessage());
    } catch (IOException e) {
      throw new CniException(CniException.IO_FAILURE, "cannot read " + what, e.toString());
    }
  }

  /** Compact JSON text of a tree, followed by a newline. */
  public static byte[] write(JsonNode node) {
    try {
      byte[] body = MAPPER.writeValueAsBytes(node);
      byte[] out = java.util.Arrays.copyOf(body, body.length + 1);
      out[body.length] = '\n';
      return out;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }
}
