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
 * {@code routersPerRegion}: routers behind the front door in each region (router j of region i on port
 * {@code routerBasePort + i + j * regions}, admin and PrivateLink ports the same way). {@code agentTenantIsolation}:
 * every agent serves one tenant at a time (on unless {@link #withAgentTenantIsolation}(false), for benchmarks only).
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
    boolean peerAuth,
    int routersPerRegion,
    boolean agentTenantIsolation) {

  public static final Path DEFAULT_STATE_DIR = Path.of(".mrgc");
  public static final int DEFAULT_DYNAMODB_PORT = 8000;
  public static final int DEFAULT_AGENTS_PER_REGION = 2;
  /** Routers listen on 9001, 9002, 9003 for us-east-1, us-east-2, us-west-2. */
  public static final int DEFAULT_ROUTER_BASE_PORT = 9001;
  public static final int DEFAULT_ROUTERS_PER_REGION = 1;
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
    Check.between("routersPerRegion", routersPerRegion, 1, 4);
    Check.between("routerBasePort", routerBasePort, 0, 65535 - regions.size() * routersPerRegion);
    anycastAddresses = List.copyOf(Check.notNull("anycastAddresses", anycastAddresses));
    Check.between("frontDoorPort", frontDoorPort, 0, 65535);
    Check.notNull("healthCheck", healthCheck);
    Check.between("agentIntraOpThreads", agentIntraOpThreads, 0, 256);
    Check.between("agentMaxBatchSize", agentMaxBatchSize, 1, 256);
    Check.notNull("edge", edge);
  }

  /** Peer authentication and tenant isolation on, one router per region (every caller but the benchmarks'). */
  public LocalClusterOptions(Path stateDir, Path dataDir, Path modelRoot, int dynamoDbPort, List<String> regions,
      int agentsPerRegion, int routerBasePort, List<String> anycastAddresses, int frontDoorPort,
      HealthCheckOptions healthCheck, int agentIntraOpThreads, int agentMaxBatchSize, boolean allowPlaintext,
      AutoscalingOptions autoscaling, FailoverOptions failover, boolean plaintextHttp, LocalEdgePorts edge) {
    this(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion, routerBasePort, anycastAddresses,
        frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize, allowPlaintext, autoscaling, failover,
        plaintextHttp, edge, true, DEFAULT_ROUTERS_PER_REGION, NodeAgentOptions.DEFAULT_TENANT_ISOLATION);
  }

  public static LocalClusterOptions defaults() {
    return new LocalClusterOptions(DEFAULT_STATE_DIR, null, null, DEFAULT_DYNAMODB_PORT, Regions.ALL,
        DEFAULT_AGENTS_PER_REGION, DEFAULT_ROUTER_BASE_PORT, FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES,
        FrontDoorOptions.DEFAULT_PORT, HealthCheckOptions.defaults(), DEFAULT_AGENT_INTRA_OP_THREADS,
        NodeAgentOptions.DEFAULT_MAX_BATCH_SIZE, false, null, FailoverOptions.defaults(), false,
        LocalEdgePorts.defaults(), true, DEFAULT_ROUTERS_PER_REGION, NodeAgentOptions.DEFAULT_TENANT_ISOLATION);
  }

  /**
   * Everything on free ports, DynamoDB in memory, files under {@code stateDir}: for tests. Plaintext HTTP, for the
   * tests of routing, failover and scaling (ClusterTlsTest and {@link #withPlaintextHttp}(false) test the TLS that
   * {@link #defaults()} and {@code mrgc up} serve).
   */
  public static LocalClusterOptions ephemeral(Path stateDir) {
    return new LocalClusterOptions(stateDir, null, null, 0, Regions.ALL, DEFAULT_AGENTS_PER_REGION, 0,
        FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES, 0, HealthCheckOptions.defaults(), DEFAULT_AGENT_INTRA_OP_THREADS,
        NodeAgentOptions.DEFAULT_MAX_BATCH_SIZE, false, null, null, true, LocalEdgePorts.ephemeral(), true,
        DEFAULT_ROUTERS_PER_REGION, NodeAgentOptions.DEFAULT_TENANT_ISOLATION);
  }

  public LocalClusterOptions withDataDir(Path newDataDir) {
    return new LocalClusterOptions(stateDir, newDataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintextHttp, edge, peerAuth, routersPerRegion, agentTenantIsolation);
  }

  public LocalClusterOptions withHealthCheck(HealthCheckOptions newHealthCheck) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, newHealthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintextHttp, edge, peerAuth, routersPerRegion, agentTenantIsolation);
  }

  /** The local-development switch: routers accept plaintext inference bodies (off unless set). */
  public LocalClusterOptions withAllowPlaintext(boolean allow) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize, allow,
        autoscaling, failover, plaintextHttp, edge, peerAuth, routersPerRegion, agentTenantIsolation);
  }

  /** One autoscaler per region with the local fleet (null: the fleet stays as started). */
  public LocalClusterOptions withAutoscaling(AutoscalingOptions newAutoscaling) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, newAutoscaling, failover, plaintextHttp, edge, peerAuth, routersPerRegion,
        agentTenantIsolation);
  }

  public LocalClusterOptions withAgentsPerRegion(int agents) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agents, routerBasePort,
        anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize, allowPlaintext,
        autoscaling, failover, plaintextHttp, edge, peerAuth, routersPerRegion, agentTenantIsolation);
  }

  /** One failover controller per region (null: none; `mrgc up` runs them, tests opt in). */
  public LocalClusterOptions withFailover(FailoverOptions newFailover) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, newFailover, plaintextHttp, edge, peerAuth, routersPerRegion,
        agentTenantIsolation);
  }

  /**
   * {@code true}: the front door and the routers serve plaintext HTTP (NOT SECURE: API keys cross the network in
   * cleartext; {@code mrgc up --plaintext-http}). {@code false} (the default): HTTPS with certificates of the local CA
   * in {@link #tlsDir()}.
   */
  public LocalClusterOptions withPlaintextHttp(boolean plaintext) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintext, edge, peerAuth, routersPerRegion, agentTenantIsolation);
  }

  /**
   * Benchmarks only: {@code false} turns the router<->agent HMAC off (routers do not sign, agents then trust
   * x-mrgc-tenant from anyone who reaches their port). {@code true} (the default): one generated key per cluster.
   */
  public LocalClusterOptions withPeerAuth(boolean on) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintextHttp, edge, on, routersPerRegion, agentTenantIsolation);
  }

  /** Routers per region behind the front door, each with its own view of its dispatches (1, the default, to 4). */
  public LocalClusterOptions withRoutersPerRegion(int routers) {
    return withRoutersAndIsolation(routers, agentTenantIsolation);
  }

  /**
   * Benchmarks only: {@code false} turns the agents' tenant isolation off (requests of any tenants share an instance
   * and a batch; the isolation between tenants docs/security.md promises does not hold). {@code true} (the default):
   * an instance serves one tenant at a time ({@code mrgc up --agent-isolation tenant|off}).
   */
  public LocalClusterOptions withAgentTenantIsolation(boolean on) {
    return withRoutersAndIsolation(routersPerRegion, on);
  }

  private LocalClusterOptions withRoutersAndIsolation(int routers, boolean isolation) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintextHttp, edge, peerAuth, routers, isolation);
  }

  /** The local CA (ca.pem: what tenants trust) and the listeners' certificate and key. */
  public Path tlsDir() {
    return stateDir.resolve("tls");
  }

  /** The routers' admin and PrivateLink (PROXY protocol v2) listeners. */
  public LocalClusterOptions withEdge(LocalEdgePorts newEdge) {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion,
        routerBasePort, anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize,
        allowPlaintext, autoscaling, failover, plaintextHttp, newEdge, peerAuth, routersPerRegion,
        agentTenantIsolation);
  }

  public Path keyRingFile() {
    return stateDir.resolve("keyring.json");
  }

  public Path enclaveSocket(String instanceId) {
    return stateDir.resolve("enclaves").resolve(instanceId + ".sock");
  }

  /**
   * Router {@code router} (0-based) of region {@code regionIndex} takes the ports at this offset from each base
   * (tenant, admin, PrivateLink): the first routers of the regions the consecutive ports, then the second ones.
   */
  public int routerSlot(int regionIndex, int router) {
    return regionIndex + router * regions.size();
  }

  /** The tenant port of the router at {@code slot} ({@link #routerSlot}), or 0 (a free one). */
  public int routerPort(int slot) {
    return routerBasePort == 0 ? 0 : routerBasePort + slot;
  }
}
