package io.calyx.cli;

import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.policy.Profile;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.policy.store.ProfileCodec;
import io.calyx.policy.store.ProfileDocumentException;
import io.calyx.policy.store.Profiles;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Read-modify-write of one profile as a compare-and-swap on its revision: an edit made meanwhile (another
 * operator, an agent creating the default) is re-read and the change applied to it, never overwritten.
 */
final class ProfileEdit {
  private static final int MAX_ATTEMPTS = 10;

  private ProfileEdit() {}

  /** The stored profile of {@code name}, if any. */
  static Optional<Profile> read(Datastore store, GroupName name, Deadline deadline) {
    return store.get(Profiles.key(name), deadline).map(kv -> decode(name, kv));
  }

  private static Profile decode(GroupName name, KeyValue kv) {
    Profile p = ProfileCodec.decode(kv.key(), kv.value());
    if (!p.name().equals(name)) {
      throw new ProfileDocumentException(kv.key(), "its name " + p.name() + " does not match its key");
    }
    return p;
  }

  /**
   * Applies {@code change} to the stored profile ({@code absent} decides what a missing one is: its
   * default, or a refusal) and writes the result if nobody changed it meanwhile. Returns the written profile.
   */
  static Profile apply(Datastore store, GroupName name, UnaryOperator<Profile> change, java.util.function.Function<GroupName, Profile> absent,
      Deadline deadline) {
    String key = Profiles.key(name);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Optional<KeyValue> kv = store.get(key, deadline);
      Profile current = kv.map(k -> decode(name, k)).orElseGet(() -> absent.apply(name));
      Profile next = change.apply(current);
      Compare unchanged = kv.map(k -> Compare.modRevision(key, k.modRevision())).orElse(Compare.absent(key));
      if (store.txn(new Txn(List.of(unchanged), List.of(Op.put(key, ProfileCodec.encode(next)))), deadline).succeeded()) {
        return next;
      }
    }
    throw new UserError("profile " + name + " kept changing while being edited; try again");
  }
}
