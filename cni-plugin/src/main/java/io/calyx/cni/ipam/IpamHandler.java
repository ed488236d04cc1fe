package io.calyx.cni.ipam;

import io.calyx.cni.config.IpamConf;
import io.calyx.cni.config.NetConf;
import io.calyx.cni.service.AddRequest;
import io.calyx.cni.service.CheckRequest;
import io.calyx.cni.service.CniHandler;
import io.calyx.cni.service.DelRequest;
import io.calyx.cni.service.GcRequest;
import io.calyx.cni.spec.CniException;
import io.calyx.cni.spec.Result;
import io.calyx.core.Attachment;
import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.mesos.IpAddressRequest;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.Block;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.Origin;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * {@code calyx-ipam} as a CNI IPAM plugin under another plugin (bridge, ptp, macvlan ...): ADD allocates
 * one address per configured family and answers with the address in its block's subnet and the block's
 * gateway, which those plugins accept; DEL releases by handle (network, container, interface); CHECK
 * verifies the allocation; GC releases this network's calyx-ipam allocations on this host that are not
 * in the valid list.
 */
public final class IpamHandler implements CniHandler {
  private final AddressManager addresses;

  public IpamHandler(AddressManager addresses) {
    this.addresses = addresses;
  }

  @Override
  public Result add(AddRequest request) {
    HandleId handle = HandleId.of(request.conf().name(), request.attachment());
    IpamConf ipam = request.conf().ipam();
    Set<IpFamily> families = EnumSet.noneOf(IpFamily.class);
    if (ipam.assignIpv4()) {
      families.add(IpFamily.V4);
    }
    if (ipam.assignIpv6()) {
      families.add(IpFamily.V6);
    }
    java.util.Set<io.calyx.core.net.IpAddress> requestedSet = new java.util.LinkedHashSet<>(request.conf().requestedIps());
    request.spec().requestedIps().stream().map(IpAddressRequest::address).flatMap(Optional::stream).forEach(requestedSet::add);
    List<io.calyx.core.net.IpAddress> requested = List.copyOf(requestedSet);
    HandleRecord record = addresses.allocate(
        new AllocateRequest(handle, Origin.CALYX_IPAM, families, ipam.pools(), requested, request.deadline()));
    return result(record, request.conf());
  }

  /** The address in its block's subnet with the block's gateway (ordinal 1, never given to a container). */
  static Result result(HandleRecord record, NetConf conf) {
    List<Result.IpConfig> ips = record.ips().stream()
        .map(ip -> new Result.IpConfig(new IpPrefix(ip.ip(), ip.block().length()), Optional.of(Block.gatewayOf(ip.block())), OptionalInt.empty()))
        .toList();
    return new Result(List.of(), ips, conf.ipam().routes(), conf.dns());
  }

  @Override
  public void del(DelRequest request) {
    addresses.release(HandleId.of(request.conf().name(), request.attachment()), request.deadline());
  }

  @Override
  public void check(CheckRequest request) {
    HandleId handle = HandleId.of(request.conf().name(), request.attachment());
    HandleRecord record = addresses.find(handle, request.deadline())
        .orElseThrow(() -> new CniException(CniException.UNKNOWN_CONTAINER, "calyx-ipam holds no address for " + handle, ""));
    for (Result.IpConfig ip : request.prevResult().ips()) {
      boolean held = record.ips().stream().anyMatch(a -> a.ip().equals(ip.address().address()));
      if (!held) {
        throw new CniException(CniException.UNKNOWN_CONTAINER,
            "address " + ip.address() + " of the previous result is not allocated to " + handle, "held: " + record.ips());
      }
    }
  }

  @Override
  public void status(NetConf conf, Deadline deadline) {
    addresses.checkReady(conf.ipam().pools(), conf.ipam().assignIpv4(), conf.ipam().assignIpv6(), deadline);
  }

  @Override
  public void gc(GcRequest request) {
    Set<Attachment> valid = Set.copyOf(request.validAttachments());
    for (HandleRecord record : addresses.handlesOnThisHost(request.conf().name(), request.deadline())) {
      Attachment attachment = new Attachment(record.handle().containerId(), record.handle().ifName());
      if (record.origin() == Origin.CALYX_IPAM && !valid.contains(attachment)) {
        addresses.release(record.handle(), request.deadline());
      }
    }
  }
}
