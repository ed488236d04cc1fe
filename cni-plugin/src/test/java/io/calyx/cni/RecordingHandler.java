package io.calyx.cni;

import io.calyx.cni.config.NetConf;
import io.calyx.cni.service.AddRequest;
import io.calyx.cni.service.CheckRequest;
import io.calyx.cni.service.CniHandler;
import io.calyx.cni.service.DelRequest;
import io.calyx.cni.service.GcRequest;
import io.calyx.cni.spec.Result;
import io.calyx.core.Deadline;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test double of the role handler: records every request it is given and answers ADD with a fixed,
 * calyx-shaped result (a /32 behind the 169.254.1.1 link-local gateway), so the CNI layer's parsing and
 * printing can be tested without IPAM or a kernel.
 */
public class RecordingHandler implements CniHandler {
  public static final String IP = "10.100.3.17";

  public final List<AddRequest> adds = new CopyOnWriteArrayList<>();
  public final List<DelRequest> dels = new CopyOnWriteArrayList<>();
  public final List<CheckRequest> checks = new CopyOnWriteArrayList<>();
  public final List<GcRequest> gcs = new CopyOnWriteArrayList<>();
  public final List<NetConf> statuses = new CopyOnWriteArrayList<>();

  public static Result result(String netns) {
    IpAddress gw = IpAddress.parse("gw", "169.254.1.1");
    return new Result(
        List.of(new Result.Interface("eth0", "ee:ee:ee:ee:ee:ee", Optional.of(netns), OptionalInt.of(1500))),
        List.of(new Result.IpConfig(IpPrefix.parse("ip", IP + "/32"), Optional.of(gw), OptionalInt.of(0))),
        List.of(Result.Route.of(IpPrefix.parse("dst", "0.0.0.0/0"), Optional.of(gw))),
        Result.Dns.EMPTY);
  }

  @Override
  public Result add(AddRequest request) {
    adds.add(request);
    Result r = result(request.netns());
    return new Result(r.interfaces(), r.ips(), r.routes(), request.conf().dns());
  }

  @Override
  public void del(DelRequest request) {
    dels.add(request);
  }

  @Override
  public void check(CheckRequest request) {
    checks.add(request);
  }

  @Override
  public void status(NetConf conf, Deadline deadline) {
    statuses.add(conf);
  }

  @Override
  public void gc(GcRequest request) {
    gcs.add(request);
  }
}
