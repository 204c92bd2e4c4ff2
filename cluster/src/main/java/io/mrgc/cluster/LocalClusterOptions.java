package io.mrgc.cluster;

import io.mrgc.agent.NodeAgentOptions;
import io.mrgc.cluster.frontdoor.FrontDoorOptions;
import io.mrgc.cluster.frontdoor.HealthCheckOptions;
import io.mrgc.cluster.frontdoor.Regions;
import io.mrgc.common.Check;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code mrgc up} starts. {@code stateDir} holds the local stand-ins' files: the model repository (the FSx
 * mount, unless {@code modelRoot} says otherwise), the local key ring (KMS) and the enclaves' sockets. DynamoDB Local
 * is in memory unless {@code dataDir} is set. Ports of 0 pick free ones (tests). Tenants reach the front door and the
 * routers over HTTPS (the local CA in {@link #tlsDir()}) unless {@code plaintextHttp}. {@code edge}: the routers'
 * admin listeners and, when asked for, their PrivateLink (PROXY protocol v2) listeners. {@code peerAuth}: routers and
 * agents share a generated HMAC key (on unless {@link #withPeerAuth}(false), for benchmarks only).
 */
public record LocalClusterOptions(
    Path stateDir,
    Path dataDir,
    Path modelRoot,
    int dynamoDbPort,
    List<String> regions,
    int agentsPerRegion,
    int routerBasePort,
    List<String> anycastAddresses,
    int frontDoorPort,
    HealthCheckOptions healthCheck,
    int agentIntraOpThreads,
    int agentMaxBatchSize,
    boolean allowPlaintext,
    AutoscalingOptions autoscaling,
    FailoverOptions failover,
    boolean plaintextHttp,
    LocalEdgePorts edge,
    boolean peerAuth) {

  public static final Path DEFAULT_STATE_DIR = Path.of(".mrgc");
  public static final int DEFAULT_DYNAMODB_PORT = 8000;
  public static final int DEFAULT_AGENTS_PER_REGION = 2;
  /** Routers listen on 9001, 9002, 9003 for us-east-1, us-east-2, us-west-2. */
  public static final int DEFAULT_ROUTER_BASE_PORT = 9001;
  /** Six agents share this machine's cores: one ONNX Runtime thread each keeps them from fighting. */
  public static final int DEFAULT_AGENT_INTRA_OP_THREADS = 1;

  public LocalClusterOptions {
    Check.notNull("stateDir", stateDir);
    modelRoot = modelRoot == null ? stateDir.resolve("models") : modelRoot;
    Check.between("dynamoDbPort", dynamoDbPort, 0, 65535);
    if (regions == null || regions.isEmpty()) {
      throw new IllegalArgumentException("regions must name at least one region");
    }
    regions.forEach(Regions::nearestFirst);
    regions = List.copyOf(regions);
    Check.between("agentsPerRegion", agentsPerRegion, 0, 20);
    Check.between("routerBasePort", routerBasePort, 0, 65535 - regions.size());
    anycastAddresses = List.copyOf(Check.notNull("anycastAddresses", anycastAddresses));
    Check.between("frontDoorPort", frontDoorPort, 0, 65535);
    Check.notNull("healthCheck", healthCheck);
    Check.between("agentIntraOpThreads", agentIntraOpThreads, 0, 256);
    Check.between("agentMaxBatchSize", agentMaxBatchSize, 1, 256);
    Check.notNull("edge", edge);
  }

  /** Peer authentication on (every caller but the benchmarks'). */
  public LocalClusterOptions(Path stateDir, Path dataDir, Path modelRoot, int dynamoDbPort, List<String> regions,
      int agentsPerRegion, int routerBasePort, List<String> anycastAddresses, int frontDoorPort,
      HealthCheckOptions healthCheck, int agentIntraOpThreads, int agentMaxBatchSize, boolean allowPlaintext,
      AutoscalingOptions autoscaling, FailoverOptions failover, boolean plaintextHttp, LocalEdgePorts edge) {
    this(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion, routerBasePort, anycastAddresses,
        frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize, allowPlaintext, autoscaling, failover,
        plaintextHttp, edge, true);
  }

  public static LocalClusterOptions defaults() {
    return new LocalClusterOptions(DEFAULT_STATE_DIR, null, null, DEFAULT_DYNAMODB_PORT, Regions.ALL,
        DEFAULT_AGENTS_PER_REGION, DEFAULT_ROUTER_BASE_PORT, FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES,
        FrontDoorOptions.DEFAULT_PORT, HealthCheckOptions.defaults(), DEFAULT_AGENT_INTRA_OP_THREADS,
        NodeAgentOptions.DEFAULT_MAX_BATCH_SIZE, false, null, FailoverOptions.defaults(), false,
        LocalEdgePorts.defaults(), true);
  }

  /**
   * Everything on free ports, DynamoDB in memory, files under {@code stateDir}: for tests. Plaintext HTTP, for the
   * tests of routing, failover and scaling (ClusterTlsTest and {@link #withPlaintextHttp}(false) test the TLS that
   * {@link #defaults()} and {@code mrgc up} serve).
   */
  public static LocalClusterOptions ephemeral(Path stateDir) {
    return new LocalClusterOptions(stateDir, null, null, 0, Regions.ALL, DEFAULT_AGENTS_PER_REGION, 0,
        FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES, 0, HealthCheckOptions.defaults(), DEFAULT_AGENT_INTRA_OP_THREADS,
        NodeAgentOptions.DEFAULT_MAX_BATCH_SIZE, false, null, null, true, LocalEdgePorts.ephemeral(), true);
  }

  public LocalClusterOptions withDataDir(Path newDataDir) {
    return new LocalClusterOptions(stateDir, newDataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintextHttp, edge, peerAuth);
  }

  public LocalClusterOptions withHealthCheck(HealthCheckOptions newHealthCheck) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, newHealthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintextHttp, edge, peerAuth);
  }

  /** The local-development switch: routers accept plaintext inference bodies (off unless set). */
  public LocalClusterOptions withAllowPlaintext(boolean allow) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize, allow,
        autoscaling, failover, plaintextHttp, edge, peerAuth);
  }

  /** One autoscaler per region with the local fleet (null: the fleet stays as started). */
  public LocalClusterOptions withAutoscaling(AutoscalingOptions newAutoscaling) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, newAutoscaling, failover, plaintextHttp, edge, peerAuth);
  }

  public LocalClusterOptions withAgentsPerRegion(int agents) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agents, routerBasePort,
        anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize, allowPlaintext,
        autoscaling, failover, plaintextHttp, edge, peerAuth);
  }

  /** One failover controller per region (null: none; `mrgc up` runs them, tests opt in). */
  public LocalClusterOptions withFailover(FailoverOptions newFailover) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, newFailover, plaintextHttp, edge, peerAuth);
  }

  /**
   * {@code true}: the front door and the routers serve plaintext HTTP (NOT SECURE: API keys cross the network in
   * cleartext; {@code mrgc up --plaintext-http}). {@code false} (the default): HTTPS with certificates of the local CA
   * in {@link #tlsDir()}.
   */
  public LocalClusterOptions withPlaintextHttp(boolean plaintext) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintext, edge, peerAuth);
  }

  /**
   * Benchmarks only: {@code false} turns the router<->agent HMAC off (routers do not sign, agents then trust
   * x-mrgc-tenant from anyone who reaches their port). {@code true} (the default): one generated key per cluster.
   */
  public LocalClusterOptions withPeerAuth(boolean on) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintextHttp, edge, on);
  }

  /** The local CA (ca.pem: what tenants trust) and the listeners' certificate and key. */
  public Path tlsDir() {
    return stateDir.resolve("tls");
  }

  /** The routers' admin and PrivateLink (PROXY protocol v2) listeners. */
  public LocalClusterOptions withEdge(LocalEdgePorts newEdge) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintextHttp, newEdge, peerAuth);
  }

  public Path keyRingFile() {
    return stateDir.resolve("keyring.json");
  }

  public Path enclaveSocket(String instanceId) {
    return stateDir.resolve("enclaves").resolve(instanceId + ".sock");
  }

  public int routerPort(int regionIndex) {
    return routerBasePort == 0 ? 0 : routerBasePort + regionIndex;
  }
}
