package io.mrgc.cluster.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.agent.NodeAgent;
import io.mrgc.agent.model.ModelLoadTimings;
import io.mrgc.agent.model.ModelRepository;
import io.mrgc.agent.model.ModelSource;
import io.mrgc.agent.model.OrtSessions;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.cluster.LocalCluster;
import io.mrgc.cluster.LocalClusterOptions;
import io.mrgc.cluster.MrgcRun;
import io.mrgc.cluster.models.ModelDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's benchmark (not a test; docs/benchmarks.md "Models through the model store").
 *
 * <p>1. Model load from the model store against a raw sequential read of the same files with {@code dd} (the
 * baseline, measured in the same run, alternating with the agent's load): the read part's throughput ratio (goal
 * >= 0.8), with the verify (sha256 of every file and the per-chunk hashes) and session-creation parts timed
 * separately; cold (page cache dropped before each read, where this machine allows it) and warm.
 *
 * <p>2. Time from {@code mrgc model publish} to the version AVAILABLE and to served by every instance of a local
 * cluster (3 regions x 2 agents), and the agents' own load timings meanwhile.
 *
 * <p>Run: {@code mvn -B -o -q -pl cluster test -Dgroups=benchmark -DexcludedGroups=none -Dtest='ModelStoreBenchmark'};
 * the tables land in {@code cluster/target/surefire-reports/io.mrgc.cluster.bench.ModelStoreBenchmark-output.txt}.
 */
@Tag("benchmark")
class ModelStoreBenchmark {
  private static final int ROUNDS = 7;
  private static final int PUBLISHES = 3;
  private static final Pattern DD_SECONDS = Pattern.compile("copied, ([0-9.eE+-]+) s");
  private static final Pattern AVAILABLE_AFTER = Pattern.compile("AVAILABLE after (\\d+) ms");
  private static final Pattern SERVED_AFTER = Pattern.compile("served by (\\d+)/(\\d+) instances after (\\d+) ms");

  @TempDir
  Path tmp;

  @Test
  void loadFromTheModelStoreAgainstDd() throws Exception {
    Path root = tmp.resolve("models");
    ModelInstaller.installBundled(root);
    OrtSessions sessions = new OrtSessions("cpu", 0);
    ModelRepository repository = new ModelRepository(root, sessions);
    boolean canDropCaches = dropCaches();
    System.out.printf(Locale.ROOT, "page cache drop before cold reads: %s%n", canDropCaches ? "yes" : "NOT POSSIBLE");
    System.out.println("| model | cache | MiB | dd MiB/s | agent read MiB/s | read ratio | verify ms | session ms |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (ModelInstaller.BundledModel model : ModelInstaller.BUNDLED) {
      Path dir = root.resolve(model.name());
      List<Path> files = Manifest.read(model.name(), dir).files().stream().map(dir::resolve).toList();
      load(repository, model.name()); // first session creation in this JVM pays ONNX Runtime's own start
      for (boolean cold : canDropCaches ? List.of(true, false) : List.of(false)) {
        double[] ddRates = new double[ROUNDS];
        double[] readRates = new double[ROUNDS];
        double[] verifyMs = new double[ROUNDS];
        double[] sessionMs = new double[ROUNDS];
        long bytes = 0;
        for (int round = 0; round < ROUNDS; round++) {
          if (cold) {
            dropCaches();
          }
          Dd dd = dd(files);
          bytes = dd.bytes();
          ddRates[round] = mib(dd.bytes()) / dd.seconds();
          if (cold) {
            dropCaches();
          }
          ModelLoadTimings load = load(repository, model.name());
          assertThat(load.bytes()).isEqualTo(dd.bytes());
          readRates[round] = load.readMibPerSecond();
          verifyMs[round] = load.verifyNanos() / 1e6;
          sessionMs[round] = load.sessionNanos() / 1e6;
        }
        double ddMedian = median(ddRates);
        double readMedian = median(readRates);
        System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.0f | %.0f | %.2f | %.0f | %.0f |%n", model.name(),
            cold ? "cold" : "warm", mib(bytes), ddMedian, readMedian, readMedian / ddMedian, median(verifyMs),
            median(sessionMs));
      }
    }
  }

  @Test
  void publishToServedEverywhere() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(LocalClusterOptions.ephemeral(tmp.resolve("state")))) {
      cluster.awaitServing(Duration.ofSeconds(60));
      System.out.println("| publish | model | MiB | AVAILABLE after ms | served by all after ms | agents' load ms "
          + "(min-max) | of which read / verify / session / warm-up ms (max) |");
      System.out.println("|---|---|---|---|---|---|---|");
      int n = 0;
      for (int i = 0; i < PUBLISHES; i++) {
        for (ModelInstaller.BundledModel model : ModelInstaller.BUNDLED) {
          String name = "bench-" + (model == ModelInstaller.MINILM ? "fp32" : "q") + "-" + i;
          Path source = ModelDirs.named(tmp.resolve("sources"), name, model);
          MrgcRun run = MrgcRun.against(cluster.dynamoDb().endpoint(), "model", "publish", source.toString(),
              "--name", name, "--model-root", cluster.modelRoot().toString(), "--wait-served=120s");
          assertThat(run.exit()).as(run.out() + run.err()).isZero();
          Matcher available = AVAILABLE_AFTER.matcher(run.out());
          Matcher served = SERVED_AFTER.matcher(run.out());
          assertThat(available.find() && served.find()).as(run.out()).isTrue();
          assertThat(served.group(1)).isEqualTo(served.group(2));
          List<ModelLoadTimings> loads = new ArrayList<>();
          for (NodeAgent agent : cluster.agents().values()) {
            agent.modelLoads().stream().filter(t -> t.name().equals(name)).forEach(loads::add);
          }
          System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %s | %s | %d-%d | %d / %d / %d / %d |%n", ++n, name,
              mib(loads.get(0).bytes()), available.group(1), served.group(3),
              millis(loads.stream().mapToLong(ModelLoadTimings::totalNanos).min().orElse(0)),
              millis(loads.stream().mapToLong(ModelLoadTimings::totalNanos).max().orElse(0)),
              millis(loads.stream().mapToLong(ModelLoadTimings::readNanos).max().orElse(0)),
              millis(loads.stream().mapToLong(ModelLoadTimings::verifyNanos).max().orElse(0)),
              millis(loads.stream().mapToLong(ModelLoadTimings::sessionNanos).max().orElse(0)),
              millis(loads.stream().mapToLong(ModelLoadTimings::warmUpNanos).max().orElse(0)));
          MrgcRun retired = MrgcRun.against(cluster.dynamoDb().endpoint(), "model", "retire", name, "--version",
              "1");
          assertThat(retired.exit()).as(retired.err()).isZero();
        }
      }
    }
  }

  private static ModelLoadTimings load(ModelRepository repository, String name) throws Exception {
    ModelRepository.Loaded loaded = repository.load(ModelSource.unregistered(name),
        ModelRepository.FootprintCheck.NONE);
    loaded.model().close();
    return loaded.timings(0);
  }

  private record Dd(long bytes, double seconds) {}

  /** {@code dd} of each file to /dev/null in 8 MiB blocks, as dd itself times it (no process start counted). */
  private static Dd dd(List<Path> files) throws IOException, InterruptedException {
    long bytes = 0;
    double seconds = 0;
    for (Path file : files) {
      Process dd = new ProcessBuilder("dd", "if=" + file, "of=/dev/null", "bs=8M").redirectErrorStream(true).start();
      String out = new String(dd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(dd.waitFor()).as(out).isZero();
      Matcher copied = DD_SECONDS.matcher(out);
      assertThat(copied.find()).as(out).isTrue();
      seconds += Double.parseDouble(copied.group(1));
      bytes += Files.size(file);
    }
    return new Dd(bytes, seconds);
  }

  /** Drops the page cache (root only); false where this machine does not allow it. */
  private static boolean dropCaches() {
    try {
      new ProcessBuilder("sync").start().waitFor();
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
      return true;
    } catch (IOException | InterruptedException | SecurityException e) {
      return false;
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024);
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }
}
