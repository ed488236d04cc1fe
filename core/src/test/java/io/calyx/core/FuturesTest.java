package io.calyx.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class FuturesTest {
  @Test
  void unwrapsWhatADependentStageSeesAndLeavesTheRestAlone() {
    IllegalStateException cause = new IllegalStateException("etcd down");
    Throwable[] seen = new Throwable[1];
    CompletableFuture.<String>failedFuture(cause).thenApply(s -> s).handle((v, e) -> seen[0] = e).join();
    assertThat(seen[0]).isInstanceOf(CompletionException.class);
    assertThat(Futures.unwrap(seen[0])).isSameAs(cause);
    assertThat(Futures.unwrap(cause)).isSameAs(cause);
    CompletionException bare = new CompletionException("no cause", null);
    assertThat(Futures.unwrap(bare)).isSameAs(bare);
  }
}
