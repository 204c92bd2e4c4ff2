package io.mrgc.agent;

import io.mrgc.agent.batch.Admission;
import io.mrgc.agent.batch.BatchObserver;
import io.mrgc.agent.batch.BatchPolicy;
import io.mrgc.agent.batch.ModelWorker;
import io.mrgc.agent.buffers.AgentBuffers;
import io.mrgc.agent.heartbeat.Heartbeater;
import io.mrgc.agent.heartbeat.LoadSnapshot;
import io.mrgc.agent.http.AgentMetrics;
import io.mrgc.agent.http.EnclaveWatch;
import io.mrgc.agent.http.HttpApi;
import io.mrgc.agent.http.ServedModels;
import io.mrgc.agent.model.ModelBudget;
import io.mrgc.agent.model.ModelLoadTimings;
import io.mrgc.agent.model.ModelRepository;
import io.mrgc.agent.model.OrtSessions;
import io.mrgc.agent.registry.ModelLoader;
import io.mrgc.agent.registry.ModelSync;
import io.mrgc.agent.wash.ArrivalLog;
import io.mrgc.agent.wash.BackgroundChecks;
import io.mrgc.agent.wash.InstanceGate;
import io.mrgc.agent.wash.InstanceWashPlan;
import io.mrgc.agent.wash.Washes;
import io.mrgc.carwash.WashRecordOutbox;
import io.mrgc.carwash.WashRecorder;
import io.mrgc.carwash.StepReport;
import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashReport;
import io.mrgc.carwash.WashStep;
import io.mrgc.carwash.lifecycle.InstanceLifecycle;
import io.mrgc.carwash.nvml.GpuProbe;
import io.mrgc.carwash.nvml.NvmlGpuProbe;
import io.mrgc.carwash.steps.BufferScrubStep;
import io.mrgc.carwash.steps.CleanStateStep;
import io.mrgc.carwash.steps.EnclaveControl;
import io.mrgc.carwash.steps.EnclavePingStep;
import io.mrgc.carwash.steps.EnclaveRestartPolicy;
import io.mrgc.carwash.steps.GpuHealthStep;
import io.mrgc.carwash.steps.ModelIntegrityStep;
import io.mrgc.common.net.HttpListenerGuard;
import io.mrgc.common.peer.PeerAuth;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.state.CleanupValidationRepository;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference service on one GPU instance: loads the models the registry has AVAILABLE and follows it without a
 * restart (new versions loaded, retired models unloaded: {@link ModelSync}), serves OpenAI embeddings and the Open
 * Inference Protocol over HTTP one tenant at a time (that tenant's concurrent requests batched), scrubs each request's
 * buffers before its answer, runs the full wash between tenants, the request-independent checks beside the work (and the
 * instance-level washes: enclave restarts, scheduled full manifest checks), and heart-beats its state and load into
 * gpu_instances for the region's routers.
 */
public class NodeAgent extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
  private static final Duration DRAIN_POLL = Duration.ofMillis(20);
  /** In the data directory: cleanup_validation rows not yet written (JSON lines). */
  public static final String WASH_RECORD_SPILL_FILE = "wash-records.jsonl";

  private final NodeAgentOptions options;
  private final GpuInstanceRepository instances;
  private final WashRecordOutbox washRecords;
  private final Admission admission;
  private final AgentMetrics metrics;
  private final ServedModels models = new ServedModels();
  private final LongAdder sessionRuns = new LongAdder();
  private final EnclaveHandler enclave;
  private final GpuProbe gpuProbe;
  private final InstanceLifecycle lifecycle;
  private final AgentBuffers buffers;
  private final ArrivalLog arrivals;
  private final ModelIntegrityStep integrity;
  private final InstanceWashPlan plan;
  private final ModelRegistry registry;
  private final ModelBudget budget;
  private ModelSync modelSync;
  private HttpServer server;
  private HttpListenerGuard listenerGuard;
  private Heartbeater heartbeater;
  private Washes washes;
  private BackgroundChecks background;
  private InstanceGate gate;
  private long heartbeatTimer = -1;
  private volatile int actualPort = -1;
  private volatile boolean crashed;
  /** How long {@link #stop()} lets requests finish after TERMINATED is written; a drain leaves it what is left. */
  private volatile Duration shutdownGrace = SHUTDOWN_GRACE;
  private boolean pingInFlight;
  /** False after the enclave stopped answering, until it answers again; the heartbeat then reports health 0. */
  private volatile boolean enclaveReachable = true;

  /** An agent that serves plaintext only (no enclave: envelopes are refused with 503). */
  public NodeAgent(NodeAgentOptions options, StateClient state) {
    this(options, state, null, null, null);
  }

  /**
   * An agent whose encrypted requests are opened and sealed by {@code enclave} (the parent-side client of its Nitro
   * Enclave, or of the local enclave server in local mode), without a way to restart it: a restart that comes due
   * (every N requests, every T, after an enclave error) quarantines the instance instead.
   */
  public NodeAgent(NodeAgentOptions options, StateClient state, EnclaveHandler enclave) {
    this(options, state, enclave, null, null);
  }

  /**
   * An agent whose enclave is restarted by {@code enclaveControl} in an instance-level wash when
   * {@link EnclaveRestartPolicy} says so ({@code enclaveRestartEveryRequests}, {@code enclaveRestartEvery}, any
   * enclave error a request or the heartbeat's ping sees). {@code enclaveControl} null: no restarts possible.
   */
  public NodeAgent(NodeAgentOptions options, StateClient state, EnclaveHandler enclave, EnclaveControl enclaveControl) {
    this(options, state, enclave, enclaveControl, null);
  }

  /** As above, with the GPU probe of the gpu-health step ({@code null}: NVML through JNA). */
  public NodeAgent(NodeAgentOptions options, StateClient state, EnclaveHandler enclave, EnclaveControl enclaveControl,
      GpuProbe gpuProbe) {
    this.options = options;
    this.enclave = enclave;
    this.gpuProbe = gpuProbe != null ? gpuProbe : new NvmlGpuProbe();
    this.instances = new GpuInstanceRepository(state);
    WashRecorder recorder = new WashRecorder(new CleanupValidationRepository(state), options.instanceId(),
        options.region(), options.washRecordTtl());
    this.washRecords = new WashRecordOutbox(recorder, new WashRecordOutbox.Options(
        options.dataDir() == null ? null : options.dataDir().resolve(WASH_RECORD_SPILL_FILE),
        options.washRecordBacklog(), options.washRecordSpillBytes(), WashRecordOutbox.DEFAULT_FIRST_RETRY,
        WashRecordOutbox.DEFAULT_MAX_RETRY));
    this.admission = new Admission(options.maxQueuedRequests());
    this.buffers = new AgentBuffers(options.maxBatchSize());
    this.metrics = new AgentMetrics(admission);
    this.lifecycle = new InstanceLifecycle(options.instanceId());
    this.arrivals = new ArrivalLog(options.instanceId());
    Clock clock = Clock.systemUTC();
    this.integrity = new ModelIntegrityStep(options.integrityChunkBytes(), options.integrityBytesPerWash(),
        options.fullIntegrityCheckInterval(), clock);
    EnclaveRestartPolicy policy = new EnclaveRestartPolicy(options.enclaveRestartEveryRequests(),
        options.enclaveRestartEvery(), clock.millis());
    this.plan = new InstanceWashPlan(enclave == null ? null : this::pingOnce, enclaveControl, policy, integrity,
        cleanPools(), clock);
    this.registry = new ModelRegistry(state);
    this.budget = new ModelBudget(options.modelMemoryBudgetBytes());
    metrics.instanceState(lifecycle::state);
    metrics.washRecords(washRecords);
    metrics.modelMemory(() -> models.footprints().stream().mapToLong(ModelBudget.Footprint::bytes).sum(),
        budget.budgetBytes());
  }

  /**
   * Completes once the server listens, the models are loaded and verified and the first READY heartbeat was tried;
   * from then on the agent follows the model registry every {@code modelPollInterval}.
   */
  @Override
  public Future<?> start() {
    OrtSessions sessions = new OrtSessions(options.executionProvider(), options.intraOpThreads());
    try {
      sessions.checkProviderAvailable();
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    background = new BackgroundChecks(vertx, backgroundSteps(), options.washTimeout(),
        options.backgroundCheckInterval(), this::backgroundProblem, metrics::backgroundRound);
    washes = new Washes(vertx, betweenTenantSteps(), options.washTimeout(), options.instanceWashTimeout(),
        washRecords, metrics::wash, metrics::tenantWash);
    gate = new InstanceGate(options.instanceId(), lifecycle, admission, buffers, washes, plan, background, arrivals,
        new InstanceGate.Turns(options.tenantIsolation(), options.maxBatchSize(), options.tenantTurnRequests(),
            options.tenantTurnTime(), options.idleWashAfter()),
        shown -> {
          if (heartbeater != null) {
            heartbeater.beat();
          }
        });
    if (!options.tenantIsolation()) {
      LOG.warn("instance {}: TENANT ISOLATION IS OFF (a benchmark switch): requests of different tenants share this "
          + "instance and its batches, with no wash between them", options.instanceId());
    }
    if (!options.peerAuth().enabled()) {
      LOG.warn("instance {}: peer authentication is off; the tenant identity of any caller that reaches port {} is "
          + "trusted (tests and tools only)", options.instanceId(), options.port());
    }
    // The agent answers Expect: 100-continue itself, only once a request may send its body (see InstanceGate).
    // Header, idle and request deadlines and a connection cap on the listener (issue #10, finding 2).
    listenerGuard = new HttpListenerGuard(vertx, options.listener());
    server = vertx.createHttpServer(listenerGuard.serverOptions(new HttpServerOptions().setHost(options.host())
        .setPort(options.port()).setHandle100ContinueAutomatically(false)));
    return listenerGuard.install(server, HttpApi.create(vertx, models, metrics, options.maxBodyBytes(),
            options.maxInputsPerRequest(), enclave, enclaveWatch(), gate, PeerAuth.orNull(options.peerAuth())))
        .listen()
        .compose(listening -> {
          actualPort = listening.actualPort();
          heartbeater = new Heartbeater(context, instances, options.region(), options.instanceId(), endpoint(),
              this::snapshot, gate::published, this::rowChangedByOthers);
          return heartbeater.beat();
        })
        .compose(v -> {
          modelSync = new ModelSync(vertx, registry, models, modelLoader(sessions), integrity, budget, metrics,
              heartbeater::beat);
          return modelSync.loadAtStart();
        })
        .compose(loaded -> {
          gate.started();
          background.start();
          LOG.info("instance {} serving {} on {}; model integrity: {} chunk(s), every chunk verified within {} "
              + "background round(s)", options.instanceId(), models.names(), endpoint(), integrity.chunkCount(),
              integrity.coverageBound());
          return heartbeater.beat();
        })
        .onSuccess(v -> {
          heartbeatTimer = vertx.setPeriodic(options.heartbeatInterval().toMillis(), id -> tick());
          modelSync.watch(options.modelPollInterval());
        })
        .onFailure(failure -> {
          if (heartbeater != null) {
            heartbeater.halt();
          }
          if (modelSync != null) {
            modelSync.close();
          }
          server.close();
        });
  }

  /** The checks that do not depend on a request, run beside the work: model-integrity, gpu-health, enclave-ping. */
  private List<WashStep> backgroundSteps() {
    List<WashStep> steps = new ArrayList<>();
    steps.add(integrity);
    steps.add(new GpuHealthStep(gpuProbe, new GpuHealthStep.Thresholds(GpuHealthStep.Thresholds.DEFAULTS
        .maxTemperatureC(), GpuHealthStep.Thresholds.DEFAULTS.maxUncorrectedEccErrors(),
        "cuda".equals(options.executionProvider()))));
    if (enclave != null) {
      steps.add(backgroundEnclavePing());
    }
    return steps;
  }

  /**
   * The background rounds' enclave ping: one that fails makes a restart due (run before the next tenant's turn), as
   * the heartbeat's ping does, instead of quarantining an instance that a restart repairs.
   */
  private WashStep backgroundEnclavePing() {
    EnclavePingStep ping = new EnclavePingStep(this::pingOnce, plan::restartDue);
    return new WashStep() {
      @Override
      public String name() {
        return ping.name();
      }

      @Override
      public StepResult run(WashContext washContext) {
        StepResult result = ping.run(washContext);
        if (result.isPassed()) {
          return result;
        }
        context.runOnContext(v -> enclaveLost("the background check's enclave ping failed"));
        return StepResult.passed(result.detail() + "; an enclave restart is due before the next tenant's turn");
      }
    };
  }

  /** Every pool scrubbed, then verified clean (the release check's tail). */
  private List<WashStep> cleanPools() {
    return List.of(new BufferScrubStep(buffers.scrubbables()), new CleanStateStep(buffers.scrubbables()));
  }

  /** The full wash between tenants: every pool scrubbed, a fresh background round, every pool verified clean. */
  private List<WashStep> betweenTenantSteps() {
    return List.of(new BufferScrubStep(buffers.scrubbables()),
        background.freshRoundStep(options.backgroundCheckInterval().multipliedBy(4)),
        new CleanStateStep(buffers.scrubbables()));
  }

  /** A background round did not pass: recorded, and the instance quarantined at once (on the event loop). */
  private void backgroundProblem(WashReport report) {
    washes.record(report);
    StepReport problem = report.firstProblem();
    gate.quarantine(problem.name() + " " + problem.outcome() + " in the background checks: " + problem.detail());
  }

  /** Loads a model version into a warmed-up worker (on the model-loading thread). */
  private ModelLoader modelLoader(OrtSessions sessions) {
    BatchPolicy batchPolicy = new BatchPolicy(options.maxBatchSize(), options.maxBatchWait(),
        options.maxTokensPerInput(), options.inferenceTimeout());
    BatchObserver batchObserver = new BatchObserver() {
      @Override
      public void batch(String model, String tenant, List<String> requestIds, int inputs) {
        metrics.batch(inputs);
        arrivals.batch(model, tenant, requestIds, inputs);
      }

      @Override
      public int serving() {
        return gate.serving();
      }
    };
    // The load-time manifest check reads each file once; its per-chunk hashes feed the background rounds.
    ModelRepository repository = new ModelRepository(options.modelRoot(), sessions, integrity.chunkBytes());
    return new ModelLoader(repository, model -> new ModelWorker(model, sessions.newRunOptions(), batchPolicy,
        buffers::lease, sessionRuns, batchObserver), options.inferenceTimeout());
  }

  private void tick() {
    pingEnclave();
    gate.poke();
    heartbeater.beat();
  }

  private LoadSnapshot snapshot() {
    int health = enclave != null && !enclaveReachable ? 0 : admission.health();
    return new LoadSnapshot(admission.queueDepth(), admission.inFlight(), admission.latencyEwmaMs(),
        health, models.names(), options.maxBatchSize(), !options.tenantIsolation(),
        modelRefusals().keySet().stream().sorted().toList());
  }

  /**
   * Checks the enclave once per heartbeat while the instance serves, off the event loop (a blocking vsock round
   * trip), one ping at a time. A failed ping makes a restart due, run as an instance-level wash between turns;
   * a ping that started before the last restart says nothing about the new enclave and is ignored.
   */
  private void pingEnclave() {
    if (enclave == null || pingInFlight || gate.published().state() != InstanceState.READY) {
      return;
    }
    pingInFlight = true;
    long generation = plan.enclaveGeneration();
    vertx.executeBlocking(this::pingOnce, false).map(true).otherwise(false).onSuccess(answered -> {
      pingInFlight = false;
      if (generation != plan.enclaveGeneration()) {
        return;
      }
      if (!answered) {
        enclaveLost("the heartbeat's enclave ping failed");
      }
    });
  }

  /** The enclave did not answer a ping: health 0 until it does, and a restart due (between turns). */
  private void enclaveLost(String what) {
    enclaveReachable(false);
    plan.enclaveError(what);
    gate.poke();
  }

  /** One ping (blocking); an answer means the enclave is reachable again. */
  private Void pingOnce() throws Exception {
    enclave.ping();
    enclaveReachable(true);
    return null;
  }

  /**
   * Enclave calls of requests: unreachable means health 0 until it answers again; an unreachable or failing enclave
   * (not a refusal of the caller's envelope, which a tenant could provoke at will) makes a restart due.
   */
  private EnclaveWatch enclaveWatch() {
    return new EnclaveWatch() {
      @Override
      public void answered() {
        enclaveReachable(true);
      }

      @Override
      public void failed(EnclaveErrorCode code) {
        if (code == EnclaveErrorCode.ENCLAVE_UNAVAILABLE) {
          enclaveReachable(false);
        }
        if (code == EnclaveErrorCode.ENCLAVE_UNAVAILABLE || code == EnclaveErrorCode.INTERNAL) {
          plan.enclaveError("a request's enclave call failed with " + code);
        }
      }
    };
  }

  private void enclaveReachable(boolean reachable) {
    boolean lost = !reachable && enclaveReachable;
    if (reachable != enclaveReachable) {
      if (reachable) {
        LOG.info("instance {}: enclave answers again; healthy", options.instanceId());
      } else {
        LOG.warn("instance {}: enclave not answering; reporting health 0 until it does", options.instanceId());
      }
    }
    enclaveReachable = reachable;
    if (lost) {
      // Say so now rather than at the next heartbeat: a restart by the wash may bring the enclave back within the
      // beat interval, and routers should steer around the instance in the meantime.
      context.runOnContext(v -> {
        if (heartbeater != null) {
          heartbeater.beat();
        }
      });
    }
  }

  /**
   * Another actor wrote the row: DRAINING (the autoscaler) drains; QUARANTINED quarantines; READY over this agent's
   * QUARANTINED is an operator's release ({@code mrgc instance release}): a full manifest check, then READY.
   */
  private void rowChangedByOthers(GpuInstanceItem row, String ownState) {
    String state = row.getState();
    InstanceState current = gate.state();
    if (InstanceState.DRAINING.name().equals(state)) {
      gate.drain("set DRAINING by another actor");
    } else if (InstanceState.QUARANTINED.name().equals(state) && current != InstanceState.QUARANTINED) {
      gate.quarantine("set QUARANTINED by another actor"
          + (row.getStateReason() == null ? "" : ": " + row.getStateReason()));
    } else if (InstanceState.READY.name().equals(state) && InstanceState.QUARANTINED.name().equals(ownState)
        && current == InstanceState.QUARANTINED) {
      LOG.info("instance {}: released by an operator; running a full manifest check first", options.instanceId());
      gate.release();
    }
  }

  /** Whether the enclave answered the last check (always true for an agent without one). */
  public boolean enclaveReachable() {
    return enclaveReachable;
  }

  /**
   * The first half of a graceful stop ({@code mrgc serve agent} on SIGTERM): DRAINING in gpu_instances at once, so
   * routers stop picking this instance at their next snapshot, and new or waiting requests get 503
   * {@code instance_not_ready}; then waits, at most {@code grace}, until the request holding the instance was answered
   * after its wash (and an instance-level wash that was running has ended). {@link #stop()} (undeploy) follows: it
   * writes TERMINATED and closes the listener, waiting for requests no longer than what is left of {@code grace}.
   */
  public Future<DrainReport> drain(Duration grace) {
    Promise<DrainReport> drained = Promise.promise();
    long deadline = System.nanoTime() + grace.toNanos();
    context.runOnContext(v -> {
      if (gate == null || heartbeater == null) {
        drained.complete(new DrainReport(0, 0, null, true, grace));
        return;
      }
      int inFlight = admission.inFlight();
      long answeredBefore = gate.answered();
      gate.drain("agent stopping");
      heartbeater.beat().onComplete(written -> awaitIdle(deadline, () -> {
        long answered = gate.answered() - answeredBefore;
        List<WashReport> washed = washes.recent();
        boolean idle = gate.idle();
        shutdownGrace = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        drained.complete(DrainReport.of(inFlight, answered,
            answered == 0 || washed.isEmpty() ? null : washed.get(washed.size() - 1), idle, grace));
      }));
    });
    return drained.future();
  }

  /** Runs {@code then} on this context once the gate is idle or the deadline passed (polled: a bounded wait). */
  private void awaitIdle(long deadlineNanos, Runnable then) {
    if (gate.idle() || System.nanoTime() >= deadlineNanos) {
      then.run();
    } else {
      vertx.setTimer(DRAIN_POLL.toMillis(), id -> awaitIdle(deadlineNanos, then));
    }
  }

  /**
   * Graceful: TERMINATED is written first so routers stop picking this instance, then requests drain (5 s, or what
   * a {@link #drain} before left of its grace).
   */
  @Override
  public Future<?> stop() {
    if (crashed) {
      return Future.succeededFuture();
    }
    vertx.cancelTimer(heartbeatTimer);
    if (modelSync != null) {
      modelSync.close();
    }
    models.unready();
    if (gate != null) {
      gate.terminate();
    }
    Future<Void> terminated = heartbeater == null ? Future.succeededFuture() : heartbeater.terminate();
    return terminated
        .compose(v -> server == null ? Future.succeededFuture() : server.shutdown(shutdownGrace.toMillis(),
            TimeUnit.MILLISECONDS))
        .eventually(this::closeResources);
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
    if (modelSync != null) {
      modelSync.close();
    }
    models.unready();
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(this::closeResources).mapEmpty();
  }

  private Future<Object> closeResources() {
    return vertx.executeBlocking(() -> {
      models.workers().values().forEach(ModelWorker::close);
      if (background != null) {
        background.close();
      }
      if (washes != null) {
        washes.close();
      }
      washRecords.close(); // rows still waiting go to the spill file for the next start
      if (gpuProbe instanceof AutoCloseable closeable) {
        closeable.close();
      }
      return null;
    });
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

  /** The instance's lifecycle now (in memory: per-request BUSY and WASHING included). */
  public InstanceState state() {
    return lifecycle.state();
  }

  /** The lifecycle itself, e.g. to add a listener; transitions are the agent's (do not drive it from outside). */
  public InstanceLifecycle lifecycle() {
    return lifecycle;
  }

  /** The last inference arrivals (request id, lifecycle state found, refused or not), oldest first. */
  public List<ArrivalLog.Arrival> arrivals() {
    return arrivals.recent();
  }

  /** What the instance served, in order: arrivals, starts, finishes, batches, washes between tenants (audits). */
  public List<ArrivalLog.Event> servedEvents() {
    return arrivals.events();
  }

  /** Rounds of the background checks run so far. */
  public long backgroundRounds() {
    return background == null ? 0 : background.rounds();
  }

  /** The last washes (per-request and instance-level), oldest first. */
  public List<WashReport> recentWashes() {
    return washes == null ? List.of() : washes.recent();
  }

  /** Model versions refused at load (name:version, or a directory's name outside the registry) and why. */
  public Map<String, String> modelRefusals() {
    return modelSync == null ? Map.of() : modelSync.refusals();
  }

  /** The last model loads' timings (read, verify, session, warm-up), oldest first. */
  public List<ModelLoadTimings> modelLoads() {
    return modelSync == null ? List.of() : modelSync.loads();
  }

  /** The models served now, by name. */
  public List<String> servedModels() {
    return models.names();
  }

  /** Requests within which every model chunk is verified once: ceil(chunks / chunks per wash). */
  public int integrityCoverageBound() {
    return integrity.coverageBound();
  }

  /** ONNX Runtime session runs so far, across models. */
  long sessionRuns() {
    return sessionRuns.sum();
  }

  /** The admission bound and load figures (queue depth, in-flight, latency EWMA, health). */
  Admission admission() {
    return admission;
  }

  /** The reusable tenant-data buffers the wash scrubs (residue tests scan them). */
  AgentBuffers buffers() {
    return buffers;
  }

  /** The agent's meters (Prometheus on its listener; EMF lines in AWS). */
  public AgentMetrics metrics() {
    return metrics;
  }
}
