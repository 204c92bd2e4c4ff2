package io.mrgc.carwash.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.integrity.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelIntegrityStepTest {
  private static final WashContext CONTEXT = new WashContext("r", 1, 0);

  static Path model(Path root, String name, int files) throws Exception {
    Path dir = root.resolve(name);
    Files.createDirectories(dir.resolve("1"));
    for (int i = 0; i < files; i++) {
      Files.writeString(dir.resolve("1/f" + i + ".bin"), name + "-" + i);
    }
    Files.writeString(dir.resolve(Manifest.FILE_NAME), Manifest.compute(dir).render());
    return dir;
  }

  static void corruptOneByte(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    bytes[0] ^= 0x01;
    Files.write(file, bytes);
  }

  /** Mutable clock for the schedule. */
  static final class TestClock extends Clock {
    final AtomicLong millis = new AtomicLong(1_000_000);

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }
  }

  @Test
  void aCorruptedByteFailsAWashWithinTheDocumentedBoundWhereverItIs(@TempDir Path root) throws Exception {
    // a has 4 files, b has 3: 7 files, slice 3 -> bound ceil(7/3) = 3 washes. Each file in turn is corrupted.
    for (int target = 0; target < 7; target++) {
      Path copy = root.resolve("run" + target);
      Map<String, Path> dirs = Map.of("a", model(copy, "a", 4), "b", model(copy, "b", 3));
      ModelIntegrityStep step = new ModelIntegrityStep(dirs, 3, null, Clock.systemUTC());
      assertThat(step.fullCheck().isPassed()).isTrue();
      assertThat(step.fileCount()).isEqualTo(7);
      assertThat(step.coverageBound()).isEqualTo(3);
      for (int i = 0; i < target % 3; i++) {
        assertThat(step.run(CONTEXT).isPassed()).isTrue(); // rotate the cursor to vary the starting point
      }
      Path bad = target < 4 ? dirs.get("a").resolve("1/f" + target + ".bin")
          : dirs.get("b").resolve("1/f" + (target - 4) + ".bin");
      corruptOneByte(bad);
      int washes = 0;
      StepResult result;
      do {
        result = step.run(CONTEXT);
        washes++;
      } while (result.isPassed() && washes < 10);
      assertThat(result.isPassed()).as("file %s", bad).isFalse();
      assertThat(washes).as("washes to catch %s", bad).isLessThanOrEqualTo(step.coverageBound());
      assertThat(result.detail()).startsWith("slice: " + (target < 4 ? "a" : "b") + ": sha256 mismatch for 1/f");
    }
  }

  @Test
  void sliceDetailsAndTheFirstWashDoesAFullCheck(@TempDir Path root) throws Exception {
    ModelIntegrityStep step = new ModelIntegrityStep(Map.of("m", model(root, "m", 5)), 2, null, Clock.systemUTC());
    assertThat(step.coverageBound()).isZero();
    assertThat(step.run(CONTEXT)).isEqualTo(StepResult.passed("full check: 5 file(s) of 1 model(s) match"));
    assertThat(step.run(CONTEXT).detail()).isEqualTo("slice: 2 of 5 file(s) match (from #0; every file within 3 washes)");
    assertThat(step.run(CONTEXT).detail()).isEqualTo("slice: 2 of 5 file(s) match (from #2; every file within 3 washes)");
    assertThat(step.run(CONTEXT).detail()).isEqualTo("slice: 2 of 5 file(s) match (from #4; every file within 3 washes)");
    assertThat(step.run(CONTEXT).detail()).isEqualTo("slice: 2 of 5 file(s) match (from #1; every file within 3 washes)");
  }

  @Test
  void theScheduleRunsAFullCheckWhichAlsoCatchesUnlistedFiles(@TempDir Path root) throws Exception {
    TestClock clock = new TestClock();
    Path dir = model(root, "m", 2);
    ModelIntegrityStep step = new ModelIntegrityStep(Map.of("m", dir), 1, Duration.ofMinutes(10), clock);
    assertThat(step.fullCheck().isPassed()).isTrue();
    Files.writeString(dir.resolve("1/dropped-in.bin"), "x");
    assertThat(step.run(CONTEXT).detail()).startsWith("slice: 1 of 2");
    clock.millis.addAndGet(Duration.ofMinutes(10).toMillis());
    assertThat(step.run(CONTEXT))
        .isEqualTo(StepResult.failed("full check: m: 1/dropped-in.bin is not listed in manifest.sha256"));
  }

  @Test
  void noModelsAndBadConfiguration() {
    ModelIntegrityStep step = new ModelIntegrityStep(Map.of(), 4, null, Clock.systemUTC());
    assertThat(step.run(CONTEXT)).isEqualTo(StepResult.passed("full check: 0 file(s) of 0 model(s) match"));
    assertThat(step.run(CONTEXT)).isEqualTo(StepResult.passed("no model files to check"));
    assertThatThrownBy(() -> new ModelIntegrityStep(Map.of(), 0, null, Clock.systemUTC()))
        .hasMessage("integrity slice size must be at least 1, got 0");
    assertThatThrownBy(() -> new ModelIntegrityStep(Map.of(), 1, Duration.ZERO, Clock.systemUTC()))
        .hasMessage("full check interval must be positive, got PT0S");
  }
}
