package io.mrgc.agent;

import io.mrgc.carwash.WashRecorder;
import io.mrgc.carwash.steps.ModelIntegrityStep;
import io.mrgc.common.Check;
import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.common.net.ListenerLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Configuration of one node agent, validated at construction with exact messages. Build with
 * {@link #builder(String, String, Path)}; every field not set there has a {@code DEFAULT_*}.
 *
 * <p>Tenant isolation (docs/security.md): the instance serves one tenant at a time; that tenant's concurrent requests
 * (at most {@code maxBatchSize}) are batched into one ONNX Runtime run, waiting at most {@code maxBatchWait} for the
 * batch to fill. While another tenant waits, the tenant holding the instance may start at most
 * {@code tenantTurnRequests} more requests, for at most {@code tenantTurnTime}; then the instance gives way (full
 * wash, then the waiting tenant). An instance idle for {@code idleWashAfter} runs the full wash and belongs to no
 * tenant again. The request-independent checks (model integrity slice, GPU health, enclave ping) run in the
 * background every {@code backgroundCheckInterval}.
 *
 * <p>Models: the agent serves the model registry's AVAILABLE versions (and directories under {@code modelRoot} the
 * registry does not know), reading the registry every {@code modelPollInterval}; the served models' files may take at
 * most {@code modelMemoryBudgetBytes} in all.
 */
