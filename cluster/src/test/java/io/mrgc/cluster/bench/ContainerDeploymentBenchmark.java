package io.mrgc.cluster.bench;

import io.mrgc.cluster.SteadyLoad;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.cluster.containers.ContainerCluster;
import io.mrgc.cluster.containers.ContainerClusterOptions;
import io.mrgc.failover.ops.FailoverOperations;
import io.mrgc.failover.state.FailoverRowItem;
import io.mrgc.tenant.MrgcClient;
import io.mrgc.tenant.RetryPolicy;
import io.mrgc.wire.keys.DataKeySource;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Issue 12's benchmark (not a test; docs/benchmarks.md, "Containers deployment"): time to ready of the three ways to
 * run the local deployment, measured in one run on one machine; memory per container; and region network cuts on
 * the containers deployment under load.
 *
 * <ol>
 *   <li>Ready: {@code STARTS} times each, in turn (so that machine noise spreads over all three), a user's
 *       {@code mrgc up} (one JVM, 2 agents per region), {@code mrgc up --processes} (2 routers and 1 agent per
 *       region) and {@code mrgc up --containers} (1 router and 1 agent per region), each a JVM of its own with the
 *       command's defaults and a fresh state directory: seconds from the launch to its "ready in" line (JVM start
 *       included), then Ctrl-C.
 *   <li>Memory: every container's resident memory (its JVM) once the containers deployment is ready, idle.
 *   <li>Cuts: {@code CUTS} times, under two closed-loop SDK loads through the front door (2 threads with the SDK's
 *       retries, 2 without), cut the home region's network ({@code mrgc chaos cut}), measure the time until traffic
 *       is on the survivors (the first of 5 consecutive successes of single requests without retries begun after the
 *       cut) and until FAILOVER_ACTIVE, restore, wait for NORMAL at dial 100; count each load's client errors.
 * </ol>
 *
 * <p>Run: {@code cluster/src/test/bench/services-as-processes.sh containers [STARTS [CUTS]]} (defaults 3 and 10; needs podman and the
 * images, as the tests do). Uses the fast failover holds of the tests (seconds) for the cuts.
 */
public final class ContainerDeploymentBenchmark {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final String HOME = "us-east-1";

  private ContainerDeploymentBenchmark() {}

  public static void main(String[] args) {
    ServiceFootprintBenchmark.runAndExit(() -> run(args)); // a failed start must not leave the JVM waiting
  }

  private static void run(String[] args) throws Exception {
    int starts = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int cuts = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Path root = Files.createTempDirectory("mb"); // short: Unix socket paths under it have at most 107 bytes
    Map<String, List<Double>> ready = new LinkedHashMap<>();
    for (int i = 0; i < starts; i++) {
      for (String mode : List.of("one JVM", "processes", "containers")) {
        double seconds = timeToReady(mode, root.resolve("s" + i + mode.charAt(0)));
        ready.computeIfAbsent(mode, m -> new ArrayList<>()).add(seconds);
        System.out.printf(Locale.ROOT, "start %d, %s: ready in %.1f s%n", i + 1, mode, seconds);
      }
    }
    ready.forEach((mode, seconds) -> System.out.printf(Locale.ROOT, "ready, %s: median %.1f s (min %.1f, max %.1f) "
        + "of %d starts%n", mode, percentile(seconds, 50), percentile(seconds, 0), percentile(seconds, 100),
        seconds.size()));
    ContainerClusterOptions c = ContainerClusterOptions.ephemeral(root.resolve("memory"), "mrgcbmem");
    try (ContainerCluster cluster = ContainerCluster.start(new ContainerClusterOptions(c.stateDir(), c.deployment(),
        c.regions(), 1, 1, c.anycastAddresses(), 0, 0, c.image(), c.enclaveImage(), false))) {
      Thread.sleep(5_000);
      printMemory(cluster.memoryBytes());
    }
    if (cuts > 0) {
      cuts(root.resolve("cuts"), cuts);
    }
  }

