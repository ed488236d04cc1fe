package io.calyx.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.Deadline;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Listing;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import io.calyx.core.store.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Datastore} must do, with etcd's semantics. Extend it once per implementation and give
 * it the store under test; each test works under its own key prefix.
 */
public abstract class DatastoreContract {
  protected abstract Datastore store();

  protected String p;

  @BeforeEach
  void prefix() {
    p = "/contract/" + UUID.randomUUID() + "/";
  }

  protected static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(10), Clock.systemUTC());
  }

  protected static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private TxnResult put(String key, String value) {
    return store().txn(new Txn(List.of(), List.of(Op.put(key, b(value)))), soon());
  }

  @Test
  void listingKeysGivesTheKeysUnderThePrefixInOrderAndAgreesWithAFullListing() {
    store().txn(new Txn(List.of(), List.of(Op.put(p + "keys/b", b("2")), Op.put(p + "keys/a", b("1")), Op.put(p + "keys/a/deeper", b("3")),
        Op.put(p + "keysx", b("outside")))), soon());
    List<String> keys = store().listKeys(p + "keys/", soon());
    assertThat(keys).containsExactly(p + "keys/a", p + "keys/a/deeper", p + "keys/b");
    assertThat(keys).isEqualTo(store().list(p + "keys/", soon()).kvs().stream().map(KeyValue::key).toList());
    assertThat(store().listKeys(p + "nothing/", soon())).isEmpty();
  }

  @Test
  void getOfAnAbsentKeyIsEmpty() {
    assertThat(store().get(p + "nothing", soon())).isEmpty();
  }

  @Test
  void putCreatesThenUpdatesWithEtcdRevisions() {
    TxnResult first = put(p + "k", "v1");
    assertThat(first.succeeded()).isTrue();
    KeyValue created = store().get(p + "k", soon()).orElseThrow();
    assertThat(created.valueText()).isEqualTo("v1");
    assertThat(created.createRevision()).isEqualTo(created.modRevision()).isEqualTo(first.revision());
    assertThat(created.version()).isEqualTo(1);
    TxnResult second = put(p + "k", "v2");
    KeyValue updated = store().get(p + "k", soon()).orElseThrow();
    assertThat(updated.valueText()).isEqualTo("v2");
    assertThat(updated.createRevision()).isEqualTo(created.createRevision());
    assertThat(updated.modRevision()).isEqualTo(second.revision()).isGreaterThan(created.modRevision());
    assertThat(updated.version()).isEqualTo(2);
  }

  @Test
  void everySuccessfulWriteTransactionTakesExactlyOneRevision() {
    TxnResult a = store().txn(new Txn(List.of(), List.of(Op.put(p + "a", b("1")), Op.put(p + "b", b("2")))), soon());
    TxnResult c = put(p + "c", "3");
    assertThat(c.revision()).isEqualTo(a.revision() + 1);
    assertThat(store().get(p + "a", soon()).orElseThrow().modRevision()).isEqualTo(store().get(p + "b", soon()).orElseThrow().modRevision());
  }

  @Test
  void modRevisionCompareIsCompareAndSwap() {
    put(p + "k", "v1");
    KeyValue read = store().get(p + "k", soon()).orElseThrow();
    TxnResult ok = store().txn(new Txn(List.of(Compare.modRevision(p + "k", read.modRevision())), List.of(Op.put(p + "k", b("v2")))), soon());
    assertThat(ok.succeeded()).isTrue();
    TxnResult stale = store().txn(new Txn(List.of(Compare.modRevision(p + "k", read.modRevision())), List.of(Op.put(p + "k", b("v3")))), soon());
    assertThat(stale.succeeded()).isFalse();
    assertThat(stale.current().get(p + "k")).hasValueSatisfying(kv -> assertThat(kv.valueText()).isEqualTo("v2"));
    assertThat(store().get(p + "k", soon()).orElseThrow().valueText()).isEqualTo("v2");
  }

  @Test
  void absentCompareCreatesOnlyOnce() {
    Txn create = new Txn(List.of(Compare.absent(p + "k")), List.of(Op.put(p + "k", b("first"))));
    assertThat(store().txn(create, soon()).succeeded()).isTrue();
    TxnResult again = store().txn(new Txn(List.of(Compare.absent(p + "k")), List.of(Op.put(p + "k", b("second")))), soon());
    assertThat(again.succeeded()).isFalse();
    assertThat(again.current().get(p + "k")).hasValueSatisfying(kv -> assertThat(kv.valueText()).isEqualTo("first"));
    TxnResult missing = store().txn(new Txn(List.of(Compare.modRevision(p + "missing", 5)), List.of()), soon());
    assertThat(missing.succeeded()).isFalse();
    assertThat(missing.current().get(p + "missing")).isEmpty();
  }

  @Test
  void createRevisionTellsIncarnationsApart() {
    put(p + "k", "v1");
    long created = store().get(p + "k", soon()).orElseThrow().createRevision();
    store().txn(new Txn(List.of(), List.of(Op.delete(p + "k"))), soon());
    put(p + "k", "v1");
    Txn sameIncarnation = new Txn(List.of(Compare.createRevision(p + "k", created)), List.of(Op.delete(p + "k")));
    assertThat(store().txn(sameIncarnation, soon()).succeeded()).isFalse();
    assertThat(store().get(p + "k", soon())).isPresent();
  }

  @Test
  void transactionsAreAllOrNothing() {
    put(p + "guard", "g");
    Txn txn = new Txn(
        List.of(Compare.absent(p + "a"), Compare.absent(p + "guard")),
        List.of(Op.put(p + "a", b("1")), Op.put(p + "b", b("2"))));
    TxnResult r = store().txn(txn, soon());
    assertThat(r.succeeded()).isFalse();
    assertThat(r.current()).containsKeys(p + "a", p + "guard");
    assertThat(store().get(p + "a", soon())).isEmpty();
    assertThat(store().get(p + "b", soon())).isEmpty();
  }

  @Test
  void deleteRemovesAndDeletingTheAbsentIsANoOp() {
    put(p + "k", "v");
    assertThat(store().txn(new Txn(List.of(), List.of(Op.delete(p + "k"))), soon()).succeeded()).isTrue();
    assertThat(store().get(p + "k", soon())).isEmpty();
    assertThat(store().txn(new Txn(List.of(), List.of(Op.delete(p + "k"))), soon()).succeeded()).isTrue();
  }

  @Test
  void listReturnsThePrefixInKeyOrder() {
    put(p + "b", "2");
    put(p + "a", "1");
    put(p + "a/x", "3");
    put(p.substring(0, p.length() - 1) + "-other", "no");
    Listing l = store().list(p, soon());
    assertThat(l.kvs()).extracting(KeyValue::key).containsExactly(p + "a", p + "a/x", p + "b");
    assertThat(l.revision()).isGreaterThanOrEqualTo(l.kvs().stream().mapToLong(KeyValue::modRevision).max().orElseThrow());
    assertThat(store().list(p + "zzz", soon()).kvs()).isEmpty();
  }

  @Test
  void watchDeliversHistoryAndNewChangesInOrder() throws Exception {
    put(p + "a", "1");
    long from = store().list(p, soon()).revision();
    put(p + "b", "2");
    BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
    try (AutoCloseable w = store().watch(p, from + 1, events::add)) {
      put(p + "c", "3");
      store().txn(new Txn(List.of(), List.of(Op.delete(p + "b"))), soon());
      WatchEvent e1 = events.poll(10, TimeUnit.SECONDS);
      WatchEvent e2 = events.poll(10, TimeUnit.SECONDS);
      WatchEvent e3 = events.poll(10, TimeUnit.SECONDS);
      assertThat(List.of(e1, e2, e3)).extracting(e -> e.type() + " " + e.kv().key().substring(p.length()))
          .containsExactly("PUT b", "PUT c", "DELETE b");
      assertThat(e1.kv().valueText()).isEqualTo("2");
      assertThat(e2.kv().modRevision()).isGreaterThan(e1.kv().modRevision());
      assertThat(e3.kv().modRevision()).isGreaterThan(e2.kv().modRevision());
    }
    put(p + "d", "4");
    assertThat(events.poll(300, TimeUnit.MILLISECONDS)).as("no events after close").isNull();
  }

  @Test
  void anExpiredDeadlineFailsAsUnavailable() {
    Deadline past = new Deadline(Instant.now().minusSeconds(1), Clock.systemUTC());
    assertThatThrownBy(() -> store().get(p + "k", past)).isInstanceOf(DatastoreUnavailableException.class);
    assertThatThrownBy(() -> store().txn(new Txn(List.of(), List.of(Op.put(p + "k", b("v")))), past))
        .isInstanceOf(DatastoreUnavailableException.class);
  }
}
