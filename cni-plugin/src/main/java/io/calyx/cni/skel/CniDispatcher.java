package io.calyx.cni.skel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.cni.config.NetConf;
import io.calyx.cni.config.NetConfParser;
import io.calyx.cni.request.CniEnvironment;
import io.calyx.cni.request.Command;
import io.calyx.cni.request.Role;
import io.calyx.cni.service.AddRequest;
import io.calyx.cni.service.CheckRequest;
import io.calyx.cni.service.CniHandler;
import io.calyx.cni.service.DelRequest;
import io.calyx.cni.service.EndpointSpec;
import io.calyx.cni.service.GcRequest;
import io.calyx.cni.spec.CniException;
import io.calyx.cni.spec.CniVersion;
import io.calyx.cni.spec.Json;
import io.calyx.cni.spec.Result;
import io.calyx.cni.spec.ResultCodec;
import io.calyx.core.Deadline;
import io.calyx.core.Elapsed;
import io.calyx.core.InvalidValueException;
import io.calyx.core.NetworkName;
import io.calyx.core.mesos.NetworkInfo;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns one CNI invocation (role, environment, stdin) into exactly one response: a result or error JSON on
 * stdout and an exit code. It validates the environment and the configuration, builds typed requests and
 * calls the {@link CniHandler} of the role; every exception is mapped to a CNI error here and nowhere else.
 */
