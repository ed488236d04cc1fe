package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.testkit.Netns;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Calls the real calyx forwarder the way Mesos does (cleared environment, checkpointed stdin). */
public final class Cni {
  private Cni() {}

  /** Runs {@code command}; {@code target} null leaves CNI_NETNS unset (a DEL after a reboot). */
  public static ForwarderRun call(String command, String container, Netns target, String ifname, String conf) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", container);
    if (target != null) {
      env.put("CNI_NETNS", target.path().toString());
    }
    env.put("CNI_IFNAME", ifname);
    env.put("CNI_PATH", "/opt/calyx/bin");
    env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    return ForwarderRun.run(List.of(), ForwarderRun.BINARY, env, conf);
  }

  /** The IPv4 address of a successful ADD's 0.2.0 result (asserting success and a /32). */
  public static String ip4(ForwarderRun add) {
    assertThat(add.exit()).as(add.stdout() + add.stderr()).isZero();
    String cidr = add.json().get("ip4").get("ip").textValue();
    assertThat(cidr).endsWith("/32");
    return cidr.substring(0, cidr.length() - 3);
  }

  /** A calyx network config with Mesos args, as Mesos checkpoints it. */
  public static String conf(String network, String pool, java.nio.file.Path socket, String networkInfo) {
    return "{\"args\":{\"org.apache.mesos\":{\"network_info\":" + networkInfo + "}},\"cniVersion\":\"0.2.0\","
        + "\"ipam\":{\"pools\":[\"" + pool + "\"],\"type\":\"calyx-ipam\"},\"name\":\"" + network + "\",\"agent_socket\":\""
        + socket + "\",\"type\":\"calyx\"}";
  }

  /** One ping with a 1 s wait; true when answered. */
  public static boolean ping(Netns from, String to) {
    return from.exec("ping", "-c", "1", "-W", "1", to).exitCode() == 0;
  }

  /** Polls {@code condition} every 100 ms for at most {@code seconds}; true once it holds. */
  public static boolean eventually(int seconds, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < until) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }

  /**
   * Whether {@code link} is gone from {@code ns} within 5 s: DEL answers before the kernel has unregistered
   * the veth (the agent's reaper removes it right after), so tests wait for it, as long as the contract allows.
   */
  public static boolean linkGone(io.calyx.testkit.Netns ns, String link) throws InterruptedException {
    return eventually(5, () -> ns.exec("ip", "link", "show", link).exitCode() != 0);
  }

  /** A deadline 10 s from now. */
  public static io.calyx.core.Deadline soon() {
    return io.calyx.core.Deadline.in(java.time.Duration.ofSeconds(10), java.time.Clock.systemUTC());
  }

  /** Adds {@code cidr} as a pool unless an earlier test (the etcd is shared) already did. */
  public static void ensurePool(io.calyx.core.store.Datastore admin, String cidr) {
    try {
      new io.calyx.ipam.Pools(admin, java.time.Clock.systemUTC()).add(io.calyx.core.net.IpPrefix.parseNetwork("p", cidr),
          java.util.Optional.empty(), soon());
    } catch (IllegalArgumentException e) {
      // shared etcd: added by an earlier test
    }
  }

  /** Deletes a test's temporary directory and everything in it. */
  public static void deleteTree(java.nio.file.Path dir) throws java.io.IOException {
    try (var files = java.nio.file.Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
