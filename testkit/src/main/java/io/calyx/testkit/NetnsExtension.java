package io.calyx.testkit;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test fresh network namespaces and deletes them after the test, whether it passed or not. Needs
 * root: the test is skipped with that reason otherwise.
 *
 * <pre>
 * {@literal @}ExtendWith(NetnsExtension.class)
 * class MyIT {
 *   {@literal @}Test void works(Netns host, NetnsFactory more) { Netns other = more.create(); ... }
 * }
 * </pre>
 */
public final class NetnsExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NetnsExtension.class);

  @Override
  public void beforeEach(ExtensionContext context) {
    Assumptions.assumeTrue(Host.isRoot(), "needs root: creates network namespaces");
    Assumptions.assumeTrue(Host.which("ip").isPresent(), "needs iproute2 (ip) on PATH");
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == Netns.class || type == NetnsFactory.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    NetnsFactory factory = factory(context);
    return parameter.getParameter().getType() == Netns.class ? factory.create() : factory;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    NetnsFactory factory = context.getStore(NS).get(NetnsFactory.class, NetnsFactory.class);
    if (factory != null) {
      factory.close();
    }
  }

  private static NetnsFactory factory(ExtensionContext context) {
    return context.getStore(NS).getOrComputeIfAbsent(NetnsFactory.class, k -> new NetnsFactory(), NetnsFactory.class);
  }

  /** Creates namespaces for one test and deletes them all on {@link #close()}. */
  public static final class NetnsFactory implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final List<Netns> created = new ArrayList<>();

    /** Creates a namespace named {@code calyxt-<random>} with its loopback up. */
    public synchronized Netns create() {
      byte[] b = new byte[4];
      RANDOM.nextBytes(b);
      Netns ns = new Netns("calyxt-" + HexFormat.of().formatHex(b));
      Commands.check(List.of("ip", "netns", "add", ns.name()));
      created.add(ns);
      ns.exec("ip", "link", "set", "lo", "up").requireSuccess(List.of("ip link set lo up in " + ns.name()));
      return ns;
    }

    /** The namespaces created so far. */
    public synchronized List<Netns> created() {
      return List.copyOf(created);
    }

    @Override
    public synchronized void close() {
      for (Netns ns : created) {
        Commands.run(List.of("ip", "netns", "del", ns.name()), 30);
      }
      created.clear();
    }
  }
}
