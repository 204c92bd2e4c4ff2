package io.mrgc.cluster;

import io.mrgc.cluster.frontdoor.Regions;
import io.mrgc.state.AutoscalingStateRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.AutoscalingStateItem;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/** {@code mrgc scale ...}: the autoscalers' view per region, and an SRE override of a region's capacity. */
@Command(name = "scale", mixinStandardHelpOptions = true, description = "Region capacity (autoscaling).",
    subcommands = {ScaleCommand.Status.class, ScaleCommand.Set.class})
final class ScaleCommand implements Runnable {
  @Override
  public void run() {
    System.out.println("use `mrgc scale status` or `mrgc scale set REGION N --for 30m` (see --help)");
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Desired, current, launching and draining instances per region, and the last decision and why.")
  static final class Status extends InstanceCommand.Endpoint implements Callable<Integer> {
    @Override
    public Integer call() {
      try (var http = NettyNioAsyncHttpClient.builder().build();
          StateClient client = StateClient.local(endpoint, "us-east-1", http)) {
        AutoscalingStateRepository rows = new AutoscalingStateRepository(client);
        PrintStream out = System.out;
        long now = System.currentTimeMillis();
        out.println("REGION       DESIRED  CURRENT  LAUNCHING  DRAINING  RPS     METRICS  OVERRIDE              "
            + "LAST DECISION");
        for (String region : Regions.ALL) {
          AutoscalingStateItem row = rows.get(region).join();
          if (row == null) {
            out.printf("%-12s (no autoscaler has written this region; is `mrgc up --autoscale` running?)%n", region);
            continue;
          }
          String override = row.overrideActiveAt(now)
              ? row.getDesiredCapacity() + " until " + Instant.ofEpochMilli(row.getOverrideUntilMillis())
                  + (row.getOverrideBy() == null ? "" : " by " + row.getOverrideBy())
              : "-";
          out.printf("%-12s %7s  %7d  %9d  %8d  %-6s  %-7s  %-20s  %s %s: %s%n", region,
              row.getDesiredCapacity() == null ? "-" : row.getDesiredCapacity(), row.getCurrent(), row.getLaunching(),
              row.getDraining(), row.getRps() == null ? "-" : String.format("%.1f", row.getRps()),
              row.getMetricsStatus() == null ? "-" : row.getMetricsStatus(), override,
              row.getDecidedAtMillis() == 0 ? "-" : Instant.ofEpochMilli(row.getDecidedAtMillis()),
              row.getLastDirection() == null ? "" : row.getLastDirection(),
              row.getLastReason() == null ? "" : row.getLastReason());
        }
        return 0;
      }
    }
  }

  @Command(name = "set", mixinStandardHelpOptions = true,
      description = "Override a region's desired capacity for a while; the autoscaler resumes after it expires.")
  static final class Set extends InstanceCommand.Endpoint implements Callable<Integer> {
    @Parameters(index = "0", description = "Region, one of us-east-1, us-east-2, us-west-2.")
    String region;

    @Parameters(index = "1", description = "Desired instances (1..20; the autoscaler's max clamps it).")
    int desired;

    @Option(names = "--for", required = true, converter = DurationConverter.class,
        description = "How long the override holds, e.g. 30m (at most 24h).")
    Duration duration;

    @Option(names = "--by", description = "Who sets it, for the audit (default: ${DEFAULT-VALUE}).")
    String by = System.getProperty("user.name", "sre");

    @Override
    public Integer call() {
      Regions.nearestFirst(region);
      if (desired < 1 || desired > 20) {
        throw new IllegalArgumentException("desired instances must be between 1 and 20, but was " + desired);
      }
      if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofHours(24)) > 0) {
        throw new IllegalArgumentException("--for must be between 1s and 24h, but was " + duration);
      }
      try (var http = NettyNioAsyncHttpClient.builder().build();
          StateClient client = StateClient.local(endpoint, "us-east-1", http)) {
        long now = System.currentTimeMillis();
        new AutoscalingStateRepository(client).setOverride(region, desired, now + duration.toMillis(), by, now).join();
        System.out.println(region + ": desired " + desired + " until " + Instant.ofEpochMilli(now + duration.toMillis())
            + " (set by " + by + ")");
        return 0;
      }
    }
  }
}
