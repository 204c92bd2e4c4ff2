package io.mrgc.carwash.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.integrity.ChunkedModel;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelIntegrityStepTest {
  private static final WashContext CONTEXT = new WashContext("r", 1, 0);

  /** A model whose files have the given sizes in bytes (content varies by model, file and offset). */
  static Path model(Path root, String name, int... sizes) throws Exception {
    Path dir = root.resolve(name);
    Files.createDirectories(dir.resolve("1"));
    for (int i = 0; i < sizes.length; i++) {
      byte[] bytes = new byte[sizes[i]];
      for (int b = 0; b < bytes.length; b++) {
        bytes[b] = (byte) (b * 31 + i * 7 + name.hashCode());
      }
      Files.write(dir.resolve("1/f" + i + ".bin"), bytes);
    }
    Files.writeString(dir.resolve(Manifest.FILE_NAME), Manifest.compute(dir).render());
    return dir;
  }

  static void flipByte(Path file, long offset) throws Exception {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0x01);
    }
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
  void aFullCheckOfBytesAlreadyReadKeepsTheChunksADiskCheckKeepsAndRefusesAChangedByte(@TempDir Path root)
      throws Exception {
    Path a = model(root, "a", 250, 0, 101);
    Manifest manifest = Manifest.parse("a", a, Manifest.readBytes("a", a));
    Map<String, byte[]> contents = new HashMap<>();
    for (String file : manifest.files()) {
      contents.put(file, Files.readAllBytes(a.resolve(file)));
    }
    List<ChunkedModel.Chunk> fromBytes = ChunkedModel.verify(manifest, contents, 100).chunks();
    List<ChunkedModel.Chunk> fromDisk = ChunkedModel.verify("a", a, 100).chunks();
    assertThat(fromBytes).hasSize(3 + 1 + 2).hasSameSizeAs(fromDisk);
    for (int i = 0; i < fromDisk.size(); i++) {
      ChunkedModel.Chunk disk = fromDisk.get(i);
      ChunkedModel.Chunk memory = fromBytes.get(i);
      assertThat(List.of(memory.file(), memory.fileSize(), memory.index(), memory.count(), memory.offset(),
          memory.length())).isEqualTo(List.of(disk.file(), disk.fileSize(), disk.index(), disk.count(), disk.offset(),
          disk.length()));
      assertThat(memory.sha256()).isEqualTo(disk.sha256());
    }

    ModelIntegrityStep step = new ModelIntegrityStep(100, 1000, null, Clock.systemUTC());
    step.add("a", a, ChunkedModel.verify(manifest, contents, step.chunkBytes()));
    assertThat(step.chunkCount()).isEqualTo(6);
    assertThat(step.run(CONTEXT).isPassed()).isTrue();
    step.remove("a");
    assertThat(step.chunkCount()).isZero();

    contents.get("1/f0.bin")[7] ^= 1;
    assertThatThrownBy(() -> ChunkedModel.verify(manifest, contents, 100)).isInstanceOf(ManifestException.class)
        .hasMessageContaining("sha256 mismatch for 1/f0.bin");
  }

  @Test
  void aCorruptedByteFailsAWashWithinTheDocumentedBoundWhereverItIs(@TempDir Path root) throws Exception {
    // Chunks of 100 bytes, 250 bytes per wash -> K = 2. a: 250 + 100 bytes = 3 + 1 chunks; b: 0 + 301 bytes =
    // 1 + 4 chunks. C = 9 chunks -> bound ceil(9 / 2) = 5 washes. Every byte position class is tried.
    long[][] targets = {{0, 0}, {0, 249}, {0, 120}, {1, 99}, {3, 0}, {3, 300}, {3, 150}};
    for (int t = 0; t < targets.length; t++) {
      Path copy = root.resolve("run" + t);
      Path a = model(copy, "a", 250, 100);
      Path b = model(copy, "b", 0, 301);
      ModelIntegrityStep step = new ModelIntegrityStep(100, 250, null, Clock.systemUTC());
      step.add("a", a);
      step.add("b", b);
      assertThat(step.chunkCount()).isEqualTo(9);
      assertThat(step.chunksPerWash()).isEqualTo(2);
      assertThat(step.coverageBound()).isEqualTo(5);
      for (int i = 0; i < t % 5; i++) {
        assertThat(step.run(CONTEXT).isPassed()).isTrue(); // vary the rotation's starting point
      }
      int file = (int) targets[t][0];
      Path bad = file < 2 ? a.resolve("1/f" + file + ".bin") : b.resolve("1/f" + (file - 2) + ".bin");
      flipByte(bad, targets[t][1]);
      int washes = 0;
      StepResult result;
      do {
        result = step.run(CONTEXT);
        washes++;
      } while (result.isPassed() && washes < 20);
      assertThat(result.isPassed()).as("%s byte %s", bad, targets[t][1]).isFalse();
      assertThat(washes).as("washes to catch %s", bad).isLessThanOrEqualTo(step.coverageBound());
      assertThat(result.detail()).startsWith("chunks: " + (file < 2 ? "a" : "b") + ": 1/f")
          .contains("does not match its sha256 from the last full check");
    }
  }

  @Test
  void aWashReadsKChunksAndTheDetailSaysWhich(@TempDir Path root) throws Exception {
    ModelIntegrityStep step = new ModelIntegrityStep(1024, 2048, null, Clock.systemUTC());
    assertThat(step.run(CONTEXT)).isEqualTo(StepResult.passed("no model files to check"));
    step.add("m", model(root, "m", 3000, 10));
    assertThat(step.chunkCount()).isEqualTo(4);
    assertThat(step.run(CONTEXT).detail()).isEqualTo("chunks: 2 of 4 match (from #0; every chunk within 2 washes)");
    assertThat(step.run(CONTEXT).detail()).isEqualTo("chunks: 2 of 4 match (from #2; every chunk within 2 washes)");
    assertThat(step.run(CONTEXT).detail()).isEqualTo("chunks: 2 of 4 match (from #0; every chunk within 2 washes)");
  }

  @Test
  void theFullCheckComparesWholeFilesWithTheManifestAndCatchesUnlistedFiles(@TempDir Path root) throws Exception {
    Path dir = model(root, "m", 500, 20);
    flipByte(dir.resolve("1/f1.bin"), 3);
    ModelIntegrityStep step = new ModelIntegrityStep(100, 100, null, Clock.systemUTC());
    assertThatThrownBy(() -> step.add("m", dir)).isInstanceOf(ManifestException.class)
        .hasMessageStartingWith("m: sha256 mismatch for 1/f1.bin (manifest ");
    flipByte(dir.resolve("1/f1.bin"), 3);
    step.add("m", dir);
    assertThat(step.fullCheck()).isEqualTo(StepResult.passed("full check: 6 chunk(s) of 1 model(s) match"));
    Files.writeString(dir.resolve("1/dropped-in.bin"), "x");
    assertThat(step.fullCheckStep().run(CONTEXT))
        .isEqualTo(StepResult.failed("full check: m: 1/dropped-in.bin is not listed in manifest.sha256"));
    assertThat(step.fullCheckStep().name()).isEqualTo("model-integrity-full");
  }

  @Test
  void aFileThatGrowsOrShrinksFailsEvenWhereItsChunksStillMatch(@TempDir Path root) throws Exception {
    Path dir = model(root, "m", 200);
    ModelIntegrityStep step = new ModelIntegrityStep(100, 1000, null, Clock.systemUTC());
    step.add("m", dir);
    Files.write(dir.resolve("1/f0.bin"), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
    assertThat(step.run(CONTEXT).detail())
        .isEqualTo("chunks: m: 1/f0.bin changed size since the last full check (200 -> 201 bytes)");
  }

  @Test
  void theScheduleAsksForAFullCheckAndModelsThatFailedToLoadLeaveTheRotation(@TempDir Path root)
      throws Exception {
    TestClock clock = new TestClock();
    ModelIntegrityStep step = new ModelIntegrityStep(100, 100, Duration.ofMinutes(10), clock);
    step.add("a", model(root, "a", 100));
    step.add("b", model(root, "b", 300));
    assertThat(step.fullCheckDue()).isFalse();
    clock.millis.addAndGet(Duration.ofMinutes(10).toMillis());
    assertThat(step.fullCheckDue()).isTrue();
    assertThat(step.fullCheck().isPassed()).isTrue();
    assertThat(step.fullCheckDue()).isFalse();
    step.retainOnly(Set.of("b"));
    assertThat(step.chunkCount()).isEqualTo(3);
    assertThat(new ModelIntegrityStep(100, 100, null, clock).fullCheckDue()).isFalse();
  }

  @Test
  void badConfiguration() {
    assertThatThrownBy(() -> new ModelIntegrityStep(0, 1, null, Clock.systemUTC()))
        .hasMessage("integrity chunk size must be at least 1 byte, got 0");
    assertThatThrownBy(() -> new ModelIntegrityStep(1, 0, null, Clock.systemUTC()))
        .hasMessage("integrity bytes per wash must be at least 1, got 0");
    assertThatThrownBy(() -> new ModelIntegrityStep(1, 1, Duration.ZERO, Clock.systemUTC()))
        .hasMessage("full check interval must be positive, got PT0S");
    assertThat(new ModelIntegrityStep(1 << 20, 1, null, Clock.systemUTC()).chunksPerWash()).isEqualTo(1);
  }
}
