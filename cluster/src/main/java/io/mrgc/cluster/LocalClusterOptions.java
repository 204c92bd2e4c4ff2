package io.mrgc.cluster;

import io.mrgc.agent.NodeAgentOptions;
import io.mrgc.cluster.frontdoor.FrontDoorOptions;
import io.mrgc.cluster.frontdoor.HealthCheckOptions;
import io.mrgc.cluster.frontdoor.Regions;
import io.mrgc.common.Check;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code mrgc up} starts: DynamoDB Local (in memory unless {@code dataDir}), the model root standing for the FSx
 * mount, the regions with their routers and node agents, and the front door. Ports of 0 pick free ones (tests).
 */
public record LocalClusterOptions(
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
    int agentMaxBatchSize) {

  public static final int DEFAULT_DYNAMODB_PORT = 8000;
  public static final int DEFAULT_AGENTS_PER_REGION = 2;
  /** Routers listen on 9001, 9002, 9003 for us-east-1, us-east-2, us-west-2. */
  public static final int DEFAULT_ROUTER_BASE_PORT = 9001;
  /** Six agents share this machine's cores: one ONNX Runtime thread each keeps them from fighting. */
  public static final int DEFAULT_AGENT_INTRA_OP_THREADS = 1;
  public static final Path DEFAULT_MODEL_ROOT = Path.of(".mrgc", "models");

  public LocalClusterOptions {
    Check.notNull("modelRoot", modelRoot);
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
  }

  public static LocalClusterOptions defaults() {
    return new LocalClusterOptions(null, DEFAULT_MODEL_ROOT, DEFAULT_DYNAMODB_PORT, Regions.ALL,
        DEFAULT_AGENTS_PER_REGION, DEFAULT_ROUTER_BASE_PORT, FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES,
        FrontDoorOptions.DEFAULT_PORT, HealthCheckOptions.defaults(), DEFAULT_AGENT_INTRA_OP_THREADS,
        NodeAgentOptions.DEFAULT_MAX_BATCH_SIZE);
  }

  /** Everything on free ports, in memory, for tests. */
  public static LocalClusterOptions ephemeral(Path modelRoot) {
    return new LocalClusterOptions(null, modelRoot, 0, Regions.ALL, DEFAULT_AGENTS_PER_REGION, 0,
        FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES, 0, HealthCheckOptions.defaults(), DEFAULT_AGENT_INTRA_OP_THREADS,
        NodeAgentOptions.DEFAULT_MAX_BATCH_SIZE);
  }

  public LocalClusterOptions withDataDir(Path newDataDir) {
    return new LocalClusterOptions(newDataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion, routerBasePort,
        anycastAddresses, frontDoorPort, healthCheck, agentIntraOpThreads, agentMaxBatchSize);
  }

  public LocalClusterOptions withHealthCheck(HealthCheckOptions newHealthCheck) {
    return new LocalClusterOptions(dataDir, modelRoot, dynamoDbPort, regions, agentsPerRegion, routerBasePort,
        anycastAddresses, frontDoorPort, newHealthCheck, agentIntraOpThreads, agentMaxBatchSize);
  }

  public int routerPort(int regionIndex) {
    return routerBasePort == 0 ? 0 : routerBasePort + regionIndex;
  }
}
