package io.mrgc.failover.dials;

import io.mrgc.common.Check;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.globalaccelerator.GlobalAcceleratorAsyncClient;
import software.amazon.awssdk.services.globalaccelerator.GlobalAcceleratorAsyncClientBuilder;

/**
 * Traffic dials on AWS Global Accelerator: {@code UpdateEndpointGroup} with {@code TrafficDialPercentage} on the
 * region's endpoint group (ARN per region from configuration), through an async client pinned to us-west-2, where the
 * GA API lives whichever region calls it.
 *
 * <p>The control plane may be unreachable exactly when a region fails (us-west-2 itself, or the path to it), so
 * nothing waits for it: {@link #apply} returns at once, a failed call is retried with exponential backoff until it
 * succeeds or a newer dial replaces it, and {@link #status} shows the attempts and the last error. Evacuation does
 * not depend on it (routers fail their health check, GA's health checks are data plane); gradual failback and
 * planned drains wait for it (the state machine gates their steps on the applied dial).
 */
public final class GlobalAcceleratorDials implements TrafficDials, AutoCloseable {
  public static final Region API_REGION = Region.US_WEST_2;
  public static final String ACTUATOR = "global-accelerator";
  /** One call's limit: a hung call must not hold the retry loop (the SDK's own retries are off; ours count). */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(GlobalAcceleratorDials.class);

  private final GlobalAcceleratorAsyncClient client;
  private final Map<String, String> endpointGroupArns;
  private final Backoff backoff;
  private final RetryScheduler scheduler;
  private final Clock clock;
  private final ScheduledExecutorService ownExecutor;
  private final Map<String, Target> targets = new HashMap<>();

  /** Per region: the dial asked for and where the calls stand. Guarded by {@code this}. */
  private static final class Target {
    int requested;
    Integer applied;
    int attempts;
    String lastError;
    Instant lastAttemptAt;
    Instant nextAttemptAt;
    boolean inFlight;
    boolean retryScheduled;
    /** Bumped by every new dial, so a retry of a replaced one does nothing. */
    long generation;
    CompletableFuture<DialStatus> attemptDone = new CompletableFuture<>();
  }

