package io.mrgc.common.service;

import io.mrgc.common.config.ConfigReader;
import java.time.Duration;

/**
 * What every service process has, whatever it is: the network transport, how long it may take to start and how long
 * a graceful stop may take (ECS waits {@code stopTimeout}, 30 s by default, before SIGKILL: keep grace below it).
 */
public record ProcessSettings(boolean preferNativeTransport, Duration startTimeout, Duration shutdownGrace) {
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
    return new ProcessSettings(transport != Transport.NIO, start == null ? DEFAULT_START_TIMEOUT : start,
        grace == null ? DEFAULT_SHUTDOWN_GRACE : grace);
  }
}