public final class CniDispatcher {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CniDispatcher.class);
  private final Map<Role, CniHandler> handlers;

  public CniDispatcher(Map<Role, CniHandler> handlers) {
    this.handlers = new EnumMap<>(handlers);
    for (Role role : Role.values()) {
      if (!this.handlers.containsKey(role)) {
        throw new IllegalArgumentException("no handler for " + role);
      }
    }
  }

  /**
   * Handles one invocation.
   *
   * @param deadline the latest moment the answer is still awaited (the forwarder's own deadline); the
   *     configuration's {@code timeout_seconds} may shorten it
   */
  public CniResponse handle(Role role, Map<String, String> env, byte[] stdin, Deadline deadline) {
    CniVersion replyVersion = CniVersion.DEFAULT;
    try {
      Command command = CniEnvironment.command(env);
      if (command == Command.VERSION) {
        return ok(versionReply());
      }
      replyVersion = NetConfParser.peekVersion(stdin);
      CniEnvironment cniEnv = CniEnvironment.parse(command, env);
      if (command == Command.DEL) {
        return del(role, cniEnv, stdin, deadline);
      }
      NetConf conf = NetConfParser.parse(stdin, role);
      replyVersion = conf.cniVersion();
      Deadline effective = deadline.capped(Duration.ofSeconds(conf.timeoutSeconds()));
      CniHandler handler = handlers.get(role);
      return switch (command) {
        case ADD -> add(handler, cniEnv, conf, effective);
        case CHECK -> {
          handler.check(checkRequest(cniEnv, conf, effective));
          yield empty();
        }
        case STATUS -> {
          handler.status(conf, effective);
          yield empty();
        }
        case GC -> {
          handler.gc(new GcRequest(conf, conf.validAttachments().orElse(List.of()), effective));
          yield empty();
        }
        case VERSION, DEL -> throw new AssertionError("handled above");
      };
    } catch (CniException e) {
      return error(replyVersion, e.code(), e.msg(), e.details());
    } catch (InvalidValueException e) {
      return error(replyVersion, CniException.INVALID_CONFIG, e.getMessage(), "");
    } catch (RuntimeException e) {
      return error(replyVersion, CniException.INTERNAL, "internal error in calyx-agent: " + e, "see the calyx-agent log");
    }
  }

  private static CniResponse add(CniHandler handler, CniEnvironment env, NetConf conf, Deadline deadline) {
    long t0 = System.nanoTime();
    AddRequest request = addRequest(env, conf, deadline);
    long built = System.nanoTime();
    Result result = handler.add(request);
    long handled = System.nanoTime();
    CniResponse response = ok(ResultCodec.encode(result, conf.cniVersion(), conf.fromMesos()));
    if (LOG.isDebugEnabled()) {
      // docs/performance.md: the configuration was parsed before t0; the handler's own phases are its debug log.
      LOG.debug("ADD {} ms: request {} handled {} encoded {}", request.attachment(), Elapsed.ms(built, t0), Elapsed.ms(handled, t0), Elapsed.ms(System.nanoTime(), t0));
    }
    return response;
  }

  private static AddRequest addRequest(CniEnvironment env, NetConf conf, Deadline deadline) {
    NetworkInfo info = conf.mesos().orElse(NetworkInfo.empty());
    EndpointSpec spec;
    try {
      spec = EndpointSpec.of(info, conf.name());
    } catch (InvalidValueException e) {
      throw CniException.invalidConfig(e.getMessage());
    }
    return new AddRequest(env.requireAttachment(), env.netns().orElseThrow(), conf, spec, deadline);
  }

  private static CheckRequest checkRequest(CniEnvironment env, NetConf conf, Deadline deadline) {
    if (!conf.cniVersion().supportsCheck()) {
      throw new CniException(
          CniException.INCOMPATIBLE_VERSION, "config version does not allow CHECK", "CHECK needs cniVersion 0.4.0 or later");
    }
    Result prev = conf.prevResult().orElseThrow(() -> CniException.invalidConfig("CHECK needs prevResult in the network configuration"));
    return new CheckRequest(env.requireAttachment(), env.netns().orElseThrow(), conf, prev, deadline);
  }

  /**
   * DEL must not fail on a configuration the ADD already refused: Mesos sends DEL with the same stdin after
   * a failed ADD, and a failing DEL leaves the container stuck. So an invalid configuration is reduced to
   * its network name (what allocations are keyed by), and one without a usable name has nothing to delete.
   */
  private CniResponse del(Role role, CniEnvironment env, byte[] stdin, Deadline deadline) {
    NetConf conf;
    String note = "";
    try {
      conf = NetConfParser.parse(stdin, role);
    } catch (CniException e) {
      Optional<NetworkName> name = NetConfParser.peekName(stdin);
      if (name.isEmpty()) {
        return new CniResponse(0, new byte[0],
            "calyx: DEL: nothing to delete: the network configuration is unusable (" + e.msg() + ")\n",
            "ok (nothing to delete: " + e.msg() + ")");
      }
      conf = NetConf.minimal(NetConfParser.peekVersion(stdin), name.get(), role.executable());
      note = " (configuration reduced to its name: " + e.msg() + ")";
    }
    Deadline effective = deadline.capped(Duration.ofSeconds(conf.timeoutSeconds()));
    handlers.get(role).del(new DelRequest(env.requireAttachment(), env.netns(), conf, effective));
    return new CniResponse(0, new byte[0], "", "ok" + note);
  }

  /** The VERSION answer; also what the native forwarder prints by itself. */
  public static ObjectNode versionReply() {
    ObjectNode out = Json.object();
    out.put("cniVersion", CniVersion.LATEST.text());
    CniVersion.supported().forEach(out.putArray("supportedVersions")::add);
    return out;
  }

  private static CniResponse ok(ObjectNode json) {
    return new CniResponse(0, Json.write(json), "", "ok");
  }

  private static CniResponse empty() {
    return new CniResponse(0, new byte[0], "", "ok");
  }

  /** An error reply: {@code {"cniVersion", "code", "msg", "details"}} on stdout, exit 1. */
  public static CniResponse error(CniVersion version, int code, String msg, String details) {
    ObjectNode out = Json.object();
    out.put("cniVersion", version.text());
    out.put("code", code);
    out.put("msg", msg);
    if (details != null && !details.isEmpty()) {
      out.put("details", details);
    }
    return new CniResponse(1, Json.write(out), "", "error " + code + ": " + msg);
  }
}
