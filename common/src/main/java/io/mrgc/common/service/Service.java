package io.mrgc.common.service;

import io.vertx.core.Future;
import java.time.Duration;

/**
 * A component of the design running as a service: started from its configuration by {@link ServiceRunner} (one per
 * process, {@code mrgc serve ...}) or by {@code mrgc up} (all in one JVM), stopped gracefully on SIGTERM.
 */
public interface Service {
  /** Starts; completes when the service is ready to take work. */
  Future<Void> start();

  /**
   * Stops taking work, finishes what is in flight within {@code grace}, gives up what others should take over
   * (leases), then releases everything. Completes with a one-line account of what was done, for the stop log line.
   */
  Future<String> stop(Duration grace);

  /** The service's meters (served as Prometheus text on its admin port), also published as EMF lines in AWS. */
  default java.util.Optional<io.micrometer.core.instrument.MeterRegistry> meters() {
    return java.util.Optional.empty();
  }
}
