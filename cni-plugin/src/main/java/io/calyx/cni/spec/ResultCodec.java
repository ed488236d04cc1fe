package io.calyx.cni.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Prints a {@link Result} in the shape of a CNI version, and reads one back from a {@code prevResult}.
 *
 * <p>Mesos understands only the 0.1.0/0.2.0 shape ({@code ip4}, {@code ip6}, {@code dns}): with
 * {@code mesosCompatible} the legacy objects are printed next to the newer fields whatever the version,
 * so a Mesos agent always finds the address.
 */
public final class ResultCodec {
  private ResultCodec() {}

  public static ObjectNode encode(Result result, CniVersion version, boolean mesosCompatible) {
    ObjectNode out = Json.object();
    out.put("cniVersion", version.text());
    if (version.hasLegacyResult()) {
      putLegacy(out, result);
      out.set("dns", dns(result.dns()));
      return out;
    }
    if (!result.interfaces().isEmpty()) {
      ArrayNode ifs = out.putArray("interfaces");
      for (Result.Interface i : result.interfaces()) {
        ObjectNode o = ifs.addObject();
        o.put("name", i.name());
        if (!i.mac().isEmpty()) {
          o.put("mac", i.mac());
        }
        i.sandbox().ifPresent(s -> o.put("sandbox", s));
        if (version.isAtLeast(CniVersion.V1_1_0)) {
          i.mtu().ifPresent(m -> o.put("mtu", m));
        }
      }
    }
    ArrayNode ips = out.putArray("ips");
    for (Result.IpConfig ip : result.ips()) {
      ObjectNode o = ips.addObject();
      if (version.hasIpVersionField()) {
        o.put("version", ip.address().family().cniVersionTag());
      }
      o.put("address", ip.address().toString());
      ip.gateway().ifPresent(g -> o.put("gateway", g.toString()));
      ip.interfaceIndex().ifPresent(i -> o.put("interface", i));
    }
    if (!result.routes().isEmpty()) {
      ArrayNode routes = out.putArray("routes");
      for (Result.Route r : result.routes()) {
        routes.add(route(r, version.isAtLeast(CniVersion.V1_1_0)));
      }
    }
    out.set("dns", dns(result.dns()));
    if (mesosCompatible) {
      putLegacy(out, result);
    }
    return out;
  }

  private static void putLegacy(ObjectNode out, Result result) {
    for (IpFamily family : IpFamily.values()) {
      Optional<Result.IpConfig> ip = result.firstIp(family);
      if (ip.isEmpty()) {
        continue;
      }
      ObjectNode o = out.putObject(family == IpFamily.V4 ? "ip4" : "ip6");
      o.put("ip", ip.get().address().toString());
      ip.get().gateway().ifPresent(g -> o.put("gateway", g.toString()));
      List<Result.Route> routes =
          result.routes().stream().filter(r -> r.dst().family() == family).toList();
      if (!routes.isEmpty()) {
        ArrayNode arr = o.putArray("routes");
        routes.forEach(r -> arr.add(route(r, false)));
      }
    }
  }

  private static ObjectNode route(Result.Route r, boolean v110) {
    ObjectNode o = Json.object();
    o.put("dst", r.dst().toString());
    r.gw().ifPresent(g -> o.put("gw", g.toString()));
    if (v110) {
      r.mtu().ifPresent(v -> o.put("mtu", v));
      r.advmss().ifPresent(v -> o.put("advmss", v));
      r.priority().ifPresent(v -> o.put("priority", v));
      r.table().ifPresent(v -> o.put("table", v));
      r.scope().ifPresent(v -> o.put("scope", v));
    }
    return o;
  }

  private static ObjectNode dns(Result.Dns dns) {
    ObjectNode o = Json.object();
    if (!dns.nameservers().isEmpty()) {
      dns.nameservers().forEach(o.putArray("nameservers")::add);
    }
    dns.domain().ifPresent(d -> o.put("domain", d));
    if (!dns.search().isEmpty()) {
      dns.search().forEach(o.putArray("search")::add);
    }
    if (!dns.options().isEmpty()) {
      dns.options().forEach(o.putArray("options")::add);
    }
    return o;
  }

  /**
   * Reads a result printed in any supported version (a {@code prevResult}). The shape is recognised by its
   * fields ({@code ips} or {@code ip4}/{@code ip6}), not only by {@code version}, because runtimes convert
   * results inconsistently.
   *
   * @throws CniException code 7 naming the field when the result is malformed
   */
  public static Result decode(JsonNode node, String path) {
    JsonFields f = JsonFields.of(node, path, CniException.INVALID_CONFIG);
    Result.Dns dns = f.object("dns").map(ResultCodec::decodeDns).orElse(Result.Dns.EMPTY);
    if (!f.has("ips") && (f.has("ip4") || f.has("ip6"))) {
      List<Result.IpConfig> ips = new ArrayList<>();
      List<Result.Route> routes = new ArrayList<>();
      for (String key : List.of("ip4", "ip6")) {
        Optional<JsonFields> o = f.object(key);
        if (o.isPresent()) {
          JsonFields ip = o.get();
          ips.add(new Result.IpConfig(
              ip.validate(() -> IpPrefix.parse(ip.path("ip"), ip.requiredString("ip"))),
              ip.string("gateway").map(g -> ip.validate(() -> IpAddress.parse(ip.path("gateway"), g))),
              OptionalInt.empty()));
          ip.objects("routes").forEach(r -> routes.add(decodeRoute(r)));
        }
      }
      return new Result(List.of(), ips, routes, dns);
    }
    List<Result.Interface> interfaces =
        f.objects("interfaces").stream()
            .map(i -> new Result.Interface(
                i.requiredString("name"),
                i.string("mac").orElse(""),
                i.string("sandbox"),
                i.integer("mtu", 0, Integer.MAX_VALUE)))
            .toList();
    List<Result.IpConfig> ips =
        f.objects("ips").stream()
            .map(ip -> new Result.IpConfig(
                ip.validate(() -> IpPrefix.parse(ip.path("address"), ip.requiredString("address"))),
                ip.string("gateway").map(g -> ip.validate(() -> IpAddress.parse(ip.path("gateway"), g))),
                ip.integer("interface", 0, Math.max(0, interfaces.size() - 1))))
            .toList();
    List<Result.Route> routes = f.objects("routes").stream().map(ResultCodec::decodeRoute).toList();
    return new Result(interfaces, ips, routes, dns);
  }

  private static Result.Route decodeRoute(JsonFields r) {
    return new Result.Route(
        r.validate(() -> IpPrefix.parse(r.path("dst"), r.requiredString("dst"))),
        r.string("gw").map(g -> r.validate(() -> IpAddress.parse(r.path("gw"), g))),
        r.integer("mtu", 0, Integer.MAX_VALUE),
        r.integer("advmss", 0, Integer.MAX_VALUE),
        r.integer("priority", 0, Integer.MAX_VALUE),
        r.integer("table", 0, Integer.MAX_VALUE),
        r.integer("scope", 0, 255));
  }

  /** Reads a {@code dns} object (of a result or of a network configuration). */
  public static Result.Dns decodeDns(JsonFields d) {
    List<String> nameservers = d.strings("nameservers");
    for (int i = 0; i < nameservers.size(); i++) {
      int index = i;
      d.validate(() -> IpAddress.parse(d.path("nameservers") + "[" + index + "]", nameservers.get(index)));
    }
    return new Result.Dns(nameservers, d.string("domain"), d.strings("search"), d.strings("options"));
  }
}
