package io.mrgc.cluster.bench;

import io.mrgc.cluster.SteadyLoad;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.cluster.frontdoor.FrontDoorOptions;
import io.mrgc.cluster.frontdoor.Regions;
import io.mrgc.cluster.processes.ChildProcess;
import io.mrgc.cluster.processes.ProcessCluster;
import io.mrgc.cluster.processes.ProcessClusterOptions;
import io.mrgc.tenant.MrgcClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Issue 11's start-up time and resident memory per service of the processes deployment (not a test;
 * docs/benchmarks.md, "Services as processes"). Starts {@code mrgc up --processes} as the command does
 * ({@link ProcessCluster} with 3 regions x 2 routers, 1 agent per region, the AWS failover holds; free ports instead of
 * the fixed ones) {@code STARTS} times, each from a fresh state directory, and for each start records:
 *
 * <ul>
 *   <li>the wall time of {@link ProcessCluster#start} (until every region serves: the command's "ready");
 *   <li>each service's "NAME ready in N ms (transport T)" line from its log (routers, control processes, front door,
 *       and the agents the control processes' fleets launched), and the JVM's age at that line (the simple logger's
 *       time stamp is milliseconds since the JVM started, so it includes JVM start and configuration);
 *   <li>every process's VmRSS 5 s after ready (idle), and its peak over one-second samples while {@code THREADS}
 *       closed-loop tenant SDK threads send encrypted embeddings through the front door for {@code LOAD_SECONDS};
 *       the same for this JVM (DynamoDB Local, the key ring, the load's SDK) and the total.
 * </ul>
 *
 * <p>Run (after {@code mvn -B -q -o -pl cluster -am test-compile -DskipTests}):
 * {@code cluster/src/test/bench/services-as-processes.sh footprint [STARTS [LOAD_SECONDS [THREADS]]]} (defaults 3, 25,
 * 4); prints the tables at the end. About 2 minutes per start.
 */
public final class ServiceFootprintBenchmark {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final Pattern READY = Pattern.compile(
      "^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*? (\\S+) ready in (\\d+) ms \\(transport (\\w+)\\)");
  private static final List<String> KINDS = List.of("router", "agent", "control", "front-door");

  /** One process of one start: its kind, ready line numbers and memory. */
  record Sample(String kind, String name, long readyMs, long jvmAgeMs, String transport, long idleRss, long peakRss) {}

  /** One start: its wall time, the parent's and the total's memory, the load it carried. */
  record Start(double seconds, long parentIdle, long parentPeak, long totalIdle, long totalPeak, long ok, long errors,
      double loadSeconds) {}

  private ServiceFootprintBenchmark() {}

  public static void main(String[] args) {
    runAndExit(() -> run(args));
  }

  /** A benchmark's body, which may throw. */
  interface Body {
    void run() throws Exception;
  }

  /**
   * Runs a benchmark's main body and ends the JVM: 0, or 1 with the stack trace when it failed. Vert.x's, the SDK's
   * and DynamoDB Local's non-daemon threads would otherwise keep it (and what it started) running after a failure.
   */
  static void runAndExit(Body body) {
    int exit = 1;
    try {
      body.run();
      exit = 0;
    } catch (Exception | Error e) {
      e.printStackTrace();
    } finally {
      System.exit(exit);
    }
  }

  private static void run(String[] args) throws Exception {
    int starts = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int loadSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    List<Sample> samples = new ArrayList<>();
    List<Start> runs = new ArrayList<>();
    for (int s = 1; s <= starts; s++) {
      runs.add(runOnce(s, loadSeconds, threads, samples));
    }
    System.out.print(report(samples, runs, loadSeconds, threads));
  }

  private static Start runOnce(int index, int loadSeconds, int threads, List<Sample> samples) throws Exception {
    Path stateDir = Files.createTempDirectory("footprint-bench-");
    ProcessClusterOptions options = new ProcessClusterOptions(stateDir, 0, Regions.ALL,
        ProcessClusterOptions.DEFAULT_ROUTERS_PER_REGION, ProcessClusterOptions.DEFAULT_AGENTS_PER_REGION, 0, 0, 0,
        FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES, 0, 0, false, false, false);
    long t0 = System.nanoTime();
    boolean keep = false;
    try (ProcessCluster cluster = ProcessCluster.start(options)) {
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<ChildProcess, String> kinds = processes(cluster);
      System.out.printf(Locale.ROOT, "start %d: ready in %.1f s (%d processes)%n", index, seconds, kinds.size());
      Thread.sleep(5_000);
      Map<ChildProcess, Long> idle = new LinkedHashMap<>();
      kinds.keySet().forEach(p -> idle.put(p, p.residentBytes()));
      long parentIdle = ChildProcess.residentBytes(ProcessHandle.current().pid());
      long totalIdle = parentIdle + idle.values().stream().mapToLong(Long::longValue).sum();

      TenantAdmin.Credentials tenant = cluster.createTenant("footprint",
          new TenantAdmin.TenantSettings(List.of(), List.of(), 100_000.0, 100_000));
      Map<ChildProcess, Long> peak = new LinkedHashMap<>(idle);
      long parentPeak = parentIdle;
      long totalPeak = totalIdle;
      long ok;
      long errors;
      long loadStart;
      double loadTook;
      try (MrgcClient sdk = MrgcClient.builder().endpoint(cluster.anycastUrls().values().iterator().next())
          .tenant(tenant.tenantId()).apiKey(tenant.apiKey()).kmsKeyId(tenant.kmsKeyId())
          .dataKeySource(cluster.tenantKeySource()).caCertificate(cluster.caCertificate()).build()) {
        loadStart = System.nanoTime();
        SteadyLoad load = new SteadyLoad(sdk, MODEL, threads);
        try {
          for (int second = 0; second < loadSeconds; second++) {
            Thread.sleep(1_000);
            long total = 0;
            for (ChildProcess p : kinds.keySet()) {
              long rss = p.residentBytes();
              peak.merge(p, rss, Math::max);
              total += Math.max(0, rss);
            }
            long parent = ChildProcess.residentBytes(ProcessHandle.current().pid());
            parentPeak = Math.max(parentPeak, parent);
            totalPeak = Math.max(totalPeak, total + parent);
          }
        } finally {
          load.close();
        }
        loadTook = (System.nanoTime() - loadStart) / 1e9;
        ok = load.ok.get();
        errors = load.errors.get();
        if (load.firstError != null) {
          System.out.println("first error: " + load.firstError);
        }
      }
      List<String> dead = kinds.keySet().stream().filter(p -> !p.alive()).map(ChildProcess::toString).toList();
      if (!dead.isEmpty() || errors > 0) {
        keep = true;
        System.out.printf("start %d: %d errors; processes that exited under load: %s; logs kept in %s%n", index,
            errors, dead, options.deployDir());
      }
      for (Map.Entry<ChildProcess, String> e : kinds.entrySet()) {
        ChildProcess p = e.getKey();
        long[] ready = readyLine(p);
        samples.add(new Sample(e.getValue(), p.name(), ready[0], ready[1], transport(p), idle.get(p), peak.get(p)));
      }
      System.out.printf(Locale.ROOT, "start %d: total %d MiB idle, %d MiB peak under load (%d ok, %d errors, "
          + "%.1f req/s)%n", index, totalIdle >> 20, totalPeak >> 20, ok, errors, ok / loadTook);
      return new Start(seconds, parentIdle, parentPeak, totalIdle, totalPeak, ok, errors, loadTook);
    } finally {
      if (!keep) {
        deleteQuietly(stateDir);
      }
    }
  }

  /** Every service process of the deployment with its kind, agents included. */
  private static Map<ChildProcess, String> processes(ProcessCluster cluster) {
    Map<ChildProcess, String> kinds = new LinkedHashMap<>();
    for (String region : cluster.regions()) {
      cluster.routers(region).forEach(p -> kinds.put(p, "router"));
      cluster.agents(region).forEach(p -> kinds.put(p, "agent"));
      kinds.put(cluster.control(region), "control");
    }
    kinds.put(cluster.frontDoor(), "front-door");
    return kinds;
  }

  /**
   * {ready in ms, JVM age at that line in ms (-1 unknown)} from the process's log: its time stamp (wall clock, this
   * machine's zone, today) less the process's start time from /proc.
   */
  private static long[] readyLine(ChildProcess process) throws IOException {
    java.util.Optional<java.time.Instant> started = ProcessHandle.of(process.pid())
        .flatMap(h -> h.info().startInstant());
    for (String line : Files.readAllLines(process.log())) {
      Matcher m = READY.matcher(line);
      if (m.find()) {
        long age = started.map(s -> java.time.LocalTime.parse(m.group(1)).atDate(java.time.LocalDate.now())
            .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli() - s.toEpochMilli()).orElse(-1L);
        return new long[] {Long.parseLong(m.group(3)), age};
      }
    }
    throw new IllegalStateException("no ready line in " + process.log());
  }

  private static String transport(ChildProcess process) throws IOException {
    for (String line : Files.readAllLines(process.log())) {
      Matcher m = READY.matcher(line);
      if (m.find()) {
        return m.group(4);
      }
    }
    return "?";
  }

  static String report(List<Sample> samples, List<Start> runs, int loadSeconds, int threads) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%n%d starts; load: %d SDK threads for %d s through the front door%n%n",
        runs.size(), threads, loadSeconds));
    out.append("| service | processes | ready in (log), ms | JVM age at ready, ms | RSS idle, MiB | RSS peak under "
        + "load, MiB | transport |\n|---|---|---|---|---|---|---|\n");
    for (String kind : KINDS) {
      List<Sample> of = samples.stream().filter(s -> s.kind().equals(kind)).toList();
      out.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s |%n", kind, of.size(),
          range(of.stream().mapToLong(Sample::readyMs).toArray(), 1),
          range(of.stream().mapToLong(Sample::jvmAgeMs).toArray(), 1),
          range(of.stream().mapToLong(Sample::idleRss).toArray(), 1 << 20),
          range(of.stream().mapToLong(Sample::peakRss).toArray(), 1 << 20),
          String.join(",", of.stream().map(Sample::transport).distinct().toList())));
    }
    out.append(String.format(Locale.ROOT, "| parent (DynamoDB Local, key ring, SDK) | %d | | | %s | %s | |%n",
        runs.size(), range(runs.stream().mapToLong(Start::parentIdle).toArray(), 1 << 20),
        range(runs.stream().mapToLong(Start::parentPeak).toArray(), 1 << 20)));
    out.append(String.format(Locale.ROOT, "| **total** | %d | | | %s | %s | |%n",
        samples.size() / runs.size() + 1, range(runs.stream().mapToLong(Start::totalIdle).toArray(), 1 << 20),
        range(runs.stream().mapToLong(Start::totalPeak).toArray(), 1 << 20)));
    out.append("\nmin / median / max over every process of the kind in every start (total, parent: over the starts)\n\n");
    out.append("| start | ProcessCluster.start() s | total RSS idle MiB | total RSS peak MiB | load req/s | errors |\n"
        + "|---|---|---|---|---|---|\n");
    for (int i = 0; i < runs.size(); i++) {
      Start r = runs.get(i);
      out.append(String.format(Locale.ROOT, "| %d | %.1f | %d | %d | %.1f | %d |%n", i + 1, r.seconds(),
          r.totalIdle() >> 20, r.totalPeak() >> 20, r.ok() / r.loadSeconds(), r.errors()));
    }
    double[] secs = runs.stream().mapToDouble(Start::seconds).sorted().toArray();
    out.append(String.format(Locale.ROOT, "%nProcessCluster.start(): median %.1f s, range %.1f .. %.1f s%n",
        secs[secs.length / 2], secs[0], secs[secs.length - 1]));
    samples.stream().sorted(Comparator.comparing(Sample::kind).thenComparing(Sample::name)).forEach(s ->
        out.append(String.format(Locale.ROOT, "  %s %s: ready in %d ms, JVM age %d ms, idle %d MiB, peak %d MiB%n",
            s.kind(), s.name(), s.readyMs(), s.jvmAgeMs(), s.idleRss() >> 20, s.peakRss() >> 20)));
    return out.toString();
  }

  /** "min / median / max" of {@code values} divided by {@code unit}. */
  private static String range(long[] values, long unit) {
    long[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    if (sorted.length == 0 || sorted[0] < 0) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%d / %d / %d", sorted[0] / unit, sorted[(sorted.length - 1) / 2] / unit,
        sorted[sorted.length - 1] / unit);
  }

  static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // a temp directory left behind
    }
  }
}
