package io.mrgc.agent;

import io.mrgc.common.Check;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Configuration of one node agent, validated at construction with exact messages. Build with
 * {@link #builder(String, String, Path)}; every field not set there has a {@code DEFAULT_*}.
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
    Duration heartbeatInterval) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 0;
  public static final String DEFAULT_EXECUTION_PROVIDER = "cpu";
  /** 0 lets ONNX Runtime choose (one thread per core). */
  public static final int DEFAULT_INTRA_OP_THREADS = 0;
  public static final int DEFAULT_MAX_BATCH_SIZE = 32;
  public static final Duration DEFAULT_MAX_BATCH_WAIT = Duration.ofMillis(5);
  public static final int DEFAULT_MAX_QUEUED_REQUESTS = 256;
  public static final int DEFAULT_MAX_INPUTS_PER_REQUEST = 128;
  public static final int DEFAULT_MAX_TOKENS_PER_INPUT = 256;
  public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

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
    public Builder maxBatchWait(Duration maxBatchWait) { this.maxBatchWait = maxBatchWait; return this; }
    public Builder maxQueuedRequests(int maxQueuedRequests) { this.maxQueuedRequests = maxQueuedRequests; return this; }
    public Builder maxInputsPerRequest(int maxInputsPerRequest) { this.maxInputsPerRequest = maxInputsPerRequest; return this; }
    public Builder maxTokensPerInput(int maxTokensPerInput) { this.maxTokensPerInput = maxTokensPerInput; return this; }
    public Builder maxBodyBytes(int maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; return this; }
    public Builder heartbeatInterval(Duration heartbeatInterval) { this.heartbeatInterval = heartbeatInterval; return this; }

    public NodeAgentOptions build() {
      return new NodeAgentOptions(region, instanceId, host, port, modelRoot, executionProvider, intraOpThreads,
          maxBatchSize, maxBatchWait, maxQueuedRequests, maxInputsPerRequest, maxTokensPerInput, maxBodyBytes,
          heartbeatInterval);
    }
  }
}
