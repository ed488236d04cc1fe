package io.calyx.cni.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.InvalidValueException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiFunction;

/**
 * Typed reads from a JSON object, each naming the path of the field in its error, so that a wrong type in
 * a network configuration is reported as e.g. {@code "ipam.pools[1] must be a string"} with a given code.
 * Absent keys and JSON {@code null} are both "not set".
 */
public final class JsonFields {
  private final ObjectNode node;
  private final String path;
  private final int errorCode;

  private JsonFields(ObjectNode node, String path, int errorCode) {
    this.node = node;
    this.path = path;
    this.errorCode = errorCode;
  }

  /** Reads {@code node} (which must be an object) whose fields' errors carry {@code errorCode}. */
  public static JsonFields of(JsonNode node, String path, int errorCode) {
    if (!(node instanceof ObjectNode obj)) {
      throw new CniException(errorCode, (path.isEmpty() ? "the document" : path) + " must be a JSON object", "");
    }
    return new JsonFields(obj, path, errorCode);
  }

  public ObjectNode node() {
    return node;
  }

  public String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private Optional<JsonNode> get(String key) {
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
  }

  public boolean has(String key) {
    return get(key).isPresent();
  }

  public CniException error(String key, String problem) {
    return new CniException(errorCode, path(key) + " " + problem, "");
  }

  public Optional<String> string(String key) {
    return get(key).map(v -> {
      if (!v.isTextual()) {
        throw error(key, "must be a string");
      }
      return v.textValue();
    });
  }

  public String requiredString(String key) {
    return string(key).orElseThrow(() -> error(key, "is required"));
  }

  public Optional<Boolean> bool(String key) {
    return get(key).map(v -> {
      if (!v.isBoolean()) {
        throw error(key, "must be true or false");
      }
      return v.booleanValue();
    });
  }

  /** An integer in {@code [min, max]}; fractions and out-of-range values are refused. */
  public OptionalInt integer(String key, long min, long max) {
    Optional<JsonNode> v = get(key);
    if (v.isEmpty()) {
      return OptionalInt.empty();
    }
    JsonNode n = v.get();
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
      throw error(key, "must be an integer from " + min + " to " + max);
    }
    return OptionalInt.of((int) n.longValue());
  }

  public Optional<JsonFields> object(String key) {
    return get(key).map(v -> {
      if (!v.isObject()) {
        throw error(key, "must be a JSON object");
      }
      return new JsonFields((ObjectNode) v, path(key), errorCode);
    });
  }

  public Optional<JsonNode> raw(String key) {
    return get(key);
  }

  /** An array whose elements are each converted by {@code element(node, elementPath)}. */
  public <T> List<T> list(String key, BiFunction<JsonNode, String, T> element) {
    Optional<JsonNode> v = get(key);
    if (v.isEmpty()) {
      return List.of();
    }
    if (!(v.get() instanceof ArrayNode array)) {
      throw error(key, "must be an array");
    }
    List<T> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      out.add(element.apply(array.get(i), path(key) + "[" + i + "]"));
    }
    return out;
  }

  /** An array of strings. */
  public List<String> strings(String key) {
    return list(key, (n, p) -> {
      if (!n.isTextual()) {
        throw new CniException(errorCode, p + " must be a string", "");
      }
      return n.textValue();
    });
  }

  /** An array of objects. */
  public List<JsonFields> objects(String key) {
    return list(key, (n, p) -> of(n, p, errorCode));
  }

  /** Runs a core validation, turning its {@link InvalidValueException} into this reader's error code. */
  public <T> T validate(java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (InvalidValueException e) {
      throw new CniException(errorCode, e.getMessage(), "");
    }
  }
}
