package io.mrgc.common.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs control loops as a service: the admin listener first, then the loops; on stop the loops stop evaluating and
 * release their leases (so a standby replica leads within one evaluation), then the listener and what the service
 * opened for them (state client, SDK clients) are closed, in reverse order of opening. The autoscaler, failover and
 * control services are this with their loops.
 */
public class ControlLoopService implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(ControlLoopService.class);

  private final Vertx vertx;
  private final List<ControlLoop> loops;
  private final List<AutoCloseable> owned;
  private final AdminServer admin;
  private final MeterRegistry registry;
  private volatile boolean ready;

  /**
   * @param registry the loops' meters (published as EMF lines in AWS)
   * @param metrics the Prometheus text of {@code registry} (for {@code /metrics})
   * @param owned closed after the loops stopped, last first (what the service opened for them)
   */
  public ControlLoopService(Vertx vertx, ControlSettings settings, List<ControlLoop> loops, MeterRegistry registry,
      Supplier<String> metrics, List<AutoCloseable> owned) {
    this.vertx = vertx;
    this.registry = registry;
    this.loops = List.copyOf(loops);
    this.owned = List.copyOf(owned);
    this.admin = new AdminServer(vertx, settings.adminHost(), settings.adminPort(), () -> ready, this::details,
        metrics);
  }

  @Override
  public final Future<Void> start() {
    return admin.start().map(port -> {
      loops.forEach(ControlLoop::start);
      ready = true;
      return null;
    });
  }

  @Override
  public final java.util.Optional<MeterRegistry> meters() {
    return java.util.Optional.of(registry);
  }

  /**
   * Stops at once, leases kept until they expire, as a process that died (chaos tests); {@link #stop} is the
   * graceful stop.
   */
  public final Future<Void> halt() {
    ready = false;
    return vertx.<Void>executeBlocking(() -> {
      loops.forEach(ControlLoop::halt);
      return null;
    }, false).compose(v -> admin.stop()).onComplete(done -> closeOwned());
  }

  /** The admin listener's port once started. */
  public final int adminPort() {
    return admin.actualPort();
  }

  /** The leases this process holds now, loop by loop. */
  public final List<String> heldLeases() {
    return loops.stream().flatMap(loop -> loop.heldLeases().stream()).toList();
  }

  @Override
  public final Future<String> stop(Duration grace) {
    ready = false;
    return vertx.<String>executeBlocking(() -> {
      List<String> account = new ArrayList<>();
      for (ControlLoop loop : loops) {
        List<String> released = loop.stop();
        account.add(loop.name() + (released.isEmpty() ? " held no lease" : " released " + String.join(", ", released)));
      }
      return String.join("; ", account);
    }, false).compose(account -> admin.stop().map(v -> {
      closeOwned();
      return account;
    }));
  }

  private void closeOwned() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        LOG.warn("closing {} failed: {}", owned.get(i).getClass().getSimpleName(), e.toString());
      }
    }
  }

  private JsonObject details() {
    JsonArray out = new JsonArray();
    for (ControlLoop loop : loops) {
      out.add(new JsonObject().put("name", loop.name()).put("leases", new JsonArray(loop.heldLeases())));
    }
    return new JsonObject().put("loops", out);
  }
}
