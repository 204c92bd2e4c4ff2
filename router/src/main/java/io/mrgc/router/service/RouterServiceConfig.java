package io.mrgc.router.service;

import io.mrgc.router.RouterOptions;
import io.mrgc.state.config.Deployment;
import java.time.Duration;

/**
 * A router service's configuration, read and validated by {@link RouterServiceDefinition}.
 *
 * @param deployment mode, region and DynamoDB endpoint
 * @param router the router's options (listeners, TLS, agent authentication, limits, timeouts); null only when the
 *     region could not be determined (mode aws, none in the file or the SDK's chain: the preflight says so)
 * @param drainDelay on stop: how long the router keeps its listeners open while answering 503 to health checks (so
 *     the front door and load balancers take it out of rotation) before it closes them to new connections
 */
public record RouterServiceConfig(Deployment deployment, RouterOptions router, Duration drainDelay) {
  /**
   * Covers the local front door's detection (2 failed checks 2 s apart, 1 s timeout). In AWS, ECS deregisters the
   * task from the NLB and waits the target group's deregistration delay before SIGTERM, so this only covers health
   * checks still under way.
   */
  public static final Duration DEFAULT_DRAIN_DELAY = Duration.ofSeconds(5);
}
