package io.mrgc.cluster;

import io.mrgc.cluster.frontdoor.Regions;
import io.mrgc.cluster.processes.ProcessCluster;
import io.mrgc.cluster.processes.ProcessClusterOptions;
import java.io.PrintStream;
import java.net.URI;
import java.util.concurrent.CountDownLatch;

/** {@code mrgc up --processes}: the local deployment as one JVM per service, until Ctrl-C (or SIGTERM). */
final class UpProcesses {
  private final UpCommand up;

  UpProcesses(UpCommand up) {
    this.up = up;
  }

  Integer call() {
    if (up.dataDir != null) {
      throw new IllegalArgumentException("--data-dir is not supported with --processes yet (DynamoDB Local runs in "
          + "memory)");
    }
    PrintStream out = System.out;
    long started = System.nanoTime();
    ProcessClusterOptions options = new ProcessClusterOptions(up.stateDir, up.dynamoDbPort, Regions.ALL,
        up.routersPerRegion == null ? ProcessClusterOptions.DEFAULT_ROUTERS_PER_REGION : up.routersPerRegion,
        up.agentsPerRegion == null ? ProcessClusterOptions.DEFAULT_AGENTS_PER_REGION : up.agentsPerRegion,
        up.routerBasePort, up.routerAdminBasePort, ProcessClusterOptions.DEFAULT_CONTROL_ADMIN_BASE_PORT, up.anycast,
        up.frontDoorPort, ProcessClusterOptions.DEFAULT_FRONT_DOOR_ADMIN_PORT, up.plaintextHttp, up.allowPlaintext,
        false);
    out.println("mrgc: starting " + (options.regions().size() * (options.routersPerRegion() + 1) + 1)
        + " service processes and " + options.regions().size() * options.agentsPerRegion() + " agents (logs in "
        + options.deployDir().resolve("logs") + ")...");
    ProcessCluster cluster;
    try {
      cluster = ProcessCluster.start(options);
    } catch (RuntimeException e) {
      throw new IllegalStateException("the processes deployment did not start (is another `mrgc up` running? the "
          + "ports can be changed with --dynamodb-port, --router-base-port, --router-admin-base-port and "
          + "--front-door-port)", e);
    }
    CountDownLatch stopped = UpCommand.closeOnExit("every process (SIGTERM, then SIGKILL after 30 s)", cluster);
    TenantAdmin.Credentials demo = null;
    if (up.demoTenant != null && !up.demoTenant.isBlank()) {
      demo = cluster.createTenant(up.demoTenant, TenantAdmin.TenantSettings.defaults());
    }
    print(out, cluster, options, (System.nanoTime() - started) / 1e9, demo);
    return UpCommand.awaitStopped(stopped);
  }

  private static void print(PrintStream out, ProcessCluster cluster, ProcessClusterOptions options, double seconds,
      TenantAdmin.Credentials demo) {
    out.printf("MRGC local deployment (one process per service) ready in %.1f s, %d MiB resident in all%n", seconds,
        cluster.residentBytes() >> 20);
    out.println("  front door (anycast):");
    cluster.anycastUrls().values().forEach(url -> out.println("    " + url));
    out.println("  routers (tenant listener; admin /readyz, /metrics):");
    cluster.regions().forEach(region -> {
      for (int i = 0; i < cluster.routers(region).size(); i++) {
        out.printf("    %-10s %s  admin %s%n", region, cluster.routerUrls().get(region).get(i),
            cluster.routerAdminUrls().get(region).get(i));
      }
    });
    out.println("  processes (pid, service):");
    cluster.processes().forEach(p -> out.printf("    %-8d %s%n", p.pid(), p.name()));
    cluster.regions().forEach(region -> cluster.agents(region).forEach(p ->
        out.printf("    %-8d agent %s (%s)%n", p.pid(), p.name(), region)));
    out.println("  configuration:  " + options.deployDir().toAbsolutePath().normalize()
        + " (run one yourself: ./mrgc serve SERVICE --config FILE; secrets come from the environment)");
    out.printf("  DynamoDB Local: %s (in memory)%n", cluster.dynamoDb().endpoint());
    out.println("  key ring (KMS): " + options.keyRingFile().toAbsolutePath().normalize() + " (NOT SECURE: local only)");
    out.println(cluster.caCertificate() == null
        ? "  TLS:            off (--plaintext-http): NOT SECURE"
        : "  TLS CA:         " + cluster.caCertificate().toAbsolutePath().normalize());
    out.println();
    URI first = cluster.anycastUrls().values().iterator().next();
    if (demo != null) {
      UpCommand.printTry(out, demo, first, cluster.caCertificate(), options.allowPlaintext());
    }
    out.println("  ./mrgc status" + (options.dynamoDbPort() == LocalClusterOptions.DEFAULT_DYNAMODB_PORT
        ? "" : " --dynamodb-endpoint " + cluster.dynamoDb().endpoint()));
    out.println("Ctrl-C stops every process.");
    out.flush();
  }
}
