package io.mrgc.common.net;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a service's Vertx on Netty's epoll transport when asked and available (Linux x86_64 and aarch64: the native
 * library ships in common's dependencies), on NIO otherwise, and says which in one log line. Epoll saves a copy per
 * read and wakes fewer threads than NIO's selector, which matters to the router's forwarding path; nothing depends on
 * it, so a host where the native library does not load still serves, on NIO, with the reason logged.
 */
public final class VertxRuntime {
  public static final String EPOLL = "epoll";
  public static final String NIO = "nio";
  private static final Logger LOG = LoggerFactory.getLogger(VertxRuntime.class);

  private VertxRuntime() {}

  /**
   * A Vertx with {@code base}'s options on epoll when {@code preferNative} and epoll is available, else on NIO. The
   * transport is chosen explicitly ({@code withTransport}) rather than by {@code preferNativeTransport}, which on Linux
   * may also pick io_uring: one of two known transports keeps the benchmarks comparable.
   */
  public static Vertx create(VertxOptions base, boolean preferNative) {
    Transport transport = preferNative && epollAvailable() ? Transport.EPOLL : Transport.NIO;
    VertxOptions options = new VertxOptions(base).setPreferNativeTransport(transport != Transport.NIO);
    Vertx vertx = Vertx.builder().with(options).withTransport(transport).build();
    if (!preferNative) {
      LOG.info("Vert.x transport: {} (native transport not requested)", transportName(vertx));
    } else if (vertx.isNativeTransportEnabled()) {
      LOG.info("Vert.x transport: {}", transportName(vertx));
    } else {
      LOG.info("Vert.x transport: {} (epoll unavailable: {})", transportName(vertx), epollUnavailabilityCause());
    }
    return vertx;
  }

  /**
   * The transport {@code vertx} runs on: {@value #NIO}, {@value #EPOLL}, or another native one's name (io_uring,
   * kqueue) for a Vertx built elsewhere with {@code preferNativeTransport}. Read from the instance, not remembered from
   * {@link #create}, so it is true of any Vertx.
   */
  public static String transportName(Vertx vertx) {
    if (!vertx.isNativeTransportEnabled()) {
      return NIO;
    }
    String implementation = ((VertxInternal) vertx).transport().getClass().getSimpleName();
    return switch (implementation) {
      case "EpollTransport" -> EPOLL;
      case "IoUringTransport" -> "io_uring";
      case "KQueueTransport" -> "kqueue";
      default -> implementation;
    };
  }

  /** Why epoll cannot be used here (not Linux, the native library did not load...), or null when it can. */
  public static String epollUnavailabilityCause() {
    if (Transport.EPOLL == null) {
      return "Netty's epoll classes are not on the class path";
    }
    Throwable cause = Transport.EPOLL.unavailabilityCause();
    return cause == null ? null : String.valueOf(cause.getMessage() == null ? cause : cause.getMessage());
  }

  private static boolean epollAvailable() {
    return Transport.EPOLL != null && Transport.EPOLL.available();
  }
}
