package io.calyx.agent.mesos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.agent.mesos.LeakTracker.Candidate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class LeakTrackerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration GRACE = Duration.ofMinutes(10);

  /** One round for the allocation {@code net:c1:eth0} of container {@code c1}. */
  private record Step(int minute, String state, long revision, boolean released) {
    static Step of(String text) {
      // "<minute> <live|absent|gone|unavailable> [r<revision>] [release]"
      String[] words = text.split(" ");
      long revision = 1;
      boolean release = false;
      for (int i = 2; i < words.length; i++) {
        if (words[i].startsWith("r") && !words[i].equals("release")) {
          revision = Long.parseLong(words[i].substring(1));
        } else if (words[i].equals("release")) {
          release = true;
        }
      }
      return new Step(Integer.parseInt(words[0]), words[1], revision, release);
    }
  }

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("absent for the grace period", List.of(
            "0 absent", "5 absent", "9 absent", "10 absent release", "11 absent release")),
        Arguments.of("live all along", List.of("0 live", "10 live", "20 live", "30 live")),
        Arguments.of("back before the grace period ends", List.of(
            "0 absent", "8 live", "9 absent", "18 absent", "19 absent release")),
        Arguments.of("revision changed: waits again", List.of(
            "0 absent r1", "5 absent r2", "10 absent r2", "14 absent r2", "15 absent r2 release")),
        Arguments.of("unavailable round restarts the wait", List.of(
            "0 absent", "5 unavailable", "10 absent", "15 absent", "19 absent", "20 absent release")),
        Arguments.of("unavailable when due: nothing released", List.of(
            "0 absent", "10 unavailable", "11 absent", "20 absent", "21 absent release")),
        Arguments.of("no longer allocated: forgotten", List.of(
            "0 absent", "5 gone", "6 absent", "15 absent", "16 absent release")),
        Arguments.of("clock stepped back: restarts there", List.of(
            "0 absent", "-5 absent", "4 absent", "5 absent release")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void followsTheGraceAndRevisionRule(String name, List<String> steps) {
    LeakTracker tracker = new LeakTracker(GRACE);
    for (String text : steps) {
      Step step = Step.of(text);
      Instant now = T0.plus(Duration.ofMinutes(step.minute()));
      Candidate allocation = new Candidate("net:c1:eth0", "c1", step.revision());
      List<Candidate> released = switch (step.state()) {
        case "unavailable" -> {
          tracker.observeUnavailable();
          yield List.of();
        }
        case "live" -> tracker.observe(List.of(allocation), Set.of("c1", "other"), now);
        case "absent" -> tracker.observe(List.of(allocation), Set.of("other"), now);
        case "gone" -> tracker.observe(List.of(), Set.of("other"), now);
        default -> throw new IllegalArgumentException(text);
      };
      assertThat(released).as("%s: %s", name, text).isEqualTo(step.released() ? List.of(allocation) : List.of());
    }
  }

  @Test
  void nestedContainerIsLiveWhenMesosNamesItsOwnPartOnly() {
    LeakTracker tracker = new LeakTracker(GRACE);
    Candidate nested = new Candidate("net:p1.c1:eth0", "p1.c1", 7);
    for (int minute = 0; minute <= 30; minute += 5) {
      // GET_CONTAINERS answers the nested container as "c1"; its parent "p1" is listed too.
      assertThat(tracker.observe(List.of(nested), Set.of("p1", "c1"), T0.plus(Duration.ofMinutes(minute)))).isEmpty();
      assertThat(tracker.observe(List.of(nested), Set.of("p1.c1"), T0.plus(Duration.ofMinutes(minute)))).isEmpty();
    }
    assertThat(tracker.suspects()).isZero();
  }

  @Test
  void nestedContainerWhoseParentLivesOnIsStillReleased() {
    LeakTracker tracker = new LeakTracker(GRACE);
    Candidate nested = new Candidate("net:p1.c1:eth0", "p1.c1", 7);
    assertThat(tracker.observe(List.of(nested), Set.of("p1", "c2"), T0)).isEmpty();
    assertThat(tracker.observe(List.of(nested), Set.of("p1", "c2"), T0.plus(GRACE))).containsExactly(nested);
  }

  @Test
  void zeroGraceReleasesOnTheFirstObservation() {
    LeakTracker tracker = new LeakTracker(Duration.ZERO);
    Candidate a = new Candidate("net:a:eth0", "a", 1);
    Candidate b = new Candidate("net:b:eth0", "b", 2);
    assertThat(tracker.observe(List.of(b, a), Set.of(), T0)).containsExactly(a, b);
  }

  @Test
  void countsSuspectsAndForgetsThemWhenUnavailable() {
    LeakTracker tracker = new LeakTracker(GRACE);
    List<Candidate> allocations = List.of(
        new Candidate("net:a:eth0", "a", 1), new Candidate("net:b:eth0", "b", 1), new Candidate("net:c:eth0", "c", 1));
    tracker.observe(allocations, Set.of("a"), T0);
    assertThat(tracker.suspects()).isEqualTo(2);
    tracker.observeUnavailable();
    assertThat(tracker.suspects()).isZero();
    assertThat(tracker.observe(allocations, Set.of("a"), T0.plus(GRACE))).isEmpty();
    assertThat(tracker.suspects()).isEqualTo(2);
  }

  @Test
  void refusesADuplicateHandleAndANegativeGrace() {
    LeakTracker tracker = new LeakTracker(GRACE);
    assertThatThrownBy(() -> tracker.observe(
            List.of(new Candidate("net:a:eth0", "a", 1), new Candidate("net:a:eth0", "a", 2)), Set.of(), T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("net:a:eth0");
    assertThatThrownBy(() -> new LeakTracker(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
  }

  /** One generated round: null allocations = Mesos could not be asked. */
  private record Round(Instant now, List<Candidate> allocations, Set<String> live) {}

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946})
  void agreesWithAReferenceModelOnRandomHistories(long seed) {
    Random random = new Random(seed);
    Duration grace = Duration.ofMinutes(random.nextInt(21));
    int handles = 1 + random.nextInt(8);
    List<Round> rounds = history(random, handles, 40 + random.nextInt(160));
    LeakTracker tracker = new LeakTracker(grace);
    for (int i = 0; i < rounds.size(); i++) {
      Round round = rounds.get(i);
      if (round.allocations() == null) {
        tracker.observeUnavailable();
        assertThat(tracker.suspects()).isZero();
        continue;
      }
      List<Candidate> released = tracker.observe(round.allocations(), round.live(), round.now());
      assertThat(released).as("seed %d, round %d", seed, i).isEqualTo(expectedReleases(rounds, i, grace));
      for (Candidate c : released) {
        assertThat(LeakTracker.isLive(c.containerId(), round.live())).as("seed %d: released a live container", seed).isFalse();
      }
      long absent = round.allocations().stream().filter(c -> !LeakTracker.isLive(c.containerId(), round.live())).count();
      assertThat(tracker.suspects()).as("seed %d, round %d", seed, i).isEqualTo((int) absent);
    }
  }

  private static List<Round> history(Random random, int handles, int count) {
    String[] containers = new String[handles];
    long[] revisions = new long[handles];
    double[] liveness = new double[handles];
    for (int h = 0; h < handles; h++) {
      containers[h] = random.nextBoolean() ? "p" + h + ".c" + h : "c" + h;
      revisions[h] = 100 + h;
      liveness[h] = random.nextDouble();
    }
    List<Round> rounds = new ArrayList<>();
    Instant now = T0;
    for (int i = 0; i < count; i++) {
      now = now.plus(Duration.ofMinutes(random.nextInt(8)));
      if (random.nextDouble() < 0.1) {
        rounds.add(new Round(now, null, null));
        continue;
      }
      List<Candidate> allocations = new ArrayList<>();
      Set<String> live = new HashSet<>(Set.of("unrelated"));
      for (int h = 0; h < handles; h++) {
        if (random.nextDouble() < 0.05) {
          revisions[h]++;
        }
        if (random.nextDouble() < 0.9) {
          allocations.add(new Candidate("net:" + containers[h] + ":eth0", containers[h], revisions[h]));
        }
        if (random.nextDouble() < liveness[h]) {
          // Mesos names a nested container by its own part, the checkpoint directory by the full id.
          String id = containers[h];
          live.add(random.nextBoolean() ? id : id.substring(id.lastIndexOf('.') + 1));
        }
      }
      java.util.Collections.shuffle(allocations, random);
      rounds.add(new Round(now, allocations, live));
    }
    return rounds;
  }

  /**
   * The rule restated over the whole history: an allocation is released in round {@code i} when there is
   * a round {@code j <= i}, at least {@code grace} earlier, such that every round from {@code j} to {@code i}
   * was available and saw the same allocation (container and revision) without a live container.
   */
  private static List<Candidate> expectedReleases(List<Round> rounds, int i, Duration grace) {
    List<Candidate> out = new ArrayList<>();
    for (Candidate c : rounds.get(i).allocations()) {
      int j = i;
      while (j >= 0 && suspectIn(rounds.get(j), c)) {
        j--;
      }
      int first = j + 1;
      if (first <= i && Duration.between(rounds.get(first).now(), rounds.get(i).now()).compareTo(grace) >= 0) {
        out.add(c);
      }
    }
    out.sort(java.util.Comparator.comparing(Candidate::handle));
    return out;
  }

  private static boolean suspectIn(Round round, Candidate c) {
    return round.allocations() != null
        && round.allocations().contains(c)
        && !LeakTracker.isLive(c.containerId(), round.live());
  }
}
