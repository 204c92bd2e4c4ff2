package io.mrgc.cluster;

import io.mrgc.agent.NodeAgentOptions;
import io.mrgc.autoscaler.loop.LoopConfig;
import io.mrgc.autoscaler.policy.ScalingConfig;
import io.mrgc.cluster.frontdoor.HealthCheckOptions;
import io.mrgc.cluster.frontdoor.FrontDoorOptions;
import io.mrgc.cluster.frontdoor.Regions;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;
import io.mrgc.cluster.processes.ProcessClusterOptions;

/** {@code mrgc up}: the whole local 3-region cluster in this process, until Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Run a local 3-region cluster (DynamoDB Local, routers, node agents, front door) until Ctrl-C.")
final class UpCommand implements Callable<Integer> {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  @Option(names = "--data-dir", description = "Keep DynamoDB state in this directory across restarts "
      + "(default: in memory).")
  Path dataDir;

  @Option(names = "--state-dir", description = "Local stand-ins' files: models, key ring, enclave sockets "
      + "(default: ${DEFAULT-VALUE}).")
  Path stateDir = LocalClusterOptions.DEFAULT_STATE_DIR;

  @Option(names = "--model-root", description = "Model repository standing for the FSx mount "
      + "(default: <state-dir>/models).")
  Path modelRoot;

  @Option(names = "--allow-plaintext", description = "Local development only: routers accept unencrypted "
      + "inference bodies (default: off; tenants then still need their API key).")
  boolean allowPlaintext;

  @Option(names = "--plaintext-http", description = "Serve plaintext HTTP on the anycast addresses and routers "
      + "instead of HTTPS (NOT SECURE: API keys cross the network in cleartext; default: HTTPS with a local CA made "
      + "in <state-dir>/tls).")
  boolean plaintextHttp;

  @Option(names = "--autoscale", description = "Run an autoscaler per region (RPS-driven, min 2 / max 20) "
      + "that starts and stops node agents (default: off; the fleet stays as started).")
  boolean autoscale;

  @Option(names = "--boot-delay", converter = DurationConverter.class, description = "With --autoscale: how long "
      + "a launched agent takes to boot, standing for a GPU cold start (3-8 min in AWS; default: 20s).")
  Duration bootDelay = AutoscalingOptions.DEFAULT_BOOT_DELAY;

  @Option(names = "--demo-tenant", description = "Tenant created at start-up, whose API key is printed once "
      + "(default: ${DEFAULT-VALUE}; empty for none).")
  String demoTenant = "demo";

  @Option(names = "--dynamodb-port", description = "DynamoDB Local port (default: ${DEFAULT-VALUE}).")
  int dynamoDbPort = LocalClusterOptions.DEFAULT_DYNAMODB_PORT;

  @Option(names = "--agents-per-region", description = "GPU node agents per region (default: 2, or 1 with "
      + "--processes).")
  Integer agentsPerRegion;

  @Option(names = "--processes", description = "Run each service as its own JVM from the configuration files AWS "
      + "would use (written under <state-dir>/deploy/; `mrgc serve` runs each), against DynamoDB Local: routers, "
      + "a control process per region whose local fleet launches the agents, and the front door.")
  boolean processes;

  @Option(names = "--containers", description = "Run each service in its own container (podman), every region on "
      + "its own container network, from the same configuration files as --processes (written under "
      + "<state-dir>/deploy/containers-mrgc/): DynamoDB Local, the front door on the anycast addresses, and per "
      + "region its routers, a control container whose fleet launches agent containers (each beside its enclave "
      + "container). Needs podman and the images: containers/setup-host.sh, ./mrgc images build.")
  boolean containers;

  @Option(names = "--routers-per-region", description = "Routers per region behind the front door, as tasks behind "
      + "an NLB, each knowing only its own dispatches (default: 1; 2 with --processes, 1 with --containers).")
  Integer routersPerRegion;

  @Option(names = "--router-base-port", description = "First router port; regions take consecutive ports, then "
      + "their second routers the next ones, and so on (default: ${DEFAULT-VALUE}; 0 picks free ports).")
  int routerBasePort = LocalClusterOptions.DEFAULT_ROUTER_BASE_PORT;

  @Option(names = "--router-admin-base-port", description = "First router admin port (/metrics, /healthz/region "
      + "details; loopback only); regions take consecutive ports, as --router-base-port "
      + "(default: ${DEFAULT-VALUE}; 0 picks free ports).")
  int routerAdminBasePort = LocalEdgePorts.DEFAULT_ROUTER_ADMIN_BASE_PORT;

  @Option(names = "--privatelink-port", description = "Give each router a PROXY protocol v2 listener standing for "
      + "the PrivateLink NLB's target, on this port and the next ones (loopback; headers trusted from loopback only), "
      + "so that a tenant with a VPC endpoint allowlist can be tried locally (default: none).")
  int privateLinkPort = LocalEdgePorts.NO_PRIVATE_LINK;

  @Option(names = "--anycast", split = ",", description = "Loopback addresses standing for the anycast IPs "
      + "(default: 127.0.1.1,127.0.1.2).")
  List<String> anycast = FrontDoorOptions.DEFAULT_ANYCAST_ADDRESSES;

  @Option(names = "--front-door-port", description = "Front door port on each anycast address (default: ${DEFAULT-VALUE}).")
  int frontDoorPort = FrontDoorOptions.DEFAULT_PORT;

  @Option(names = "--health-check-interval", description = "Front door health-check interval, ISO-8601 or e.g. 10s "
      + "(default: 2s; Global Accelerator allows 10s or 30s).", converter = DurationConverter.class)
  Duration healthCheckInterval = HealthCheckOptions.DEFAULT_INTERVAL;

  @Option(names = "--health-check-threshold", description = "Consecutive checks to flip a region's health, 1..10 "
      + "(default: ${DEFAULT-VALUE}).")
  int healthCheckThreshold = HealthCheckOptions.DEFAULT_THRESHOLD_COUNT;

  @Option(names = "--agent-max-batch-size", description = "Most inputs one ONNX Runtime run batches; 1 turns "
      + "dynamic batching off (default: ${DEFAULT-VALUE}).")
  int agentMaxBatchSize = NodeAgentOptions.DEFAULT_MAX_BATCH_SIZE;

  @Option(names = "--agent-isolation", paramLabel = "tenant|off", converter = AgentIsolation.Converter.class,
      description = "tenant: an instance serves one tenant at a time and batches only that tenant's requests "
      + "(default). off: for benchmarks only: requests of different tenants share an instance and a batch, and the "
      + "isolation between tenants docs/security.md promises does not hold. Not with --processes or --containers.")
  AgentIsolation agentIsolation = AgentIsolation.TENANT;

  /** {@code --agent-isolation}: what the node agents' {@code tenantIsolation} is. */
  enum AgentIsolation {
    TENANT,
    OFF;

    /** Exactly {@code tenant} or {@code off}. */
    static final class Converter implements ITypeConverter<AgentIsolation> {
      @Override
      public AgentIsolation convert(String value) {
        return switch (value) {
          case "tenant" -> TENANT;
          case "off" -> OFF;
          default -> throw new TypeConversionException("'" + value + "' is not an isolation; use tenant or off");
        };
      }
    }
  }

  @Option(names = "--no-failover", description = "Run no failover controllers (regions stay as their rows say).")
  boolean noFailover;

  @Override
  public Integer call() {
    if (processes && containers) {
      throw new IllegalArgumentException("--processes and --containers are two ways to run the deployment; pick one");
    }
    if ((processes || containers) && agentIsolation != AgentIsolation.TENANT) {
      throw new IllegalArgumentException("--agent-isolation off is not supported with --processes or --containers "
          + "(their agents read isolation.tenant from the configuration files, which keep the default: tenant)");
    }
    if (processes) {
      return new UpProcesses(this).call();
    }
    if (containers) {
      return new UpContainers(this).call();
    }
    PrintStream out = System.out;
    long started = System.nanoTime();
    LocalClusterOptions options = localClusterOptions();
    if (!options.agentTenantIsolation()) {
      out.println("WARNING: --agent-isolation off (benchmarks only): requests of different tenants share an instance "
          + "and a batch; the isolation between tenants docs/security.md promises does not hold.");
      out.flush();
    }
    LocalCluster cluster;
    try {
      cluster = LocalCluster.start(options);
    } catch (RuntimeException e) {
      throw new IllegalStateException("the local cluster did not start (is another `mrgc up` running? the ports "
          + "can be changed with --dynamodb-port, --router-base-port, --router-admin-base-port, --privatelink-port "
          + "and --front-door-port)", e);
    }
    CountDownLatch stopped = closeOnExit("the local cluster", cluster);
    if (options.agentsPerRegion() > 0) {
      cluster.awaitServing(READY_TIMEOUT);
    }
    TenantAdmin.Credentials demo = demoTenant == null || demoTenant.isBlank() ? null : demoTenant(cluster);
    printEndpoints(out, cluster, options, (System.nanoTime() - started) / 1e9, demo);
    return awaitStopped(stopped);
  }

  /** What the one-JVM cluster runs, from the options given. */
  LocalClusterOptions localClusterOptions() {
    return new LocalClusterOptions(stateDir, dataDir, modelRoot, dynamoDbPort, Regions.ALL,
        agentsPerRegion == null ? LocalClusterOptions.DEFAULT_AGENTS_PER_REGION : agentsPerRegion, routerBasePort,
        anycast, frontDoorPort,
        new HealthCheckOptions(healthCheckInterval, healthCheckThreshold, HealthCheckOptions.DEFAULT_TIMEOUT,
            HealthCheckOptions.DEFAULT_PATH),
        LocalClusterOptions.DEFAULT_AGENT_INTRA_OP_THREADS, agentMaxBatchSize, allowPlaintext,
        autoscale ? new AutoscalingOptions(ScalingConfig.defaults(), LoopConfig.defaults(), bootDelay,
            AutoscalingOptions.defaults().routerMetricsInterval()) : null,
        noFailover ? null : FailoverOptions.defaults(), plaintextHttp,
        new LocalEdgePorts(routerAdminBasePort, privateLinkPort))
        .withRoutersPerRegion(routersPerRegion == null ? LocalClusterOptions.DEFAULT_ROUTERS_PER_REGION
            : routersPerRegion)
        .withAgentTenantIsolation(agentIsolation == AgentIsolation.TENANT);
  }

  /** Closes {@code deployment} when the JVM is asked to stop (Ctrl-C, SIGTERM); the latch opens once it is closed. */
  static CountDownLatch closeOnExit(String what, AutoCloseable deployment) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("mrgc: stopping " + what + "...");
      try {
        deployment.close();
      } catch (Exception e) {
        System.err.println("mrgc: stopping " + what + " failed: " + e);
      }
      System.err.println("mrgc: stopped.");
      stopped.countDown();
    }, "mrgc-shutdown"));
    return stopped;
  }

  /** Waits until {@link #closeOnExit}'s deployment is closed; the exit code. */
  static int awaitStopped(CountDownLatch stopped) {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** The demo tenant, unless it exists already (a --data-dir keeps it; its key was printed when it was made). */
  private TenantAdmin.Credentials demoTenant(LocalCluster cluster) {
    try {
      return cluster.createTenant(demoTenant, TenantAdmin.TenantSettings.defaults());
    } catch (IllegalStateException exists) {
      return null;
    }
  }

  /** The path as typed from the working directory when it is below it ({@code .mrgc/tls/ca.pem}), else absolute. */
  static String relative(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    Path here = Path.of("").toAbsolutePath();
    return absolute.startsWith(here) ? here.relativize(absolute).toString() : absolute.toString();
  }

  private static void printEndpoints(PrintStream out, LocalCluster cluster, LocalClusterOptions options, double seconds,
      TenantAdmin.Credentials demo) {
    out.printf("MRGC local cluster ready in %.1f s%n", seconds);
    out.println("  front door (anycast):");
    cluster.anycastUrls().values().forEach(url -> out.println("    " + url));
    out.println("  routers:");
    printPerRegion(out, cluster.regionRouterUrls());
    out.println("  router admin (/metrics, /healthz/region details; loopback only):");
    printPerRegion(out, cluster.regionRouterAdminUrls());
    if (!cluster.regionPrivateLinkAddresses().isEmpty()) {
      out.println("  PrivateLink (PROXY protocol v2, as the NLB sends it; trusted from loopback only):");
      printPerRegion(out, cluster.regionPrivateLinkAddresses());
    }
    out.println("  node agents:");
    cluster.agents().values().stream()
        .sorted(java.util.Comparator.comparing(a -> a.instanceId()))
        .forEach(agent -> out.printf("    %-24s %s%n", agent.instanceId(), agent.endpoint()));
    out.printf("  DynamoDB Local: %s (%s)%n", cluster.dynamoDb().endpoint(),
        options.dataDir() == null ? "in memory" : "data in " + options.dataDir());
    out.println("  models:         " + options.modelRoot().toAbsolutePath().normalize());
    out.println("  key ring (KMS): " + options.keyRingFile().toAbsolutePath().normalize() + " (NOT SECURE: local only)");
    out.println(cluster.caCertificate() == null
        ? "  TLS:            off (--plaintext-http): NOT SECURE, API keys and envelopes cross the network in cleartext"
        : "  TLS CA:         " + cluster.caCertificate().toAbsolutePath().normalize() + " (tenants trust it: "
            + "curl --cacert, mrgc tenant embed --ca-cert or MRGC_CA_CERT)");
    out.println("  failover:       " + (options.failover() == null ? "off (--no-failover)"
        : "a controller per region (`./mrgc failover status`)"));
    URI first = cluster.anycastUrls().values().iterator().next();
    out.println();
    if (demo == null && options.dataDir() != null) {
      out.println("The demo tenant exists already in " + options.dataDir() + "; its API key was shown when it was "
          + "created (`mrgc tenant create --tenant NAME` makes another).");
    }
    if (demo != null) {
      printTry(out, demo, first, cluster.caCertificate(), options.allowPlaintext());
    }
    String endpoint = options.dynamoDbPort() == LocalClusterOptions.DEFAULT_DYNAMODB_PORT
        ? "" : " --dynamodb-endpoint " + cluster.dynamoDb().endpoint();
    out.println("  ./mrgc status" + endpoint);
    out.println("  ./mrgc model list" + endpoint + "   (add one: ./mrgc model publish DIR --name NAME --wait-served"
        + (options.modelRoot().equals(LocalClusterOptions.DEFAULT_STATE_DIR.resolve("models")) ? ""
            : " --model-root " + options.modelRoot()) + endpoint + ")");
    out.println("Ctrl-C stops the cluster.");
    out.flush();
  }

  /** One line per router: its region and {@code values}' entry for it. */
  private static void printPerRegion(PrintStream out, Map<String, ? extends List<?>> values) {
    values.forEach((region, list) -> list.forEach(value -> out.printf("    %-10s %s%n", region, value)));
  }

  /** The demo tenant's credentials (shown once) and the commands to try it with. */
  static void printTry(PrintStream out, TenantAdmin.Credentials demo, URI first, Path ca, boolean allowPlaintext) {
    printTry(out, demo, first, ca, allowPlaintext, null);
  }

  /** As above; {@code keyRing}: the deployment's own key ring, when it is not the state dir's (null: it is). */
  static void printTry(PrintStream out, TenantAdmin.Credentials demo, URI first, Path ca, boolean allowPlaintext,
      Path keyRing) {
    out.println("Demo tenant (the API key is shown only now):");
    out.println("  tenant " + demo.tenantId() + "   KMS key " + demo.kmsKeyId() + "   API key " + demo.apiKey());
    out.println();
    out.println("Try (encrypts with the tenant SDK, sends through the front door, decrypts the answer):");
    String trust = ca == null ? "" : " --ca-cert " + relative(ca);
    out.println("  ./mrgc tenant embed --tenant " + demo.tenantId() + " --api-key " + demo.apiKey()
        + " --endpoint " + first + trust + (keyRing == null ? "" : " --key-ring " + relative(keyRing))
        + " 'The cat sits on the mat'");
    if (allowPlaintext) {
      String cacert = ca == null ? "" : " --cacert " + relative(ca);
      out.println("  curl -s" + cacert + " " + first + "/v1/embeddings -H 'Authorization: Bearer " + demo.apiKey()
          + "' \\");
      out.println("    -H 'Content-Type: application/json' -H 'x-mrgc-model: all-minilm-l6-v2' \\");
      out.println("    -d '{\"model\": \"all-minilm-l6-v2\", \"input\": \"The cat sits on the mat\"}'");
    }
  }
}
