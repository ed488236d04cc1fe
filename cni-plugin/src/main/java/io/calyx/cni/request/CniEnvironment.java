package io.calyx.cni.request;

import io.calyx.cni.spec.CniException;
import io.calyx.core.Attachment;
import io.calyx.core.ContainerId;
import io.calyx.core.InterfaceName;
import io.calyx.core.InvalidValueException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CNI environment of one invocation, validated per command as the spec requires: ADD and CHECK need
 * {@code CNI_CONTAINERID}, {@code CNI_NETNS} and {@code CNI_IFNAME}; DEL needs the id and interface
 * ({@code CNI_NETNS} is optional: Mesos leaves it out after a reboot); VERSION, STATUS and GC need none.
 * {@code CNI_PATH} is never required (calyx delegates to no other plugin).
 */
public record CniEnvironment(Command command, Optional<Attachment> attachment, Optional<String> netns) {
  /** Longest accepted {@code CNI_NETNS}: PATH_MAX. */
  public static final int MAX_NETNS_LENGTH = 4096;

  /** Reads only {@code CNI_COMMAND}. */
  public static Command command(Map<String, String> env) {
    String text = env.get("CNI_COMMAND");
    if (text == null || text.isEmpty()) {
      throw CniException.invalidEnvironment("required env variables [CNI_COMMAND] missing");
    }
    return Command.parse(text)
        .orElseThrow(() -> CniException.invalidEnvironment(
            "unknown CNI_COMMAND " + InvalidValueException.quote(text) + " (ADD, DEL, CHECK, VERSION, STATUS or GC)"));
  }

  /**
   * Validates the variables {@code command} needs.
   *
   * @throws CniException code 4 naming every missing variable, or the first invalid one
   */
  public static CniEnvironment parse(Command command, Map<String, String> env) {
    boolean attachmentCommand = command == Command.ADD || command == Command.DEL || command == Command.CHECK;
    boolean netnsRequired = command == Command.ADD || command == Command.CHECK;
    List<String> missing = new ArrayList<>();
    if (attachmentCommand) {
      requirePresent(env, "CNI_CONTAINERID", missing);
      if (netnsRequired) {
        requirePresent(env, "CNI_NETNS", missing);
      }
      requirePresent(env, "CNI_IFNAME", missing);
    }
    if (!missing.isEmpty()) {
      throw CniException.invalidEnvironment("required env variables [" + String.join(",", missing) + "] missing");
    }
    if (!attachmentCommand) {
      return new CniEnvironment(command, Optional.empty(), Optional.empty());
    }
    try {
      Attachment attachment =
          new Attachment(ContainerId.of(env.get("CNI_CONTAINERID")), InterfaceName.of(env.get("CNI_IFNAME")));
      return new CniEnvironment(command, Optional.of(attachment), netns(env));
    } catch (InvalidValueException e) {
      throw CniException.invalidEnvironment(e.getMessage());
    }
  }

  private static Optional<String> netns(Map<String, String> env) {
    String netns = env.get("CNI_NETNS");
    if (netns == null || netns.isEmpty()) {
      return Optional.empty();
    }
    if (!netns.startsWith("/") || netns.length() > MAX_NETNS_LENGTH || netns.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw CniException.invalidEnvironment(
          "CNI_NETNS: " + InvalidValueException.quote(netns) + " must be an absolute path to a network namespace");
    }
    return Optional.of(netns);
  }

  private static void requirePresent(Map<String, String> env, String name, List<String> missing) {
    String v = env.get(name);
    if (v == null || v.isEmpty()) {
      missing.add(name);
    }
  }

  /** The attachment, for commands that have one. */
  public Attachment requireAttachment() {
    return attachment.orElseThrow(() -> new IllegalStateException(command + " has no attachment"));
  }
}
