package io.mrgc.cluster;

import io.mrgc.state.CleanupValidationRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.StateClient;
import io.mrgc.state.WriteRejectedException;
import io.mrgc.state.items.CleanupValidationItem;
import io.mrgc.state.items.CleanupValidationStepItem;
import io.mrgc.state.items.GpuInstanceItem;
import java.io.PrintStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/** {@code mrgc instance ...}: one GPU instance's recent washes, and returning a quarantined one to service. */
@Command(name = "instance", mixinStandardHelpOptions = true, description = "One GPU instance.",
    subcommands = {InstanceCommand.History.class, InstanceCommand.Release.class})
final class InstanceCommand implements Runnable {
  @Override
  public void run() {
    System.out.println("use `mrgc instance history ID` or `mrgc instance release ID` (see --help)");
  }

  /** Where the state is. */
  static class Endpoint {
    @Option(names = "--dynamodb-endpoint", description = "DynamoDB of the local cluster (default: ${DEFAULT-VALUE}).")
    URI endpoint = URI.create("http://127.0.0.1:" + LocalClusterOptions.DEFAULT_DYNAMODB_PORT);
  }

  @Command(name = "history", mixinStandardHelpOptions = true,
      description = "The instance's recent washes from cleanup_validation, newest first.")
  static final class History extends Endpoint implements Callable<Integer> {
    @Parameters(index = "0", description = "Instance id, e.g. i-local-us-east-1-1.")
    String instanceId;

    @Option(names = "--limit", description = "How many washes (default: ${DEFAULT-VALUE}).")
    int limit = 20;

    @Override
    public Integer call() {
      if (limit < 1 || limit > 1000) {
        throw new IllegalArgumentException("--limit must be between 1 and 1000, but was " + limit);
      }
      try (var http = NettyNioAsyncHttpClient.builder().build();
          StateClient client = StateClient.local(endpoint, "us-east-1", http)) {
        print(System.out, instanceId, new CleanupValidationRepository(client).listRecent(instanceId, limit).join());
        return 0;
      }
    }

    static void print(PrintStream out, String instanceId, List<CleanupValidationItem> washes) {
      if (washes.isEmpty()) {
        out.println("no washes recorded for " + instanceId + " (rows expire after their TTL)");
        return;
      }
      out.println("COMPLETED                  REQUEST                               OUTCOME    TOTAL-MS  FIRST FAILING STEP");
      for (CleanupValidationItem wash : washes) {
        String failing = wash.getSteps().stream().filter(s -> !"PASSED".equals(s.getOutcome())
                && !"SKIPPED".equals(s.getOutcome()))
            .findFirst().map(InstanceCommand.History::describe).orElse("-");
        long millis = Long.parseLong(wash.getCompletedAtRequest().split("#", 2)[0]);
        out.printf("%-26s %-37s %-9s %9.2f  %s%n", Instant.ofEpochMilli(millis), wash.getRequestId(),
            wash.getOutcome(), wash.getTotalMicros() / 1000.0, failing);
      }
    }

    private static String describe(CleanupValidationStepItem step) {
      return step.getName() + " " + step.getOutcome() + (step.getDetail() == null ? "" : ": " + step.getDetail());
    }
  }

  @Command(name = "release", mixinStandardHelpOptions = true,
      description = "Return a QUARANTINED instance to READY after its cause was fixed.")
  static final class Release extends Endpoint implements Callable<Integer> {
    @Parameters(index = "0", description = "Instance id.")
    String instanceId;

    @Option(names = "--reason", required = true,
        description = "What was fixed (kept in the instance's row for the next reader).")
    String reason;

    @Option(names = "--operator", description = "Who releases it (default: $USER, ${DEFAULT-VALUE}).")
    String operator = System.getProperty("user.name", "sre");

    static final int RELEASE_ATTEMPTS = 5;

    @Override
    public Integer call() {
      if (reason.isBlank() || reason.length() > 200) {
        throw new IllegalArgumentException("--reason must say what was fixed, in 1 to 200 characters");
      }
      try (var http = NettyNioAsyncHttpClient.builder().build();
          StateClient client = StateClient.local(endpoint, "us-east-1", http)) {
        GpuInstanceRepository instances = new GpuInstanceRepository(client);
        // The quarantined agent still heart-beats its row: a put can lose the version race to a beat, so re-read
        // and try again (the state check is made on each fresh read).
        for (int attempt = 1; ; attempt++) {
          GpuInstanceItem row = instances.findById(instanceId).join();
          if (row == null) {
            throw new IllegalArgumentException("no instance " + instanceId + " in gpu_instances");
          }
          if (!InstanceState.QUARANTINED.name().equals(row.getState())) {
            throw new IllegalStateException("instance " + instanceId + " is " + row.getState()
                + ", not QUARANTINED: nothing to release");
          }
          row.setState(InstanceState.READY.name());
          row.setStateReason("released by " + operator + ": " + reason);
          try {
            instances.put(row).join(); // versioned: refused if the instance changed its row meanwhile
            break;
          } catch (CompletionException e) {
            if (!(e.getCause() instanceof WriteRejectedException) || attempt == RELEASE_ATTEMPTS) {
              throw e;
            }
          }
        }
        System.out.println("instance " + instanceId + " released: its agent checks every model file in full, then "
            + "serves again (READY), or quarantines it again if the cause is still there; see `mrgc status`");
        return 0;
      }
    }
  }
}
