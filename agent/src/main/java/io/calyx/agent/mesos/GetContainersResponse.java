package io.calyx.agent.mesos;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the JSON answer of the v1 agent call {@code GET_CONTAINERS} ({@code mesos.v1.agent.Response}):
 * {@code {"type":"GET_CONTAINERS","get_containers":{"containers":[{"container_id":{"value":..},
 * "container_status":{"container_id":{"value":..,"parent":{..}},..}, ...}]}}}. Only container ids are
 * used; every other field is ignored.
 *
 * <p>Where the full id of a nested container is: the agent fills each entry's {@code container_id} from
 * {@code ContainerID.value()} alone (slave/http.cpp {@code __containers}, internal/evolve.cpp), so a nested
 * container's parent is not there; the containerizer's status carries the whole {@code ContainerID}
 * ({@code MesosContainerizerProcess::status}), so {@code container_status.container_id} has it. Both are
 * read, the status preferred; a {@code container_id.parent} is honoured too, as the schema allows it.
 */
final class GetContainersResponse {
  private static final JsonMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(64)
                          .maxStringLength(1 << 20)
                          .maxNumberLength(64)
                          .build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private GetContainersResponse() {}

  /** The answer did not have the shape of a {@code GET_CONTAINERS} response. */
  static final class UnexpectedAnswerException extends Exception {
    private static final long serialVersionUID = 1L;

    UnexpectedAnswerException(String message) {
      super(message);
    }
  }

  /**
   * The ids of the containers in the answer, as the CNI plugin sees them ({@code CNI_CONTAINERID} is
   * Mesos' {@code stringify(ContainerID)}): a nested container's id is its ancestors' values and its own,
   * outermost first, joined with {@code .}.
   *
   * @throws UnexpectedAnswerException naming what is wrong, when the body is not such a response
   */
  static Set<String> containerIds(byte[] body) throws UnexpectedAnswerException {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new UnexpectedAnswerException("the body is not JSON (" + Failures.oneLine(e.getOriginalMessage()) + ")");
    } catch (IOException e) {
      throw new UnexpectedAnswerException("the body cannot be read (" + Failures.oneLine(e.getMessage()) + ")");
    }
    if (root == null || root.isMissingNode()) {
      throw new UnexpectedAnswerException("the body is empty");
    }
    if (!root.isObject()) {
      throw new UnexpectedAnswerException("the body is not a JSON object");
    }
    JsonNode type = root.path("type");
    if (!type.isTextual() || !type.asText().equals("GET_CONTAINERS")) {
      throw new UnexpectedAnswerException(
          "the response type is " + (type.isMissingNode() ? "missing" : Failures.oneLine(type.toString())) + ", not \"GET_CONTAINERS\"");
    }
    // Mesos only sets get_containers when it adds a first container: an agent without containers
    // answers {"type":"GET_CONTAINERS"} alone.
    JsonNode getContainers = root.path("get_containers");
    if (getContainers.isMissingNode() || getContainers.isNull()) {
      return Set.of();
    }
    if (!getContainers.isObject()) {
      throw new UnexpectedAnswerException("get_containers is not an object");
    }
    JsonNode containers = getContainers.path("containers");
    if (containers.isMissingNode() || containers.isNull()) {
      return Set.of();
    }
    if (!containers.isArray()) {
      throw new UnexpectedAnswerException("get_containers.containers is not an array");
    }
    Set<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < containers.size(); i++) {
      JsonNode container = containers.get(i);
      String where = "get_containers.containers[" + i + "]";
      if (!container.isObject()) {
        throw new UnexpectedAnswerException(where + " is not an object");
      }
      String id = containerId(container.path("container_id"), where + ".container_id");
      String full = fullId(container.path("container_status").path("container_id"));
      if (full == null) {
        ids.add(id);
      } else {
        ids.add(full);
        if (!lastPart(full).equals(lastPart(id))) {
          ids.add(id); // they disagree: keep both, one live container too many only delays a release
        }
      }
    }
    return Collections.unmodifiableSet(ids);
  }

  /**
   * The status's id when it is a well-formed {@code ContainerID}; null otherwise. The status is
   * optional (the agent leaves it out when the containerizer cannot give one), so a malformed one is
   * ignored rather than failing the answer.
   */
  private static String fullId(JsonNode statusId) {
    if (statusId.isMissingNode() || statusId.isNull()) {
      return null;
    }
    try {
      return containerId(statusId, "container_status.container_id");
    } catch (UnexpectedAnswerException e) {
      return null;
    }
  }

  private static String lastPart(String id) {
    return id.substring(id.lastIndexOf('.') + 1);
  }

  /** {@code stringify(ContainerID)}: {@code parent.value} for a nested id, recursively. */
  private static String containerId(JsonNode id, String where) throws UnexpectedAnswerException {
    List<String> values = new ArrayList<>();
    JsonNode node = id;
    String path = where;
    while (true) {
      if (!node.isObject()) {
        throw new UnexpectedAnswerException(path + (node.isMissingNode() ? " is missing" : " is not an object"));
      }
      JsonNode value = node.path("value");
      if (!value.isTextual() || value.asText().isEmpty()) {
        throw new UnexpectedAnswerException(path + ".value is not a non-empty string");
      }
      values.add(value.asText());
      JsonNode parent = node.path("parent");
      if (parent.isMissingNode() || parent.isNull()) {
        break;
      }
      node = parent;
      path = path + ".parent";
    }
    Collections.reverse(values);
    return String.join(".", values);
  }
}
