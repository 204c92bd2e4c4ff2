package io.mrgc.agent.service;

import io.mrgc.agent.NodeAgent;
import io.mrgc.agent.NodeAgentOptions;
import io.mrgc.agent.enclave.EnclaveConnection;
import io.mrgc.common.service.Service;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The node agent as a service: opens its DynamoDB client (unless given one) and its enclave connection, boots the
 * enclave when it owns one that is not running, and deploys {@link NodeAgent} on the given Vert.x. A stop drains
 * first (DRAINING at once, the request in flight answered after its wash, within the grace), then writes
 * TERMINATED and releases everything.
 */
public final class AgentService implements Service {
  private final Vertx vertx;
  private final NodeAgentOptions options;
  private final Callable<StateClient> openState;
  private final boolean ownsState;
  private final Callable<EnclaveConnection> openEnclave;
  private StateClient state;
  private EnclaveConnection enclave;
  private NodeAgent agent;
  private String deploymentId;

  private AgentService(Vertx vertx, NodeAgentOptions options, Callable<StateClient> openState, boolean ownsState,
      Callable<EnclaveConnection> openEnclave) {
    this.vertx = vertx;
    this.options = options;
    this.openState = openState;
    this.ownsState = ownsState;
    this.openEnclave = openEnclave;
  }

  /** {@code mrgc serve agent}: everything from {@code config}; its own DynamoDB client, closed on stop. */
  public static AgentService create(AgentServiceConfig config, Vertx vertx) {
    return new AgentService(vertx, config.agent(), config.deployment()::openState, true,
        () -> EnclaveConnections.open(config.enclave(), config.agent().region()));
  }

  /** In a JVM whose services share one DynamoDB client ({@code mrgc up}): {@code state} is not closed on stop. */
  public static AgentService withState(AgentServiceConfig config, Vertx vertx, StateClient state) {
    return new AgentService(vertx, config.agent(), () -> state, false,
        () -> EnclaveConnections.open(config.enclave(), config.agent().region()));
  }

  /**
   * With an enclave connection built by the caller (LocalCluster's {@code LocalEnclave}, which shares the cluster's
   * key ring, attestation key and canary); neither {@code state} nor {@code enclave} is closed on stop.
   */
  public static AgentService of(NodeAgentOptions options, Vertx vertx, StateClient state, EnclaveConnection enclave) {
    return new AgentService(vertx, options, () -> state, false, () -> new Borrowed(enclave));
  }

  /** Completes when the agent serves: models loaded and verified, the first READY heartbeat tried. */
  @Override
  public Future<Void> start() {
    return vertx.<Void>executeBlocking(() -> {
      state = openState.call();
      enclave = openEnclave.call();
      enclave.ensureRunning();
      return null;
    }).compose(v -> {
      agent = new NodeAgent(options, state, enclave.handler(), enclave.control());
      return vertx.deployVerticle(agent);
    }).onSuccess(id -> deploymentId = id)
        .onFailure(failure -> release())
        .mapEmpty();
  }

  /**
   * DRAINING at once (routers stop picking this instance at their next snapshot; new requests get 503
   * {@code instance_not_ready}), the request in flight answered after its wash, then TERMINATED, all within
   * {@code grace}; completes with what was done.
   */
  @Override
  public Future<String> stop(Duration grace) {
    if (deploymentId == null) {
      release();
      return Future.succeededFuture("agent " + options.instanceId() + " was not serving");
    }
    return agent.drain(grace)
        .compose(drained -> vertx.undeploy(deploymentId).map(drained))
        .map(drained -> "agent " + options.instanceId() + ": " + drained.describe()
            + "; gpu_instances DRAINING, then TERMINATED")
        .eventually(() -> vertx.executeBlocking(() -> {
          release();
          return null;
        }));
  }

  @Override
  public java.util.Optional<io.micrometer.core.instrument.MeterRegistry> meters() {
    return agent == null ? java.util.Optional.empty() : java.util.Optional.of(agent.metrics().registry());
  }

  /** The node agent (after {@link #start}), e.g. for its port and state. */
  public NodeAgent agent() {
    return agent;
  }

  private void release() {
    if (enclave != null) {
      enclave.close();
    }
    if (ownsState && state != null) {
      state.close();
    }
  }

  /** A connection this service uses but does not own: closing it is its owner's business. */
  private record Borrowed(EnclaveConnection enclave) implements EnclaveConnection {
    @Override
    public io.mrgc.enclave.EnclaveHandler handler() {
      return enclave.handler();
    }

    @Override
    public io.mrgc.carwash.steps.EnclaveControl control() {
      return enclave.control();
    }

    @Override
    public void close() {}
  }
}
