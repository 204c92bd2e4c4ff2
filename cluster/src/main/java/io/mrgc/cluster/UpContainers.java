package io.mrgc.cluster;

import io.mrgc.cluster.containers.ContainerCluster;
import io.mrgc.cluster.containers.ContainerClusterOptions;
import io.mrgc.cluster.frontdoor.Regions;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/** {@code mrgc up --containers}: the local deployment as one container per service, until Ctrl-C (or SIGTERM). */
final class UpContainers {
  private final UpCommand up;

  UpContainers(UpCommand up) {
    this.up = up;
  }

  Integer call() {
    if (up.dataDir != null || up.plaintextHttp || up.allowPlaintext) {
      throw new IllegalArgumentException("--data-dir, --plaintext-http and --allow-plaintext are not supported with "
          + "--containers (DynamoDB Local runs in memory; TLS is always on)");
    }
    PrintStream out = System.out;
    long started = System.nanoTime();
    ContainerClusterOptions options = new ContainerClusterOptions(up.stateDir,
        ContainerClusterOptions.DEFAULT_DEPLOYMENT, Regions.ALL,
        up.routersPerRegion == null ? ContainerClusterOptions.DEFAULT_ROUTERS_PER_REGION : up.routersPerRegion,
        up.agentsPerRegion == null ? ContainerClusterOptions.DEFAULT_AGENTS_PER_REGION : up.agentsPerRegion,
        up.anycast, up.frontDoorPort, up.dynamoDbPort, ContainerClusterOptions.DEFAULT_IMAGE,
        ContainerClusterOptions.DEFAULT_ENCLAVE_IMAGE, false);
    out.println("mrgc: starting the containers deployment '" + options.deployment() + "' (configuration in "
        + options.deployDir() + ")...");
    ContainerCluster cluster = ContainerCluster.start(options);
    CountDownLatch stopped = UpCommand.closeOnExit("every container, volume and network of the deployment "
        + "(SIGTERM, then SIGKILL after 30 s)", cluster);
    TenantAdmin.Credentials demo = null;
    if (up.demoTenant != null && !up.demoTenant.isBlank()) {
      demo = cluster.createTenant(up.demoTenant, TenantAdmin.TenantSettings.defaults());
    }
    out.printf("MRGC local deployment (one container per service) ready in %.1f s, %d MiB resident in all%n",
        (System.nanoTime() - started) / 1e9, cluster.memoryBytes().values().stream().mapToLong(Long::longValue)
            .sum() >> 20);
    out.println("  front door (anycast, published on loopback):");
    cluster.anycastUrls().values().forEach(url -> out.println("    " + url));
    out.println("  containers (podman ps --filter label=io.mrgc.deployment=" + options.deployment() + "):");
    cluster.containers().forEach((name, role) -> out.printf("    %-40s %s%n", name, role));
    out.println("  networks:       " + String.join(", ", options.regions().stream().map(options::network).toList()));
    out.println("  configuration:  " + options.deployDir().toAbsolutePath().normalize());
    out.println("  DynamoDB Local: " + cluster.stateEndpoint() + " (in memory, in its container)");
    out.println("  key ring (KMS): " + options.keyRingFile().toAbsolutePath().normalize() + " (NOT SECURE: local only)");
    out.println("  TLS CA:         " + cluster.caCertificate().toAbsolutePath().normalize());
    out.println();
    if (demo != null) {
      UpCommand.printTry(out, demo, cluster.anycastUrls().values().iterator().next(), cluster.caCertificate(), false,
          options.keyRingFile());
    }
    out.println("  ./mrgc status" + (options.dynamoDbPort() == LocalClusterOptions.DEFAULT_DYNAMODB_PORT ? ""
        : " --dynamodb-endpoint " + cluster.stateEndpoint()));
    out.println("  ./mrgc chaos cut us-east-2   (then: ./mrgc chaos restore; also kill, pause, unpause, list)");
    out.println("Ctrl-C stops and removes every container.");
    out.flush();
    return UpCommand.awaitStopped(stopped);
  }
}