  /**
   * The client to pass in AWS: region us-west-2, the default credential chain unless {@code credentials} is given,
   * {@link #CALL_TIMEOUT} per call and no SDK retries. {@code endpointOverride} is for tests (null in AWS).
   */
  public static GlobalAcceleratorAsyncClient newClient(AwsCredentialsProvider credentials, URI endpointOverride) {
    GlobalAcceleratorAsyncClientBuilder builder = GlobalAcceleratorAsyncClient.builder()
        .region(API_REGION)
        .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT).retryStrategy(AwsRetryStrategy.doNotRetry()));
    if (credentials != null) {
      builder.credentialsProvider(credentials);
    }
    if (endpointOverride != null) {
      builder.endpointOverride(endpointOverride);
    }
    return builder.build();
  }

  /** With retries on a daemon thread of its own (closed by {@link #close}) and the system clock. */
  public GlobalAcceleratorDials(GlobalAcceleratorAsyncClient client, Map<String, String> endpointGroupArns,
      Backoff backoff) {
    this(client, endpointGroupArns, backoff, null, Clock.systemUTC());
  }

  public GlobalAcceleratorDials(GlobalAcceleratorAsyncClient client, Map<String, String> endpointGroupArns,
      Backoff backoff, RetryScheduler scheduler, Clock clock) {
    this.client = Check.notNull("client", client);
    this.endpointGroupArns = Map.copyOf(Check.notNull("endpointGroupArns", endpointGroupArns));
    this.backoff = Check.notNull("backoff", backoff);
    this.clock = Check.notNull("clock", clock);
    if (scheduler == null) {
      this.ownExecutor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ga-dial-retries");
        t.setDaemon(true);
        return t;
      });
      this.scheduler = RetryScheduler.on(ownExecutor);
    } else {
      this.ownExecutor = null;
      this.scheduler = scheduler;
    }
  }

  @Override
  public CompletableFuture<DialStatus> apply(DialRequest request) {
    String region = request.region();
    if (!endpointGroupArns.containsKey(region)) {
      DialStatus status = new DialStatus(region, ACTUATOR, request.percent(), null, 0,
          "no endpoint group ARN configured for region " + region, null, null);
      return CompletableFuture.completedFuture(status);
    }
    long generation;
    synchronized (this) {
      Target t = targets.computeIfAbsent(region, r -> new Target());
      boolean same = t.requested == request.percent() && t.generation > 0;
      if (same && (t.inFlight || t.retryScheduled || Integer.valueOf(request.percent()).equals(t.applied))) {
        return t.inFlight ? t.attemptDone : CompletableFuture.completedFuture(snapshot(region, t));
      }
      t.requested = request.percent();
      t.attempts = 0;
      t.lastError = null;
      t.nextAttemptAt = null;
      t.retryScheduled = false;
      t.generation++;
      if (t.inFlight) {
        return t.attemptDone; // the call under way finishes first, then this dial goes out at once
      }
      generation = t.generation;
    }
    return attempt(region, generation);
  }

  private CompletableFuture<DialStatus> attempt(String region, long generation) {
    int percent;
    CompletableFuture<DialStatus> done;
    synchronized (this) {
      Target t = targets.get(region);
      if (t.generation != generation || t.inFlight) {
        return t.attemptDone;
      }
      t.retryScheduled = false;
      t.inFlight = true;
      t.attempts++;
      t.lastAttemptAt = clock.instant();
      t.nextAttemptAt = null;
      t.attemptDone = new CompletableFuture<>();
      percent = t.requested;
      done = t.attemptDone;
    }
    CompletableFuture<?> call;
    try {
      call = client.updateEndpointGroup(b -> b
          .endpointGroupArn(endpointGroupArns.get(region))
          .trafficDialPercentage((float) percent));
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete((response, error) -> finished(region, generation, percent, error));
    return done;
  }

  private void finished(String region, long generation, int percent, Throwable error) {
    DialStatus status;
    CompletableFuture<DialStatus> done;
    boolean resendNewer = false;
    synchronized (this) {
      Target t = targets.get(region);
      t.inFlight = false;
      done = t.attemptDone;
      if (error == null) {
        t.applied = percent;
        if (t.generation == generation) {
          t.lastError = null;
          LOG.info("global accelerator: {} dial {} % applied after {} attempt(s)", region, percent, t.attempts);
        }
      } else if (t.generation == generation) {
        if (t.lastError == null) {
          LOG.warn("global accelerator: {} dial {} % not applied, retrying with backoff: {}", region, percent,
              describe(error));
        }
        t.lastError = describe(error);
        Duration delay = backoff.delay(t.attempts);
        t.nextAttemptAt = clock.instant().plus(delay);
        t.retryScheduled = true;
        scheduler.schedule(delay, () -> attempt(region, generation));
      }
      resendNewer = t.generation != generation;
      status = snapshot(region, t);
    }
    if (resendNewer) {
      long newest;
      synchronized (this) {
        newest = targets.get(region).generation;
      }
      attempt(region, newest).thenAccept(done::complete);
    } else {
      done.complete(status);
    }
  }

  @Override
  public synchronized DialStatus status(String region) {
    Target t = targets.get(region);
    if (t == null) {
      return endpointGroupArns.containsKey(region) ? DialStatus.unknown(region, ACTUATOR)
          : new DialStatus(region, ACTUATOR, null, null, 0, "no endpoint group ARN configured for region " + region,
              null, null);
    }
    return snapshot(region, t);
  }

  private static DialStatus snapshot(String region, Target t) {
    return new DialStatus(region, ACTUATOR, t.requested, t.applied, t.attempts, t.lastError, t.lastAttemptAt,
        t.nextAttemptAt);
  }

  static String describe(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && !(cause instanceof AwsServiceException)) {
      cause = cause.getCause();
    }
    if (cause instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
      String code = aws.awsErrorDetails().errorCode() != null ? aws.awsErrorDetails().errorCode()
          : "HTTP " + aws.statusCode();
      String message = aws.awsErrorDetails().errorMessage();
      return code + (message == null ? "" : ": " + message);
    }
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }

  /** Stops retrying (the client is the caller's to close). */
  @Override
  public void close() {
    if (ownExecutor != null) {
      ownExecutor.shutdownNow();
    }
  }
}
