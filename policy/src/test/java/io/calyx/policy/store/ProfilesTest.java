package io.calyx.policy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import io.calyx.core.store.InMemoryDatastore;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The profile store over the in-memory datastore (same semantics as etcd). */
class ProfilesTest {
  private final InMemoryDatastore store = new InMemoryDatastore();
  private final Profiles profiles = new Profiles(store);
  private final GroupName web = GroupName.of("web");

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(10), Clock.systemUTC());
  }

  @Test
  void firstUseCreatesTheDefaultOnceAndKeepsEdits() {
    assertThat(profiles.get(web, soon())).isEmpty();
    assertThat(profiles.getOrCreate(web, soon())).isEqualTo(Profile.defaultFor(web));
    Profile edited = new Profile(web, List.of(Rule.allowAll()), List.of());
    profiles.put(edited, soon());
    assertThat(profiles.getOrCreate(web, soon())).isEqualTo(edited);
    assertThat(store.get(Profiles.key(web), soon()).orElseThrow().valueText()).contains("\"schema\":1");
  }

  @Test
  void racingAgentsAgreeOnOneDocument() throws Exception {
    int n = 16;
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Profile>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(CompletableFuture.supplyAsync(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return profiles.getOrCreate(web, soon());
      }));
    }
    go.countDown();
    for (var f : all) {
      assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(Profile.defaultFor(web));
    }
    assertThat(store.get(Profiles.key(web), soon()).orElseThrow().version()).as("created exactly once").isEqualTo(1);
  }

  @Test
  void listSkipsUnreadableDocumentsAndSaysWhy() {
    profiles.getOrCreate(web, soon());
    profiles.getOrCreate(GroupName.PUBLIC, soon());
    store.txn(new Txn(List.of(), List.of(Op.put(Profiles.ROOT + "db", "{\"schema\":7}".getBytes(StandardCharsets.UTF_8)))), soon());
    store.txn(new Txn(List.of(), List.of(Op.put(Profiles.ROOT + "other", ProfileCodec.encode(Profile.defaultFor(web))))), soon());
    Profiles.Listed l = profiles.list(soon());
    assertThat(l.profiles()).extracting(Profile::name).containsExactly(GroupName.PUBLIC, web);
    assertThat(l.unreadable()).hasSize(2);
    assertThat(l.unreadable().get(0)).contains("/calyx/v1/profiles/db", "schema 7 is unknown");
    assertThat(l.unreadable().get(1)).contains("/calyx/v1/profiles/other", "does not match its key");
    assertThatThrownBy(() -> profiles.get(GroupName.of("db"), soon())).isInstanceOf(ProfileDocumentException.class);
  }

  @Test
  void deleteRefusesUnknownProfiles() {
    assertThatThrownBy(() -> profiles.delete(web, soon())).isInstanceOf(InvalidValueException.class).hasMessageContaining("no profile web");
    profiles.getOrCreate(web, soon());
    profiles.delete(web, soon());
    assertThat(profiles.get(web, soon())).isEmpty();
  }

  @Test
  void watchDeliversDecodedChanges() throws Exception {
    long from = profiles.list(soon()).revision() + 1;
    List<Profiles.ProfileEvent> events = Collections.synchronizedList(new ArrayList<>());
    try (AutoCloseable w = profiles.watch(from, events::add)) {
      profiles.getOrCreate(web, soon());
      store.txn(new Txn(List.of(), List.of(Op.put(Profiles.ROOT + "web", "nope".getBytes(StandardCharsets.UTF_8)))), soon());
      profiles.delete(web, soon());
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (events.size() < 3 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
    }
    assertThat(events).hasSize(3);
    assertThat(events.get(0)).isInstanceOfSatisfying(Profiles.ProfileEvent.Changed.class, c -> assertThat(c.profile()).isEqualTo(Profile.defaultFor(web)));
    assertThat(events.get(1)).isInstanceOfSatisfying(Profiles.ProfileEvent.Unreadable.class, u -> assertThat(u.problem()).contains("not JSON"));
    assertThat(events.get(2)).isInstanceOfSatisfying(Profiles.ProfileEvent.Deleted.class, d -> assertThat(d.name()).isEqualTo(web));
  }
}
