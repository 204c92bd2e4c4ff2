package io.mrgc.cluster.processes;

import io.mrgc.cluster.frontdoor.Regions;
import io.mrgc.common.Check;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@code mrgc up --processes} runs: per region {@code routersPerRegion} routers (the tasks behind the region's
 * NLB), a control process (autoscaler and failover controller, the autoscaler launching {@code agentsPerRegion} agent
 * processes through the local fleet), and one front door. Ports: router j of region i listens on
 * {@code routerBasePort + i + j * regions} (admin on {@code routerAdminBasePort} the same way), the control processes'
 * admin listeners on {@code controlAdminBasePort + i}; a base of 0 picks free ports (tests). {@code fast}: the
 * failover machine's holds and health checks in seconds, for chaos tests; otherwise the AWS defaults.
 */
public record ProcessClusterOptions(
    Path stateDir,
    int dynamoDbPort,
    List<String> regions,
    int routersPerRegion,
    int agentsPerRegion,
    int routerBasePort,
    int routerAdminBasePort,
    int controlAdminBasePort,
    List<String> anycastAddresses,
    int frontDoorPort,
    int frontDoorAdminPort,
    boolean plaintextHttp,
    boolean allowPlaintext,
    boolean fast) {

  public static final int DEFAULT_ROUTERS_PER_REGION = 2;
  /** One agent per region keeps the whole deployment within 6 GiB on a small machine. */
  public static final int DEFAULT_AGENTS_PER_REGION = 1;
  public static final int DEFAULT_CONTROL_ADMIN_BASE_PORT = 9201;
  public static final int DEFAULT_FRONT_DOOR_ADMIN_PORT = 9100;
  /** How long the whole deployment may take to serve before {@code mrgc up --processes} gives up. */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  public ProcessClusterOptions {
    Check.notNull("stateDir", stateDir);
    Check.between("dynamoDbPort", dynamoDbPort, 0, 65535);
    regions = List.copyOf(Check.notNull("regions", regions));
    regions.forEach(Regions::nearestFirst);
    Check.between("routersPerRegion", routersPerRegion, 1, 8);
    Check.between("agentsPerRegion", agentsPerRegion, 1, 20);
    Check.between("routerBasePort", routerBasePort, 0, 65535 - regions.size() * routersPerRegion);
    Check.between("routerAdminBasePort", routerAdminBasePort, 0, 65535 - regions.size() * routersPerRegion);
    Check.between("controlAdminBasePort", controlAdminBasePort, 0, 65535 - regions.size());
    anycastAddresses = List.copyOf(Check.notNull("anycastAddresses", anycastAddresses));
    Check.between("frontDoorPort", frontDoorPort, 0, 65535);
    Check.between("frontDoorAdminPort", frontDoorAdminPort, 0, 65535);
  }

  /** Everything on free ports under {@code stateDir}, with the fast failover holds: for tests. */
  public static ProcessClusterOptions ephemeral(Path stateDir) {
    return new ProcessClusterOptions(stateDir, 0, Regions.ALL, DEFAULT_ROUTERS_PER_REGION, DEFAULT_AGENTS_PER_REGION,
        0, 0, 0, List.of("127.0.1.1", "127.0.1.2"), 0, 0, false, false, true);
  }

  public ProcessClusterOptions withAgentsPerRegion(int value) {
    return new ProcessClusterOptions(stateDir, dynamoDbPort, regions, routersPerRegion, value, routerBasePort,
        routerAdminBasePort, controlAdminBasePort, anycastAddresses, frontDoorPort, frontDoorAdminPort, plaintextHttp,
        allowPlaintext, fast);
  }

  public Path deployDir() {
    return stateDir.resolve("deploy");
  }

  public Path modelRoot() {
    return stateDir.resolve("models");
  }

  public Path keyRingFile() {
    return stateDir.resolve("keyring.json");
  }

  public Path tlsDir() {
    return stateDir.resolve("tls");
  }

  /** Port {@code base + region + router * regions}, or 0 when the base is 0. */
  int port(int base, int regionIndex, int router) {
    return base == 0 ? 0 : base + regionIndex + router * regions.size();
  }
}