public record NodeAgentOptions(
    String region,
    String instanceId,
    String host,
    int port,
    Path modelRoot,
    String executionProvider,
    int intraOpThreads,
    int maxBatchSize,
    Duration maxBatchWait,
    int maxQueuedRequests,
    int maxInputsPerRequest,
    int maxTokensPerInput,
    int maxBodyBytes,
    Duration heartbeatInterval,
    Duration washTimeout,
    Duration instanceWashTimeout,
    int integrityChunkBytes,
    long integrityBytesPerWash,
    Duration fullIntegrityCheckInterval,
    long enclaveRestartEveryRequests,
    Duration enclaveRestartEvery,
    Duration washRecordTtl,
    PeerAuthOptions peerAuth,
    Duration inferenceTimeout,
    Path dataDir,
    int washRecordBacklog,
    long washRecordSpillBytes,
    ListenerLimits listener,
    boolean tenantIsolation,
    int tenantTurnRequests,
    Duration tenantTurnTime,
    Duration idleWashAfter,
    Duration backgroundCheckInterval,
    Duration modelPollInterval,
    long modelMemoryBudgetBytes) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 0;
  public static final String DEFAULT_EXECUTION_PROVIDER = "cpu";
  /** 0 lets ONNX Runtime choose (one thread per core). */
  public static final int DEFAULT_INTRA_OP_THREADS = 0;
  public static final int DEFAULT_MAX_BATCH_SIZE = 32;
  public static final Duration DEFAULT_MAX_BATCH_WAIT = Duration.ofMillis(2);
  public static final int DEFAULT_MAX_QUEUED_REQUESTS = 256;
  public static final int DEFAULT_MAX_INPUTS_PER_REQUEST = 128;
  public static final int DEFAULT_MAX_TOKENS_PER_INPUT = 256;
  /** The envelope limit, as the router's: a body the router buffered and forwarded is never too large here. */
  public static final int DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
  /**
   * The time limit of the wash between tenants and of a background round; past it the wash is TIMED_OUT and the
   * instance QUARANTINED.
   */
  public static final Duration DEFAULT_WASH_TIMEOUT = Duration.ofSeconds(2);
  /** The instance-level wash's time limit (an enclave restart waits for the new enclave to boot and prove itself). */
  public static final Duration DEFAULT_INSTANCE_WASH_TIMEOUT = Duration.ofMinutes(2);
  public static final int DEFAULT_INTEGRITY_CHUNK_BYTES = ModelIntegrityStep.DEFAULT_CHUNK_BYTES;
  public static final long DEFAULT_INTEGRITY_BYTES_PER_WASH = ModelIntegrityStep.DEFAULT_BYTES_PER_WASH;
  public static final Duration DEFAULT_FULL_INTEGRITY_CHECK_INTERVAL = Duration.ofHours(1);
  /** Restart the enclave for a fresh attestation after this many requests (0: not on a count)... */
  public static final long DEFAULT_ENCLAVE_RESTART_EVERY_REQUESTS = 10_000;
  /** ...or this long after the last restart (null: not on time), whichever comes first. */
  public static final Duration DEFAULT_ENCLAVE_RESTART_EVERY = Duration.ofHours(1);
  public static final Duration DEFAULT_WASH_RECORD_TTL = WashRecorder.DEFAULT_TTL;
  /**
   * Off: the agent trusts {@code x-mrgc-tenant} from whoever reaches its port. Only for tests and tools; every
   * deployment ({@code mrgc up}, AWS) sets keys, and then a request without a valid router signature is refused
   * with 401 {@code peer_unauthenticated} before anything else happens.
   */
  public static final PeerAuthOptions DEFAULT_PEER_AUTH = PeerAuthOptions.none();
  /** An inference (all the session runs of one request) is terminated past this, answered 504, and quarantines. */
  public static final Duration DEFAULT_INFERENCE_TIMEOUT = Duration.ofSeconds(30);
  /** No data directory: wash records that cannot be written wait in memory only. */
  public static final Path DEFAULT_DATA_DIR = null;
  /** Wash records kept in memory while DynamoDB cannot be written; beyond it they spill to the data directory. */
  public static final int DEFAULT_WASH_RECORD_BACKLOG = 10_000;
  /** Bound on the spill file of unwritten wash records (JSON lines) in the data directory. */
  public static final long DEFAULT_WASH_RECORD_SPILL_BYTES = 64L * 1024 * 1024;
  /** Header, idle and request deadlines and connection cap of the agent's HTTP listener. */
  public static final ListenerLimits DEFAULT_LISTENER = ListenerLimits.defaults();
  /** On: one tenant per instance at a time. Off only for benchmarks (any tenants' requests share a batch). */
  public static final boolean DEFAULT_TENANT_ISOLATION = true;
  /** Requests the tenant holding the instance may still start once another tenant waits. */
  public static final int DEFAULT_TENANT_TURN_REQUESTS = 4 * DEFAULT_MAX_BATCH_SIZE;
  /** How long the tenant holding the instance may go on once another tenant waits. */
  public static final Duration DEFAULT_TENANT_TURN_TIME = Duration.ofMillis(200);
  /** An instance idle this long runs the full wash and belongs to no tenant again. */
  public static final Duration DEFAULT_IDLE_WASH_AFTER = Duration.ofSeconds(2);
  /** How often the request-independent wash checks run beside the work. */
  public static final Duration DEFAULT_BACKGROUND_CHECK_INTERVAL = Duration.ofMillis(100);
  /** How often the agent reads the model registry for models to load or unload. */
  public static final Duration DEFAULT_MODEL_POLL_INTERVAL = Duration.ofSeconds(2);
  /** The served models' files (the sum of their sizes) may take at most this much. */
  public static final long DEFAULT_MODEL_MEMORY_BUDGET_BYTES = 8L << 30;
  /** The largest memory budget accepted (16 TiB). */
  public static final long MAX_MODEL_MEMORY_BUDGET_BYTES = 1L << 44;

  public NodeAgentOptions {
    Check.notBlank("region", region);
    Check.notBlank("instanceId", instanceId);
    Check.notBlank("host", host);
    Check.between("port", port, 0, 65535);
    Check.notNull("modelRoot", modelRoot);
    Check.notBlank("executionProvider", executionProvider);
    executionProvider = executionProvider.toLowerCase(Locale.ROOT);
    if (!executionProvider.equals("cpu") && !executionProvider.equals("cuda")) {
      throw new IllegalArgumentException(
          "executionProvider must be one of [cpu, cuda], but was " + executionProvider);
    }
    Check.between("intraOpThreads", intraOpThreads, 0, 256);
    Check.between("maxBatchSize", maxBatchSize, 1, 256);
    Check.positive("maxBatchWait", maxBatchWait);
    Check.between("maxQueuedRequests", maxQueuedRequests, 1, 100_000);
    Check.between("maxInputsPerRequest", maxInputsPerRequest, 1, 4096);
    Check.between("maxTokensPerInput", maxTokensPerInput, 1, 8192);
    Check.between("maxBodyBytes", maxBodyBytes, 1024, 256 * 1024 * 1024);
    Check.positive("heartbeatInterval", heartbeatInterval);
    Check.positive("washTimeout", washTimeout);
    Check.positive("instanceWashTimeout", instanceWashTimeout);
    Check.between("integrityChunkBytes", integrityChunkBytes, 4096, 256 * 1024 * 1024);
    Check.between("integrityBytesPerWash", integrityBytesPerWash, 1, 1L << 40);
    if (fullIntegrityCheckInterval != null) {
      Check.positive("fullIntegrityCheckInterval", fullIntegrityCheckInterval);
    }
    Check.between("enclaveRestartEveryRequests", enclaveRestartEveryRequests, 0, Long.MAX_VALUE);
    if (enclaveRestartEvery != null) {
      Check.positive("enclaveRestartEvery", enclaveRestartEvery);
    }
    Check.positive("washRecordTtl", washRecordTtl);
    Check.notNull("peerAuth", peerAuth);
    Check.positive("inferenceTimeout", inferenceTimeout);
    Check.between("washRecordBacklog", washRecordBacklog, 1, 1_000_000);
    Check.between("washRecordSpillBytes", washRecordSpillBytes, 0, 1L << 40);
    Check.notNull("listener", listener);
    Check.between("tenantTurnRequests", tenantTurnRequests, 1, 1_000_000);
    Check.positive("tenantTurnTime", tenantTurnTime);
    Check.positive("idleWashAfter", idleWashAfter);
    Check.positive("backgroundCheckInterval", backgroundCheckInterval);
    Check.positive("modelPollInterval", modelPollInterval);
    Check.between("modelMemoryBudgetBytes", modelMemoryBudgetBytes, 1, MAX_MODEL_MEMORY_BUDGET_BYTES);
  }

  public static Builder builder(String region, String instanceId, Path modelRoot) {
    return new Builder(region, instanceId, modelRoot);
  }

  /** Base URL routers use to reach this agent once it listens on {@code port}. */
  public String endpointFor(int actualPort) {
    return "http://" + host + ":" + actualPort;
  }

  /** Fluent builder starting from the defaults; {@link #build()} validates. */
  public static final class Builder {
    private final String region;
    private final String instanceId;
    private final Path modelRoot;
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private String executionProvider = DEFAULT_EXECUTION_PROVIDER;
    private int intraOpThreads = DEFAULT_INTRA_OP_THREADS;
    private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
    private Duration maxBatchWait = DEFAULT_MAX_BATCH_WAIT;
    private int maxQueuedRequests = DEFAULT_MAX_QUEUED_REQUESTS;
    private int maxInputsPerRequest = DEFAULT_MAX_INPUTS_PER_REQUEST;
    private int maxTokensPerInput = DEFAULT_MAX_TOKENS_PER_INPUT;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    private Duration washTimeout = DEFAULT_WASH_TIMEOUT;
    private Duration instanceWashTimeout = DEFAULT_INSTANCE_WASH_TIMEOUT;
    private int integrityChunkBytes = DEFAULT_INTEGRITY_CHUNK_BYTES;
    private long integrityBytesPerWash = DEFAULT_INTEGRITY_BYTES_PER_WASH;
    private Duration fullIntegrityCheckInterval = DEFAULT_FULL_INTEGRITY_CHECK_INTERVAL;
    private long enclaveRestartEveryRequests = DEFAULT_ENCLAVE_RESTART_EVERY_REQUESTS;
    private Duration enclaveRestartEvery = DEFAULT_ENCLAVE_RESTART_EVERY;
    private Duration washRecordTtl = DEFAULT_WASH_RECORD_TTL;
    private PeerAuthOptions peerAuth = DEFAULT_PEER_AUTH;
    private Duration inferenceTimeout = DEFAULT_INFERENCE_TIMEOUT;
    private Path dataDir = DEFAULT_DATA_DIR;
    private int washRecordBacklog = DEFAULT_WASH_RECORD_BACKLOG;
    private long washRecordSpillBytes = DEFAULT_WASH_RECORD_SPILL_BYTES;
    private ListenerLimits listener = DEFAULT_LISTENER;
    private boolean tenantIsolation = DEFAULT_TENANT_ISOLATION;
    private int tenantTurnRequests = DEFAULT_TENANT_TURN_REQUESTS;
    private Duration tenantTurnTime = DEFAULT_TENANT_TURN_TIME;
    private Duration idleWashAfter = DEFAULT_IDLE_WASH_AFTER;
    private Duration backgroundCheckInterval = DEFAULT_BACKGROUND_CHECK_INTERVAL;
    private Duration modelPollInterval = DEFAULT_MODEL_POLL_INTERVAL;
    private long modelMemoryBudgetBytes = DEFAULT_MODEL_MEMORY_BUDGET_BYTES;

    private Builder(String region, String instanceId, Path modelRoot) {
      this.region = region;
      this.instanceId = instanceId;
      this.modelRoot = modelRoot;
    }

    public Builder host(String host) { this.host = host; return this; }
    public Builder port(int port) { this.port = port; return this; }
    public Builder executionProvider(String executionProvider) { this.executionProvider = executionProvider; return this; }
    public Builder intraOpThreads(int intraOpThreads) { this.intraOpThreads = intraOpThreads; return this; }
    public Builder maxBatchSize(int maxBatchSize) { this.maxBatchSize = maxBatchSize; return this; }
    /** How long a batch waits to fill with more requests of the same tenant. */
    public Builder maxBatchWait(Duration maxBatchWait) { this.maxBatchWait = maxBatchWait; return this; }
    public Builder maxQueuedRequests(int maxQueuedRequests) { this.maxQueuedRequests = maxQueuedRequests; return this; }
    public Builder maxInputsPerRequest(int maxInputsPerRequest) { this.maxInputsPerRequest = maxInputsPerRequest; return this; }
    public Builder maxTokensPerInput(int maxTokensPerInput) { this.maxTokensPerInput = maxTokensPerInput; return this; }
    public Builder maxBodyBytes(int maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; return this; }
    public Builder heartbeatInterval(Duration heartbeatInterval) { this.heartbeatInterval = heartbeatInterval; return this; }
    public Builder washTimeout(Duration washTimeout) { this.washTimeout = washTimeout; return this; }
    public Builder instanceWashTimeout(Duration instanceWashTimeout) { this.instanceWashTimeout = instanceWashTimeout; return this; }
    public Builder integrityChunkBytes(int integrityChunkBytes) { this.integrityChunkBytes = integrityChunkBytes; return this; }
    public Builder integrityBytesPerWash(long integrityBytesPerWash) { this.integrityBytesPerWash = integrityBytesPerWash; return this; }
    /** null: no scheduled full check (only at load and before a release). */
    public Builder fullIntegrityCheckInterval(Duration interval) { this.fullIntegrityCheckInterval = interval; return this; }
    /** 0: not on a request count. */
    public Builder enclaveRestartEveryRequests(long requests) { this.enclaveRestartEveryRequests = requests; return this; }
    /** null: not on time. */
    public Builder enclaveRestartEvery(Duration interval) { this.enclaveRestartEvery = interval; return this; }
    public Builder washRecordTtl(Duration washRecordTtl) { this.washRecordTtl = washRecordTtl; return this; }
    /** The router<->agent HMAC keys ({@link PeerAuthOptions#none()}: off). */
    public Builder peerAuth(PeerAuthOptions peerAuth) { this.peerAuth = peerAuth; return this; }
    public Builder inferenceTimeout(Duration inferenceTimeout) { this.inferenceTimeout = inferenceTimeout; return this; }
    /** Where the agent keeps what must survive it (the wash-record spill file); null: nothing on disk. */
    public Builder dataDir(Path dataDir) { this.dataDir = dataDir; return this; }
    public Builder washRecordBacklog(int records) { this.washRecordBacklog = records; return this; }
    /** 0: no spill file. */
    public Builder washRecordSpillBytes(long bytes) { this.washRecordSpillBytes = bytes; return this; }
    public Builder listener(ListenerLimits listener) { this.listener = listener; return this; }
    /** false: benchmarks only; requests of any tenants share batches and the instance (no switch wash). */
    public Builder tenantIsolation(boolean tenantIsolation) { this.tenantIsolation = tenantIsolation; return this; }
    public Builder tenantTurnRequests(int requests) { this.tenantTurnRequests = requests; return this; }
    public Builder tenantTurnTime(Duration turnTime) { this.tenantTurnTime = turnTime; return this; }
    public Builder idleWashAfter(Duration idleWashAfter) { this.idleWashAfter = idleWashAfter; return this; }
    public Builder backgroundCheckInterval(Duration interval) { this.backgroundCheckInterval = interval; return this; }
    /** How often the model registry is read for models to load (new AVAILABLE versions) or unload (retired). */
    public Builder modelPollInterval(Duration interval) { this.modelPollInterval = interval; return this; }
    /** Bytes the served models' files may take in all; a model that does not fit is refused. */
    public Builder modelMemoryBudgetBytes(long bytes) { this.modelMemoryBudgetBytes = bytes; return this; }

    public NodeAgentOptions build() {
      return new NodeAgentOptions(region, instanceId, host, port, modelRoot, executionProvider, intraOpThreads,
          maxBatchSize, maxBatchWait, maxQueuedRequests, maxInputsPerRequest, maxTokensPerInput, maxBodyBytes,
          heartbeatInterval, washTimeout, instanceWashTimeout, integrityChunkBytes, integrityBytesPerWash,
          fullIntegrityCheckInterval, enclaveRestartEveryRequests, enclaveRestartEvery, washRecordTtl, peerAuth,
          inferenceTimeout, dataDir, washRecordBacklog, washRecordSpillBytes, listener, tenantIsolation,
          tenantTurnRequests, tenantTurnTime, idleWashAfter, backgroundCheckInterval, modelPollInterval,
          modelMemoryBudgetBytes);
    }
  }
}
