package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.failover.ops.FailoverOperations;
import io.mrgc.failover.state.FailoverRowItem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the deployment tests (processes, containers) read from a running deployment: metrics, rows, waits. */
public final class DeploymentProbes {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private DeploymentProbes() {}

  /** A service's Prometheus text from its admin listener. */
  public static String metrics(URI admin) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(admin.resolve("/metrics")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** The sum of {@code family}'s samples whose labels contain {@code labels}. */
  public static double sum(String text, String family, String labels) {
    double total = 0;
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(family) + "(\\{[^}]*})? ([0-9.eE+-]+)$").matcher(text);
    while (m.find()) {
      if (m.group(1) == null ? labels.isEmpty() : m.group(1).contains(labels)) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  public static FailoverRowItem row(FailoverOperations failover, String region) {
    return failover.status(region).join().row();
  }

  /**
   * Polls every 200 ms until {@code condition} holds; fails naming {@code what} after 90 s. A condition that throws
   * (a read that timed out on a busy machine) counts as not yet; the last such failure is in the message.
   */
  public static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    RuntimeException lastFailure = null;
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        lastFailure = e;
      }
      assertThat(System.nanoTime()).as("waiting for %s (last failure: %s)", what, lastFailure).isLessThan(deadline);
      Thread.sleep(200);
    }
  }
}
