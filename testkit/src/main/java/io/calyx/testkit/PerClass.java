package io.calyx.testkit;

import java.io.IOException;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** One server per test class for an extension: created on first use, closed after the class's last test. */
final class PerClass {
  private PerClass() {}

  /**
   * An extension that gives each test class one {@code T}, started before its first test (or when a test
   * first asks for it as a parameter) and closed after its last.
   */
  abstract static class Extension<T extends AutoCloseable> implements BeforeAllCallback, ParameterResolver {
    private final Class<T> type;
    private final Factory<T> factory;
    private final ExtensionContext.Namespace ns;

    Extension(Class<T> type, Factory<T> factory) {
      this.type = type;
      this.factory = factory;
      this.ns = ExtensionContext.Namespace.create(getClass());
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
      get(context, ns, type, factory);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == type;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      try {
        return get(context, ns, type, factory);
      } catch (IOException e) {
        throw new IllegalStateException("cannot start " + type.getSimpleName(), e);
      }
    }
  }

  /** Creates the resource (it may fail, or abort the test when something it needs is missing). */
  @FunctionalInterface
  interface Factory<T> {
    T create() throws IOException;
  }

  static <T extends AutoCloseable> T get(ExtensionContext context, ExtensionContext.Namespace ns, Class<T> type, Factory<T> factory)
      throws IOException {
    ExtensionContext classContext = context.getTestClass().isPresent() && context.getTestMethod().isPresent()
        ? context.getParent().orElse(context)
        : context;
    Holder holder = classContext.getStore(ns).get(Holder.class, Holder.class);
    if (holder == null) {
      holder = new Holder(factory.create());
      classContext.getStore(ns).put(Holder.class, holder);
    }
    return type.cast(holder.resource());
  }

  /** Closes the resource when the class's store is closed (after its last test). */
  private record Holder(AutoCloseable resource) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      resource.close();
    }
  }
}
