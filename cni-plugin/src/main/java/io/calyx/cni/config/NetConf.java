package io.calyx.cni.config;

import io.calyx.cni.spec.CniVersion;
import io.calyx.cni.spec.Result;
import io.calyx.core.Attachment;
import io.calyx.core.NetworkName;
import io.calyx.core.mesos.NetworkInfo;
import io.calyx.core.net.IpAddress;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A validated network configuration, as a runtime passes it on stdin (CONTRACT.md, "CNI network
 * configuration"). Unknown keys are ignored.
 *
 * @param cniVersion the version results are printed in (negotiated from {@code cniVersion}/{@code cniVersions})
 * @param name the network name
 * @param type the plugin type ({@code calyx}, or the calling plugin when calyx-ipam is the IPAM)
 * @param agentSocket the {@code agent_socket}, if set (the forwarder has already used it to reach the agent)
 * @param mtu the container interface MTU, if set
 * @param timeoutSeconds the end-to-end budget of a request (default 30)
 * @param ipam the IPAM section
 * @param dns DNS settings returned in the result
 * @param mesos the Mesos {@code NetworkInfo} from {@code args["org.apache.mesos"]["network_info"]}, if present
 * @param prevResult the {@code prevResult} (CHECK, DEL, chained ADD), if present
 * @param validAttachments for GC: {@code cni.dev/valid-attachments} (or {@code cni.dev/attachments})
 * @param requestedIps specific addresses asked for with the CNI {@code ips} capability
 *     ({@code runtimeConfig.ips}) or {@code args.cni.ips}
 */
public record NetConf(
    CniVersion cniVersion,
    NetworkName name,
    String type,
    Optional<String> agentSocket,
    OptionalInt mtu,
    int timeoutSeconds,
    IpamConf ipam,
    Result.Dns dns,
    Optional<NetworkInfo> mesos,
    Optional<Result> prevResult,
    Optional<List<Attachment>> validAttachments,
    List<IpAddress> requestedIps) {

  public static final int DEFAULT_TIMEOUT_SECONDS = 30;
  public static final int MAX_TIMEOUT_SECONDS = 600;

  public NetConf {
    requestedIps = List.copyOf(requestedIps);
  }

  /** True when the Mesos args are present: results then always carry the 0.2.0 {@code ip4}/{@code ip6}. */
  public boolean fromMesos() {
    return mesos.isPresent();
  }

  /**
   * A configuration that knows only the network name and version: what DEL falls back to when the rest of
   * the configuration is invalid (an ADD with that configuration failed, so DEL must still succeed).
   */
  public static NetConf minimal(CniVersion version, NetworkName name, String type) {
    return new NetConf(
        version, name, type, Optional.empty(), OptionalInt.empty(), DEFAULT_TIMEOUT_SECONDS,
        IpamConf.DEFAULT, Result.Dns.EMPTY, Optional.empty(), Optional.empty(), Optional.empty(), List.of());
  }
}
