package io.calyx.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The moment by which an operation must have finished or rolled back. Every request carries one (from the
 * network config's {@code timeout_seconds}), so no datastore or kernel call can hang a container launch.
 */
public record Deadline(Instant at, Clock clock) {
  public static Deadline in(Duration budget, Clock clock) {
    return new Deadline(clock.instant().plus(budget), clock);
  }

  /** Time left; zero or negative once expired. */
  public Duration remaining() {
    return Duration.between(clock.instant(), at);
  }

  public boolean expired() {
    return !remaining().isPositive();
  }

  /** The earlier of this deadline and {@code budget} from now. */
  public Deadline capped(Duration budget) {
    Instant other = clock.instant().plus(budget);
    return other.isBefore(at) ? new Deadline(other, clock) : this;
  }
}
