package io.mrgc.cluster.containers;

import io.mrgc.cluster.frontdoor.Regions;
import io.mrgc.common.Check;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What {@code mrgc up --containers} runs: DynamoDB Local and the front door, and per region {@code routersPerRegion}
 * routers and a control container (autoscaler and failover controller, its fleet launching {@code agentsPerRegion}
 * agent containers, each beside its enclave container), every region on its own container network. Everything the
 * deployment makes is named {@code <deployment>-...} and labelled {@code io.mrgc.deployment=<deployment>}, so two
 * deployments (a test beside {@code mrgc up}) never touch each other. Host ports: the front door on each anycast
 * address, DynamoDB Local on {@code dynamoDbPort} (for {@code mrgc status} and the SRE commands), admin listeners on
 * free loopback ports; {@code dynamoDbPort} or {@code frontDoorPort} 0 picks a free one. {@code fast}: the failover
 * machine's holds in seconds (tests).
 */
public record ContainerClusterOptions(
    Path stateDir,
    String deployment,
    List<String> regions,
    int routersPerRegion,
    int agentsPerRegion,
    List<String> anycastAddresses,
    int frontDoorPort,
    int dynamoDbPort,
    String image,
    String enclaveImage,
    boolean fast) {

  public static final String DEFAULT_DEPLOYMENT = "mrgc";
  public static final String DEFAULT_IMAGE = "localhost/mrgc:dev";
  public static final String DEFAULT_ENCLAVE_IMAGE = "localhost/mrgc-enclave:dev";
  public static final int DEFAULT_ROUTERS_PER_REGION = 1;
  public static final int DEFAULT_AGENTS_PER_REGION = 1;
  /** How long the whole deployment may take to serve before it gives up. */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(240);
  /** Container and network names: podman's rule, kept short enough for the names derived from it. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,19}");

  public ContainerClusterOptions {
    Check.notNull("stateDir", stateDir);
    Check.notNull("deployment", deployment);
    if (!NAME.matcher(deployment).matches()) {
      throw new IllegalArgumentException("deployment must be 1 to 20 lower-case letters, digits or '-' (a container "
          + "name prefix), got '" + deployment + "'");
    }
    regions = List.copyOf(Check.notNull("regions", regions));
    regions.forEach(Regions::nearestFirst);
    Check.between("routersPerRegion", routersPerRegion, 1, 4);
    Check.between("agentsPerRegion", agentsPerRegion, 1, 8);
    anycastAddresses = List.copyOf(Check.notNull("anycastAddresses", anycastAddresses));
    Check.between("frontDoorPort", frontDoorPort, 0, 65535);
    Check.between("dynamoDbPort", dynamoDbPort, 0, 65535);
    Check.notNull("image", image);
    Check.notNull("enclaveImage", enclaveImage);
  }

  /** A deployment of its own on free ports under {@code stateDir}, with the fast failover holds: for tests. */
  public static ContainerClusterOptions ephemeral(Path stateDir, String deployment) {
    return new ContainerClusterOptions(stateDir, deployment, Regions.ALL, DEFAULT_ROUTERS_PER_REGION,
        DEFAULT_AGENTS_PER_REGION, List.of("127.0.1.1", "127.0.1.2"), 0, 0, DEFAULT_IMAGE, DEFAULT_ENCLAVE_IMAGE,
        true);
  }

  /** Where the deployment's files are: configuration, secrets handed to the containers, logs. */
  public Path deployDir() {
    return stateDir.resolve("deploy").resolve("containers-" + deployment);
  }

  public Path modelRoot() {
    return stateDir.resolve("models");
  }

  public Path tlsDir() {
    return stateDir.resolve("tls");
  }

  /** The key ring standing for KMS, in the directory handed to the enclaves' user. */
  public Path keyRingFile() {
    return deployDir().resolve("secrets").resolve("keyring.json");
  }

  /** The container network of {@code region}. */
  public String network(String region) {
    return deployment + "-" + region;
  }
}
