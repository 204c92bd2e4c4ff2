package io.mrgc.cluster;

import io.mrgc.router.pick.Scoring;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.RoutingStateItem;
import java.io.PrintStream;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/** {@code mrgc status}: regions with failover state and dial, instances with their load and routing score. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show regions (failover state, traffic dial) and instances (state, load, latency, health, score).")
final class StatusCommand implements Callable<Integer> {
  @Option(names = "--dynamodb-endpoint", description = "DynamoDB endpoint of the local cluster (default: ${DEFAULT-VALUE}).")
  URI endpoint = URI.create("http://127.0.0.1:" + LocalClusterOptions.DEFAULT_DYNAMODB_PORT);

  @Override
  public Integer call() {
    try (var http = NettyNioAsyncHttpClient.builder().build();
        StateClient client = StateClient.local(endpoint, "us-east-1", http)) {
      List<RoutingStateItem> regions;
      List<GpuInstanceItem> instances;
      try {
        regions = new RoutingStateRepository(client).listRegions().get(5, TimeUnit.SECONDS);
        instances = new GpuInstanceRepository(client).listAll().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("mrgc status: cannot read DynamoDB at " + endpoint + " (is `./mrgc up` running? "
            + "use --dynamodb-endpoint for another address): " + rootMessage(e));
        return 1;
      }
      print(System.out, regions, instances, System.currentTimeMillis());
      return 0;
    }
  }

  static void print(PrintStream out, List<RoutingStateItem> regions, List<GpuInstanceItem> instances, long now) {
    out.println("REGION       FAILOVER          DIAL  INSTANCES  READY  WASHING  QUARANTINED");
    regions.stream().sorted(Comparator.comparing(RoutingStateItem::getRegion)).forEach(region -> {
      List<GpuInstanceItem> mine = instances.stream().filter(i -> region.getRegion().equals(i.getRegion())).toList();
      out.printf("%-12s %-16s %4d%%  %9d  %5d  %7d  %11d%n", region.getRegion(), region.getFailoverState(),
          region.getTrafficDial(), mine.size(), count(mine, InstanceState.READY), count(mine, InstanceState.WASHING),
          count(mine, InstanceState.QUARANTINED));
    });
    out.println();
    out.println("INSTANCE                  REGION       STATE        QUEUE  IN-FLIGHT  LATENCY-MS  HEALTH  "
        + "HEARTBEAT-AGE  SCORE");
    List<GpuInstanceItem> sorted = instances.stream()
        .sorted(Comparator.comparing(GpuInstanceItem::getRegion).thenComparing(GpuInstanceItem::getInstanceId))
        .toList();
    sorted.forEach(i -> out.printf("%-25s %-12s %-12s %5d  %9d  %10.1f  %6d  %12.1fs  %5.1f%n",
        i.getInstanceId(), i.getRegion(), i.getState(), i.getQueueDepth(), i.getInFlight(), i.getLatencyEwmaMs(),
        i.getHealth(), (now - i.getHeartbeatAtMillis()) / 1000.0,
        Scoring.score(i.load(), i.getLatencyEwmaMs(), i.getHealth())));
    out.println();
    out.println("SCORE = 0.5 queue + 0.3 latency + 0.2 health (0..100, higher is better), from the shared snapshot; "
        + "routers add their own in-flight counts.");
    printNotServing(out, sorted);
  }

  /** Instances out of service for a reason an SRE should read: washing (enclave restart, full check), quarantined. */
  private static void printNotServing(PrintStream out, List<GpuInstanceItem> instances) {
    List<GpuInstanceItem> held = instances.stream()
        .filter(i -> is(i, InstanceState.WASHING) || is(i, InstanceState.QUARANTINED)).toList();
    if (held.isEmpty()) {
      return;
    }
    out.println();
    out.println("WASHING / QUARANTINED     STATE        REASON");
    held.forEach(i -> out.printf("%-25s %-12s %s%n", i.getInstanceId(), i.getState(),
        i.getStateReason() == null ? "-" : i.getStateReason()));
    if (held.stream().anyMatch(i -> is(i, InstanceState.QUARANTINED))) {
      out.println("A quarantined instance receives no request: `mrgc instance history ID` shows its failed wash; after "
          + "the fix, `mrgc instance release ID --reason TEXT` (docs/runbooks/quarantined-instance.md).");
    }
  }

  private static long count(List<GpuInstanceItem> instances, InstanceState state) {
    return instances.stream().filter(i -> is(i, state)).count();
  }

  private static boolean is(GpuInstanceItem instance, InstanceState state) {
    return state.name().equals(instance.getState());
  }

  private static String rootMessage(Throwable error) {
    Throwable current = error;
    while (current.getCause() != null) {
      current = current.getCause();
    }
    return current.getClass().getSimpleName() + (current.getMessage() == null ? "" : ": " + current.getMessage());
  }
}
