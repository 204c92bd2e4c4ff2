package io.mrgc.common.service;

import io.mrgc.common.config.ConfigReader;
import java.time.Duration;

/**
 * What every service process has, whatever it is: the network transport, how long it may take to start and how long
 * a graceful stop may take (ECS waits {@code stopTimeout}, 30 s by default, before SIGKILL: keep grace below it).
 */
public record ProcessSettings(boolean preferNativeTransport, Duration startTimeout, Duration shutdownGrace,
    Emf emf, Duration emfInterval) {
  /** CloudWatch Embedded Metric Format lines on stdout: auto is on in mode aws, off in mode local. */
  public enum Emf {
    AUTO,
    ON,
    OFF
  }

  /** Which transport Netty uses: epoll when the native library loads, else nio; or nio always. */
  public enum Transport {
    AUTO,
    NIO
  }

  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(120);
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(20);

  static ProcessSettings read(ConfigReader reader) {
    ConfigReader process = reader.section("process");
    Transport transport = process.choice("transport", Transport.AUTO, Transport.class,
        "Netty transport: auto uses epoll on Linux when its native library loads (logged at start), nio forces NIO");
    Duration start = process.duration("startTimeout", DEFAULT_START_TIMEOUT,
        "how long the service may take to become ready before the process gives up (exit 1)");
    Duration grace = process.duration("shutdownGrace", DEFAULT_SHUTDOWN_GRACE,
        "on SIGTERM: how long in-flight work may take to finish; keep it under the ECS stopTimeout");
    ConfigReader metrics = reader.section("metrics");
    Emf emf = metrics.choice("emf", Emf.AUTO, Emf.class,
        "CloudWatch EMF lines on stdout beside the Prometheus endpoint (docs/observability.md); auto: in mode aws");
    Duration interval = metrics.duration("emfInterval", io.mrgc.common.metrics.EmfOptions.DEFAULT_INTERVAL,
        "how often EMF lines are written (CloudWatch metrics resolution is 60 s unless high-resolution)");
    return new ProcessSettings(transport != Transport.NIO, start == null ? DEFAULT_START_TIMEOUT : start,
        grace == null ? DEFAULT_SHUTDOWN_GRACE : grace, emf == null ? Emf.AUTO : emf,
        interval == null ? io.mrgc.common.metrics.EmfOptions.DEFAULT_INTERVAL : interval);
  }
}
