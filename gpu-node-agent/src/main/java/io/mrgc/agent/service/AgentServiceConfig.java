package io.mrgc.agent.service;

import io.mrgc.agent.NodeAgentOptions;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.state.config.Deployment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * {@code mrgc serve agent}'s configuration: where it runs ({@link Deployment}), the node agent's options (a curated
 * set of {@link NodeAgentOptions}; the rest keep their defaults) and its enclave.
 */
public record AgentServiceConfig(Deployment deployment, NodeAgentOptions agent, AgentEnclaveConfig enclave) {
  /** ONNX Runtime's execution provider, as the agent's options spell it. */
  public enum ExecutionProvider {
    CPU,
    CUDA
  }

  /** Declares and reads every key; problems go to {@code reader} (see {@link ConfigReader#finish}). */
  public static AgentServiceConfig read(ConfigReader reader) {
    Deployment deployment = Deployment.read(reader);
    String instanceId = reader.required("instanceId", "an instance id (mode aws: the EC2 instance id)",
        "this instance's row in gpu_instances; mode aws: the EC2 instance id, which the launch template's user data "
            + "writes as MRGC_INSTANCE_ID from the instance metadata");
    ConfigReader listener = reader.section("listener");
    String host = listener.string("host", NodeAgentOptions.DEFAULT_HOST,
        "the address the inference listener binds, also written to gpu_instances for routers: mode aws: the "
            + "instance's private IP (user data writes MRGC_LISTENER_HOST)");
    int port = listener.integer("port", NodeAgentOptions.DEFAULT_PORT, 0, 65535,
        "the inference listener's port (0: any free port, written to gpu_instances)");
    long maxBodyBytes = listener.bytes("maxBodyBytes", NodeAgentOptions.DEFAULT_MAX_BODY_BYTES, 1024,
        256L * 1024 * 1024, "largest request body (413 body_too_large beyond); the routers' envelope limit");
    Path modelRoot = reader.path("modelRoot", null,
        "the model repository (mode aws: the FSx for Lustre mount); must be an existing directory");
    ConfigReader models = reader.section("models");
    Duration modelPollInterval = models.duration("pollInterval", NodeAgentOptions.DEFAULT_MODEL_POLL_INTERVAL,
        "how often the agent reads the model registry: it loads a new AVAILABLE version (served once loaded, "
            + "verified and warmed up) and unloads a retired model after its requests in flight");
    long modelMemoryBudget = models.bytes("memoryBudget", NodeAgentOptions.DEFAULT_MODEL_MEMORY_BUDGET_BYTES,
        1L << 20, NodeAgentOptions.MAX_MODEL_MEMORY_BUDGET_BYTES,
        "the most the served models' files may take in all (a model's footprint: the sum of its files' sizes); a "
            + "model that does not fit is refused and tried again once another is unloaded");
    ExecutionProvider provider = reader.choice("executionProvider", ExecutionProvider.CPU, ExecutionProvider.class,
        "ONNX Runtime execution provider: cuda on GPU hosts (fails at start without the CUDA build), cpu locally");
    int intraOpThreads = reader.integer("intraOpThreads", NodeAgentOptions.DEFAULT_INTRA_OP_THREADS, 0, 256,
        "ONNX Runtime threads per session run (0: one per core)");
    int maxBatchSize = reader.integer("maxBatchSize", NodeAgentOptions.DEFAULT_MAX_BATCH_SIZE, 1, 256,
        "inputs per session run; a request with more inputs is split into several runs");
    Duration maxBatchWait = reader.duration("maxBatchWait", NodeAgentOptions.DEFAULT_MAX_BATCH_WAIT,
        "how long a batch waits to fill with more concurrent requests of the tenant holding the instance");
    ConfigReader isolation = reader.section("isolation");
    boolean tenantIsolation = isolation.flag("tenant", NodeAgentOptions.DEFAULT_TENANT_ISOLATION,
        "one tenant per instance at a time, the full wash between tenants; false only for benchmarks (tenants "
            + "share batches)");
    int turnRequests = isolation.integer("turnRequests", NodeAgentOptions.DEFAULT_TENANT_TURN_REQUESTS, 1,
        1_000_000, "requests the tenant holding the instance may still start once another tenant waits");
    Duration turnTime = isolation.duration("turnTime", NodeAgentOptions.DEFAULT_TENANT_TURN_TIME,
        "how long the tenant holding the instance may go on once another tenant waits");
    Duration idleWashAfter = isolation.duration("idleWashAfter", NodeAgentOptions.DEFAULT_IDLE_WASH_AFTER,
        "an instance idle this long runs the full wash and belongs to no tenant again");
    Duration backgroundChecks = isolation.duration("backgroundCheckInterval",
        NodeAgentOptions.DEFAULT_BACKGROUND_CHECK_INTERVAL,
        "how often the request-independent wash checks (integrity slice, GPU health, enclave ping) run");
    int maxQueuedRequests = reader.integer("maxQueuedRequests", NodeAgentOptions.DEFAULT_MAX_QUEUED_REQUESTS, 1,
        100_000, "requests waiting or running on this instance before 429 overloaded");
    Duration inferenceTimeout = reader.duration("inferenceTimeout", NodeAgentOptions.DEFAULT_INFERENCE_TIMEOUT,
        "one request's inference past this is stopped, answered 504 and the instance quarantined");
    Duration heartbeatInterval = reader.duration("heartbeatInterval", NodeAgentOptions.DEFAULT_HEARTBEAT_INTERVAL,
        "how often the agent writes its row in gpu_instances (and at once on every state change)");
    Optional<Path> dataDir = reader.optionalPath("dataDir",
        "where the agent keeps what must survive it (wash records not yet written to DynamoDB); unset: memory only");
    PeerAuthOptions peerAuth = AgentPeerAuth.read(reader.section("peerAuth"), deployment.mode());
    AgentEnclaveConfig enclave = AgentEnclaveConfig.read(reader.section("enclave"), deployment.mode());
    String region = region(reader, deployment);
    NodeAgentOptions agent = reader.build("agent", () -> {
      NodeAgentOptions.Builder builder = NodeAgentOptions.builder(region, instanceId, modelRoot).host(host)
          .port(port).maxBodyBytes((int) maxBodyBytes).executionProvider(provider.name().toLowerCase(Locale.ROOT))
          .intraOpThreads(intraOpThreads).maxBatchSize(maxBatchSize).maxBatchWait(maxBatchWait)
          .maxQueuedRequests(maxQueuedRequests).tenantIsolation(tenantIsolation).tenantTurnRequests(turnRequests)
          .tenantTurnTime(turnTime).idleWashAfter(idleWashAfter).backgroundCheckInterval(backgroundChecks)
          .inferenceTimeout(inferenceTimeout).heartbeatInterval(heartbeatInterval).dataDir(dataDir.orElse(null))
          .peerAuth(peerAuth).modelPollInterval(modelPollInterval).modelMemoryBudgetBytes(modelMemoryBudget);
      if (enclave.transport() == AgentEnclaveConfig.Transport.UNIX) {
        // An enclave process of its own is never restarted by this agent: no restarts on a schedule (an enclave
        // error still makes one due, which quarantines: the instance cannot serve encrypted requests then).
        builder.enclaveRestartEveryRequests(0).enclaveRestartEvery(null);
      }
      return builder.build();
    });
    return new AgentServiceConfig(deployment, agent, enclave);
  }

  /** The file's region, else (mode aws) the SDK's region chain's; empty when neither says (a problem then). */
  private static String region(ConfigReader reader, Deployment deployment) {
    if (deployment.mode() != Mode.AWS || !deployment.region().isEmpty()) {
      return deployment.region();
    }
    try {
      return deployment.effectiveRegion();
    } catch (SdkClientException e) {
      reader.problem("region", "missing; mode aws and the AWS SDK's region chain (AWS_REGION, profile) has none");
      return "";
    }
  }
}