  private static void cuts(Path dir, int cuts) throws Exception {
    ContainerClusterOptions c = ContainerClusterOptions.ephemeral(dir, "mrgcbcut");
    try (ContainerCluster cluster = ContainerCluster.start(c)) {
      TenantAdmin.Credentials tenant = cluster.createTenant("bench", new TenantAdmin.TenantSettings(List.of(),
          List.of(), 10_000.0, 10_000));
      URI anycast = cluster.anycastUrls().values().iterator().next();
      RetryPolicy patient = RetryPolicy.custom().maxAttempts(10).maxBackoff(Duration.ofSeconds(2))
          .totalBudget(Duration.ofSeconds(60)).build();
      FailoverOperations failover = FailoverOperations.defaults(cluster.stateClient("us-east-2"), cluster.regions(),
          Clock.systemUTC());
      List<Double> toSurvivors = new ArrayList<>();
      List<Double> toFailover = new ArrayList<>();
      long withRetriesErrors = 0;
      long withRetriesTotal = 0;
      long withoutRetriesErrors = 0;
      long withoutRetriesTotal = 0;
      try (MrgcClient retrying = client(cluster, tenant, anycast, patient);
          MrgcClient once = client(cluster, tenant, anycast, RetryPolicy.none())) {
        for (int i = 0; i < cuts; i++) {
          waitFor(Duration.ofSeconds(120), () -> cluster.regions().stream().allMatch(r -> {
            FailoverRowItem row = failover.status(r).join().row();
            return "NORMAL".equals(row.getFailoverState()) && row.getTrafficDial() == 100;
          }));
          try (SteadyLoad withRetries = new SteadyLoad(retrying, MODEL, 2);
              SteadyLoad withoutRetries = new SteadyLoad(once, MODEL, 2)) {
            waitFor(Duration.ofSeconds(30), () -> withRetries.ok.get() > 10 && withoutRetries.ok.get() > 10);
            long cutAt = System.nanoTime();
            cluster.chaos().cut(HOME);
            long firstOfRun = 0;
            int run = 0;
            while (run < 5) {
              long begun = System.nanoTime();
              try {
                once.embed(MODEL, List.of("where am I served?"));
                firstOfRun = run == 0 ? begun : firstOfRun;
                run++;
              } catch (RuntimeException e) {
                run = 0;
              }
            }
            toSurvivors.add((firstOfRun - cutAt) / 1e9);
            waitFor(Duration.ofSeconds(90), () -> "FAILOVER_ACTIVE".equals(
                failover.status(HOME).join().row().getFailoverState()));
            toFailover.add(seconds(cutAt));
            cluster.chaos().restore();
            waitFor(Duration.ofSeconds(120), () -> {
              FailoverRowItem row = failover.status(HOME).join().row();
              return "NORMAL".equals(row.getFailoverState()) && row.getTrafficDial() == 100;
            });
            withRetries.close();
            withoutRetries.close();
            withRetriesErrors += withRetries.errors.get();
            withRetriesTotal += withRetries.total();
            withoutRetriesErrors += withoutRetries.errors.get();
            withoutRetriesTotal += withoutRetries.total();
            System.out.printf(Locale.ROOT, "cut %d: traffic on the survivors after %.1f s, FAILOVER_ACTIVE after "
                + "%.1f s; errors with retries %d of %d, without %d of %d%n", i + 1, toSurvivors.get(i),
                toFailover.get(i), withRetries.errors.get(), withRetries.total(), withoutRetries.errors.get(),
                withoutRetries.total());
          }
        }
      }
      System.out.printf(Locale.ROOT, "%d cuts of %s: traffic on the survivors p50 %.1f s, p95 %.1f s; "
          + "FAILOVER_ACTIVE p50 %.1f s, p95 %.1f s; client errors with the SDK's retries %d of %d, without %d of "
          + "%d%n", cuts, HOME, percentile(toSurvivors, 50), percentile(toSurvivors, 95), percentile(toFailover, 50),
          percentile(toFailover, 95), withRetriesErrors, withRetriesTotal, withoutRetriesErrors, withoutRetriesTotal);
    }
  }

  /**
   * {@code mrgc up} (with {@code --processes} or {@code --containers}) as a user runs it, a JVM of its own on the
   * command's default ports: seconds from the launch to its "ready in" line; then Ctrl-C (SIGINT) and its exit.
   */
  private static double timeToReady(String mode, Path stateDir) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx2g", "-cp", System.getProperty("java.class.path"), "io.mrgc.cluster.Mrgc", "up", "--state-dir",
        stateDir.toString()));
    switch (mode) {
      case "processes" -> command.add("--processes");
      case "containers" -> command.add("--containers");
      default -> { }
    }
    Files.createDirectories(stateDir);
    Path log = stateDir.resolve("up.log");
    long started = System.nanoTime();
    Process up = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      waitFor(Duration.ofSeconds(300), () -> {
        if (!up.isAlive()) {
          throw new IllegalStateException("mrgc up (" + mode + ") exited: " + tail(log));
        }
        return tail(log).contains(" ready in ");
      });
      return seconds(started);
    } finally {
      new ProcessBuilder("kill", "-INT", Long.toString(up.pid())).start().waitFor();
      if (!up.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
        up.destroyForcibly();
      }
    }
  }

  private static String tail(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  private static MrgcClient client(ContainerCluster cluster, TenantAdmin.Credentials tenant, URI endpoint,
      RetryPolicy retries) {
    DataKeySource keys = cluster.tenantKeySource();
    return MrgcClient.builder().endpoint(endpoint).tenant(tenant.tenantId()).apiKey(tenant.apiKey())
        .kmsKeyId(tenant.kmsKeyId()).dataKeySource(keys).caCertificate(cluster.caCertificate())
        .timeout(Duration.ofSeconds(3)).retries(retries).build();
  }

  private static void printMemory(Map<String, Long> bytes) {
    System.out.println("resident memory per container, idle after ready (MiB):");
    bytes.forEach((name, rss) -> System.out.printf(Locale.ROOT, "  %-50s %5d%n", name, rss >> 20));
    System.out.printf(Locale.ROOT, "  %-50s %5d%n", "total", bytes.values().stream().mapToLong(Long::longValue)
        .sum() >> 20);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** The nearest-rank percentile. */
  private static double percentile(List<Double> values, int p) {
    List<Double> sorted = values.stream().sorted().toList();
    int rank = (int) Math.ceil(p / 100.0 * sorted.size()); // p 0: the minimum
    return sorted.get(Math.max(0, rank - 1));
  }

  private static void waitFor(Duration timeout, BooleanSupplier condition) throws InterruptedException,
      IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (IllegalStateException e) {
        throw e; // what was waited for cannot happen any more
      } catch (RuntimeException e) {
        // a read that timed out: not yet
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("condition not met within " + timeout);
      }
      Thread.sleep(200);
    }
  }
}
