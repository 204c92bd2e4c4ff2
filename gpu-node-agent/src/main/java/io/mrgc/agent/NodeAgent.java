package io.mrgc.agent;

import io.mrgc.agent.batch.Admission;
import io.mrgc.agent.batch.ModelWorker;
import io.mrgc.agent.heartbeat.Heartbeater;
import io.mrgc.agent.heartbeat.LoadSnapshot;
import io.mrgc.agent.http.AgentMetrics;
import io.mrgc.agent.http.HttpApi;
import io.mrgc.agent.http.ServedModels;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.agent.model.ModelRepository;
import io.mrgc.agent.model.OrtSessions;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference service on one GPU instance: loads the model repository, serves OpenAI embeddings and the Open
 * Inference Protocol over HTTP, batches requests per model under one admission bound, and heart-beats its load
 * into gpu_instances for the region's routers.
 */
public class NodeAgent extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

  private final NodeAgentOptions options;
  private final GpuInstanceRepository instances;
  private final Admission admission;
  private final AgentMetrics metrics;
  private final ServedModels models = new ServedModels();
  private final LongAdder sessionRuns = new LongAdder();
  private HttpServer server;
  private Heartbeater heartbeater;
  private long heartbeatTimer = -1;
  private volatile int actualPort = -1;
  private volatile boolean crashed;
  private final EnclaveHandler enclave;
  /** False after the enclave stopped answering, until it answers again; the heartbeat then reports health 0. */
  private volatile boolean enclaveReachable = true;

  /** An agent that serves plaintext only (no enclave: envelopes are refused with 503). */
  public NodeAgent(NodeAgentOptions options, StateClient state) {
    this(options, state, null);
  }

  /**
   * An agent whose encrypted requests are opened and sealed by {@code enclave} (the parent-side client of its Nitro
   * Enclave, or of the local enclave server in local mode).
   */
  public NodeAgent(NodeAgentOptions options, StateClient state, EnclaveHandler enclave) {
    this.enclave = enclave;
    this.options = options;
    this.instances = new GpuInstanceRepository(state);
    this.admission = new Admission(options.maxQueuedRequests());
    this.metrics = new AgentMetrics(admission);
  }

  /** Completes once the server listens, the models are loaded and the first READY heartbeat was attempted. */
  @Override
  public Future<?> start() {
    OrtSessions sessions = new OrtSessions(options.executionProvider(), options.intraOpThreads());
    try {
      sessions.checkProviderAvailable();
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    server = vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port()));
    return server
        .requestHandler(HttpApi.create(vertx, models, admission, metrics, options.maxBodyBytes(),
            options.maxInputsPerRequest(), enclave, this::enclaveReachable))
        .listen()
        .compose(listening -> {
          actualPort = listening.actualPort();
          heartbeater = new Heartbeater(context, instances, options.region(), options.instanceId(), endpoint(),
              this::snapshot);
          return heartbeater.beat(InstanceState.STARTING);
        })
        .compose(v -> vertx.executeBlocking(() -> loadModels(sessions)))
        .compose(loaded -> {
          models.publish(loaded);
          LOG.info("instance {} serving {} on {}", options.instanceId(), models.names(), endpoint());
          return heartbeater.beat(InstanceState.READY);
        })
        .onSuccess(v -> heartbeatTimer = vertx.setPeriodic(options.heartbeatInterval().toMillis(), id -> {
          pingEnclave();
          heartbeater.beat(InstanceState.READY);
        }))
        .onFailure(failure -> {
          if (heartbeater != null) {
            heartbeater.halt();
          }
          server.close();
        });
  }

  private Map<String, ModelWorker> loadModels(OrtSessions sessions) throws Exception {
    ModelRepository.LoadReport report = new ModelRepository(options.modelRoot(), sessions).loadAll();
    report.failures().forEach((model, why) -> LOG.error("model {} refused: {}", model, why));
    if (report.loaded().isEmpty()) {
      throw new IllegalStateException("no model could be loaded from " + options.modelRoot()
          + (report.failures().isEmpty() ? " (it holds no model directories)" : ": " + report.failures().values()));
    }
    Map<String, ModelWorker> workers = new LinkedHashMap<>();
    for (LoadedModel model : report.loaded().values()) {
      workers.put(model.name(), new ModelWorker(model, options.maxBatchSize(), options.maxBatchWait().toNanos(),
          options.maxTokensPerInput(), sessionRuns, metrics::batch));
    }
    return workers;
  }

  private LoadSnapshot snapshot() {
    int health = enclave != null && !enclaveReachable ? 0 : admission.health();
    return new LoadSnapshot(admission.queueDepth(), admission.inFlight(), admission.latencyEwmaMs(),
        health, models.names());
  }

  /** Checks the enclave once per heartbeat, off the event loop (the ping is a blocking vsock round trip). */
  private void pingEnclave() {
    if (enclave == null) {
      return;
    }
    vertx.executeBlocking(() -> {
      enclave.ping();
      return true;
    }, false).otherwise(false).onSuccess(this::enclaveReachable);
  }

  private void enclaveReachable(boolean reachable) {
    if (reachable != enclaveReachable) {
      if (reachable) {
        LOG.info("instance {}: enclave answers again; healthy", options.instanceId());
      } else {
        LOG.warn("instance {}: enclave not answering; reporting health 0 until it does", options.instanceId());
      }
    }
    enclaveReachable = reachable;
  }

  /** Whether the enclave answered the last check (always true for an agent without one). */
  public boolean enclaveReachable() {
    return enclaveReachable;
  }

  /** Graceful: TERMINATED is written first so routers stop picking this instance, then requests drain. */
  @Override
  public Future<?> stop() {
    if (crashed) {
      return Future.succeededFuture();
    }
    vertx.cancelTimer(heartbeatTimer);
    models.unready();
    Future<Void> terminated = heartbeater == null ? Future.succeededFuture() : heartbeater.terminate();
    return terminated
        .compose(v -> server == null ? Future.succeededFuture() : server.shutdown(SHUTDOWN_GRACE.toMillis(),
            TimeUnit.MILLISECONDS))
        .eventually(() -> vertx.executeBlocking(() -> {
          models.workers().values().forEach(ModelWorker::close);
          return null;
        }));
  }

  /**
   * Simulates a killed process: the server closes and heartbeats stop, and nothing is written to gpu_instances
   * (the row keeps its last state until its TTL expires or a controller notices).
   */
  public Future<Void> crash() {
    crashed = true;
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    if (heartbeater != null) {
      heartbeater.halt();
    }
    models.unready();
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> vertx.executeBlocking(() -> {
      models.workers().values().forEach(ModelWorker::close);
      return null;
    })).mapEmpty();
  }

  /** The port the server listens on (useful with port 0), or -1 before start. */
  public int actualPort() {
    return actualPort;
  }

  /** The base URL written to gpu_instances, e.g. {@code http://127.0.0.1:41234}. */
  public String endpoint() {
    return options.endpointFor(actualPort);
  }

  public String instanceId() {
    return options.instanceId();
  }

  public NodeAgentOptions options() {
    return options;
  }

  /** ONNX Runtime session runs so far, across models (tests check that batching merges requests). */
  long sessionRuns() {
    return sessionRuns.sum();
  }

  /** The admission bound and load figures (queue depth, in-flight, latency EWMA, health). */
  Admission admission() {
    return admission;
  }
}
