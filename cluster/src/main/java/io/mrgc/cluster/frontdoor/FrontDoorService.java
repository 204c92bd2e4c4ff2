package io.mrgc.cluster.frontdoor;

import io.mrgc.common.service.AdminServer;
import io.mrgc.common.service.Service;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The front door as a service: the {@link FrontDoor} verticle on the anycast addresses, reading dials from
 * routing_state, and an optional admin listener whose {@code /healthz} shows each region's routers and their health.
 * Made from its configuration file ({@link #fromConfig}: opens and later closes its own DynamoDB client) or inside a
 * JVM that already has one ({@link #sharing}: {@code mrgc up}).
 *
 * <p>{@link #stop} is graceful: the listeners stop accepting, in-flight proxied requests get the grace to finish,
 * and the account says how many finished and how many were cut off.
 */
public final class FrontDoorService implements Service {
  private final FrontDoorOptions options;
  private final AdminListener adminListener;
  private final StateClient state;
  private final boolean ownsState;
  private final Vertx vertx;
  private final FrontDoor frontDoor;
  private AdminServer admin;
  private String deploymentId;
  private volatile boolean ready;

  private FrontDoorService(FrontDoorOptions options, AdminListener adminListener, StateClient state,
      boolean ownsState, Vertx vertx) {
    this.options = options;
    this.adminListener = adminListener;
    this.state = state;
    this.ownsState = ownsState;
    this.vertx = vertx;
    this.frontDoor = new FrontDoor(options, new RoutingStateRepository(state));
  }

  /** From a service file: opens its DynamoDB client from {@code config.deployment()} and closes it on stop. */
  public static FrontDoorService fromConfig(FrontDoorServiceConfig config, Vertx vertx) {
    return new FrontDoorService(config.frontDoor(), config.admin(), config.deployment().openState(), true, vertx);
  }

  /**
   * In a JVM that already has a DynamoDB client and a Vert.x ({@code mrgc up}): uses {@code state} without closing
   * it; {@code admin} may be null (no admin listener).
   */
  public static FrontDoorService sharing(FrontDoorOptions options, AdminListener admin, StateClient state,
      Vertx vertx) {
    return new FrontDoorService(options, admin, state, false, vertx);
  }

  @Override
  public Future<Void> start() {
    return vertx.deployVerticle(frontDoor)
        .compose(id -> {
          deploymentId = id;
          if (adminListener == null) {
            return Future.succeededFuture();
          }
          admin = new AdminServer(vertx, adminListener.host(), adminListener.port(), () -> ready,
              this::healthDetails, null);
          return admin.start().mapEmpty();
        })
        .onSuccess(v -> ready = true)
        .mapEmpty();
  }

  /** The front door itself: its ports, region and router health, dials. */
  public FrontDoor frontDoor() {
    return frontDoor;
  }

  /** The admin listener's port, or -1 without one. */
  public int adminPort() {
    return admin == null ? -1 : admin.actualPort();
  }

  @Override
  public Future<String> stop(Duration grace) {
    ready = false;
    String addresses = frontDoor.actualPorts().entrySet().stream()
        .map(entry -> entry.getKey() + ":" + entry.getValue()).collect(Collectors.joining(", "));
    Future<FrontDoor.Drained> drained = deploymentId == null
        ? Future.succeededFuture(new FrontDoor.Drained(0, 0)) : frontDoor.drain(grace);
    return drained.compose(result -> release().map(v -> "stopped accepting on " + addresses + "; "
        + result.finished() + " in-flight request(s) finished, " + result.cutOff() + " cut off at the "
        + grace.toMillis() + " ms grace"));
  }

  private Future<Void> release() {
    Future<Void> undeployed = deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
    return undeployed.otherwiseEmpty()
        .compose(v -> admin == null ? Future.<Void>succeededFuture() : admin.stop().otherwiseEmpty())
        .compose(v -> !ownsState ? Future.<Void>succeededFuture() : vertx.<Void>executeBlocking(() -> {
          state.close(); // the SDK client's Netty threads: off the event loop
          return null;
        }).otherwiseEmpty());
  }

  private JsonObject healthDetails() {
    JsonObject regions = new JsonObject();
    frontDoor.routerHealth().forEach((region, routers) -> regions.put(region, new JsonObject()
        .put("healthy", frontDoor.healthy(region))
        .put("routers", routersJson(routers))));
    return new JsonObject()
        .put("regions", regions)
        .put("dials", new JsonObject(new HashMap<>(frontDoor.dials())))
        .put("inFlight", frontDoor.inFlight())
        .put("anycast", options.anycastAddresses());
  }

  private static JsonObject routersJson(Map<URI, Boolean> routers) {
    JsonObject json = new JsonObject();
    routers.forEach((url, healthy) -> json.put(url.toString(), healthy ? "healthy" : "unhealthy"));
    return json;
  }
}
