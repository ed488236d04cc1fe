package io.calyx.policy.store;

import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.policy.Profile;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Listing;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import io.calyx.core.store.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Group profiles in the datastore, one document per group under {@code /calyx/v1/profiles/<name>}.
 * A group's profile is created on first use ({@link #getOrCreate}) with {@link Profile#defaultFor}; operators
 * then edit it ({@link #put}), and agents follow the edits through {@link #watch}.
 */
public final class Profiles {
  public static final String ROOT = "/calyx/v1/profiles/";
  private final Datastore store;

  public Profiles(Datastore store) {
    this.store = store;
  }

  /** {@code /calyx/v1/profiles/<name>}: group names are a safe key segment ({@code [A-Za-z0-9_.-]}). */
  public static String key(GroupName name) {
    return ROOT + name.value();
  }

  /**
   * The stored profile of {@code name}.
   *
   * @throws ProfileDocumentException when the stored document is unreadable
   */
  public Optional<Profile> get(GroupName name, Deadline deadline) {
    return store.get(key(name), deadline).map(Profiles::decode);
  }

  /**
   * The stored profile of {@code name}, created as {@link Profile#defaultFor} when there is none. Creation is
   * one put-if-absent transaction, so agents racing to create it agree on one document and an operator's
   * edit made meanwhile is never overwritten.
   */
  public Profile getOrCreate(GroupName name, Deadline deadline) {
    Optional<Profile> existing = get(name, deadline);
    if (existing.isPresent()) {
      return existing.get();
    }
    Profile fresh = Profile.defaultFor(name);
    String key = key(name);
    TxnResult r = store.txn(new Txn(List.of(Compare.absent(key)), List.of(Op.put(key, ProfileCodec.encode(fresh)))), deadline);
    if (r.succeeded()) {
      return fresh;
    }
    // Someone created it between our read and our transaction: theirs stands.
    Optional<KeyValue> now = r.current().getOrDefault(key, Optional.empty());
    return now.map(Profiles::decode).orElseGet(() -> getOrCreate(name, deadline));
  }

  /** Creates or replaces a profile (an operator's edit). */
  public void put(Profile profile, Deadline deadline) {
    String key = key(profile.name());
    store.txn(new Txn(List.of(), List.of(Op.put(key, ProfileCodec.encode(profile)))), deadline);
  }

  /**
   * Deletes a profile; agents fall back to its default until it is created again.
   *
   * @throws InvalidValueException when there is no such profile
   */
  public void delete(GroupName name, Deadline deadline) {
    String key = key(name);
    if (store.get(key, deadline).isEmpty()) {
      throw new InvalidValueException("profile", "no profile " + name + " (calyxctl profile list)");
    }
    store.txn(new Txn(List.of(), List.of(Op.delete(key))), deadline);
  }

  /** Every profile, with the store revision the listing reflects (watch from {@code revision + 1}). */
  public Listed list(Deadline deadline) {
    Listing l = store.list(ROOT, deadline);
    List<Profile> out = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    for (KeyValue kv : l.kvs()) {
      try {
        out.add(decode(kv));
      } catch (ProfileDocumentException e) {
        unreadable.add(e.getMessage());
      }
    }
    return new Listed(out, unreadable, l.revision());
  }

  /**
   * The profiles under {@link #ROOT}.
   *
   * @param profiles the readable ones, in key order
   * @param unreadable one message per document that could not be read (it is skipped, not guessed at)
   * @param revision the store revision of the listing
   */
  public record Listed(List<Profile> profiles, List<String> unreadable, long revision) {
    public Listed {
      profiles = List.copyOf(profiles);
      unreadable = List.copyOf(unreadable);
    }
  }

  /**
   * Streams profile changes from {@code fromRevision} on to {@code listener} until the handle is closed.
   * Each event is decoded: a put of an unreadable document arrives as {@link ProfileEvent.Unreadable}.
   */
  public AutoCloseable watch(long fromRevision, Consumer<ProfileEvent> listener) {
    return store.watch(ROOT, fromRevision, e -> listener.accept(event(e)));
  }

  static ProfileEvent event(WatchEvent e) {
    String key = e.kv().key();
    String name = key.substring(ROOT.length());
    if (e.type() == WatchEvent.Type.DELETE) {
      try {
        return new ProfileEvent.Deleted(GroupName.of(name), e.kv().modRevision());
      } catch (InvalidValueException x) {
        return new ProfileEvent.Unreadable(key, x.getMessage(), e.kv().modRevision());
      }
    }
    try {
      return new ProfileEvent.Changed(decode(e.kv()), e.kv().modRevision());
    } catch (ProfileDocumentException x) {
      return new ProfileEvent.Unreadable(key, x.getMessage(), e.kv().modRevision());
    }
  }

  private static Profile decode(KeyValue kv) {
    Profile p = ProfileCodec.decode(kv.key(), kv.value());
    if (!key(p.name()).equals(kv.key())) {
      throw new ProfileDocumentException(kv.key(), "its name " + p.name() + " does not match its key");
    }
    return p;
  }

  /** A change seen by {@link #watch}. */
  public sealed interface ProfileEvent {
    long revision();

    /** A profile was created or edited. */
    record Changed(Profile profile, long revision) implements ProfileEvent {}

    /** A profile was deleted. */
    record Deleted(GroupName name, long revision) implements ProfileEvent {}

    /** A document under the prefix could not be read; the previous version stays in force. */
    record Unreadable(String key, String problem, long revision) implements ProfileEvent {}
  }
}
