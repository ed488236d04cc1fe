package io.calyx.testkit;

import java.io.IOException;
import org.junit.jupiter.api.extension.ExtensionContext;

/** One server per test class for an extension: created on first use, closed after the class's last test. */
final class PerClass {
  private PerClass() {}

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
