package io.mrgc.cluster.processes;

import static io.mrgc.cluster.deploy.DeployFiles.map;

import io.mrgc.autoscaler.fleet.ProcessFleet;
import io.mrgc.cluster.LocalFoundation;
import io.mrgc.cluster.deploy.DeployConfigs;
import io.mrgc.cluster.deploy.DeployConfigs.Listen;
import io.mrgc.cluster.deploy.DeployFiles;
import io.mrgc.cluster.deploy.LocalDeployment;
import io.mrgc.cluster.deploy.Readiness;
import io.mrgc.common.net.FreePorts;
import io.mrgc.common.peer.PeerKey;
import io.mrgc.enclave.attestation.LocalAttestationKeyFile;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.state.local.EmbeddedDynamoDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The local deployment with one JVM per service ({@code mrgc up --processes}), started from the same configuration
 * files a deployment in AWS uses (written under {@code .mrgc/deploy/}): this JVM holds only what AWS would (DynamoDB
 * Local, the key ring standing for KMS, the model files standing for FSx) and supervises the processes. Per region:
 * {@code routersPerRegion} routers, a control process (autoscaler and failover controller) whose local fleet launches
 * the agent processes, and one front door over all routers. Secrets (the router-agent HMAC keys) reach the processes
 * through their environment, as ECS task definitions pass them.
 */
public final class ProcessCluster implements LocalDeployment, AutoCloseable {
  /** Heap and JIT settings that keep every service small (the whole deployment within 6 GiB resident). */
  static final List<String> SMALL_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
      "-XX:ReservedCodeCacheSize=32m", "-Dorg.slf4j.simpleLogger.showDateTime=true");
  private static final Map<String, String> HEAP = Map.of("router", "-Xmx160m", "control", "-Xmx128m",
      "front-door", "-Xmx128m", "agent", "-Xmx320m");
  private static final Duration TERMINATE_WAIT = Duration.ofSeconds(30);

  private final ProcessClusterOptions options;
  private final DeployFiles files;
  private final String peerKeys = PeerKey.generateSpec();
  private LocalFoundation foundation;
  private DeployConfigs configs;
  private LocalKeyRing keyRing;
  private final Map<String, List<ChildProcess>> routers = new LinkedHashMap<>();
  private final Map<String, List<URI>> routerUrls = new LinkedHashMap<>();
  private final Map<String, List<URI>> routerAdminUrls = new LinkedHashMap<>();
  private final Map<String, ChildProcess> controls = new LinkedHashMap<>();
  private final Map<String, URI> controlAdminUrls = new LinkedHashMap<>();
  private final Map<String, ProcessFleet> fleets = new LinkedHashMap<>();
  private ChildProcess frontDoor;
  private int frontDoorPort;
  private URI frontDoorAdminUrl;

  private ProcessCluster(ProcessClusterOptions options) {
    this.options = options;
    this.files = new DeployFiles(options.deployDir());
  }

  /** Starts everything and waits until every region serves; closes what it started when that fails. */
  public static ProcessCluster start(ProcessClusterOptions options) {
    ProcessCluster cluster = new ProcessCluster(options);
    try {
      cluster.startAll();
      cluster.awaitReady(ProcessClusterOptions.READY_TIMEOUT);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void startAll() {
    foundation = LocalFoundation.open(options.dynamoDbPort(), null, options.regions(), options.modelRoot(),
        options.plaintextHttp() ? null : options.tlsDir(), options.anycastAddresses());
    configs = new DeployConfigs(foundation.stateEndpoint().toString(), ProcessCluster::absolute,
        foundation.serverTls(), foundation.caCertificate(), options.regions(), options.agentsPerRegion(),
        options.allowPlaintext(), options.fast());
    keyRing = LocalFoundation.openKeyRing(options.keyRingFile(), null);
    String canaryKeyId = foundation.tenantAdmin(keyRing).canaryKey();
    Path attestationKey = options.deployDir().resolve("local-attestation-key.pem");
    try {
      LocalAttestationKeyFile.save(attestationKey, LocalAttestationProvider.newSigningKey());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + attestationKey, e);
    }
    allocateRouterPorts();
    // control processes first: their fleets launch the agents, the slowest to boot
    for (int i = 0; i < options.regions().size(); i++) {
      String region = options.regions().get(i);
      Path template = files.write("agent-" + region, "the agent template the local fleet fills in per instance "
          + "(${instanceId}, ${port}); in AWS the launch template's user data writes this file",
          agentTemplate(region, canaryKeyId, attestationKey));
      ProcessFleet.Settings fleet = new ProcessFleet.Settings(fleetDir(region), agentCommand(), template,
          Duration.ofSeconds(15));
      fleets.put(region, new ProcessFleet(region, fleet));
      int admin = portOrFree(options.controlAdminBasePort() == 0 ? 0 : options.controlAdminBasePort() + i);
      controlAdminUrls.put(region, URI.create("http://127.0.0.1:" + admin));
      Path config = files.write("control-" + region, "the autoscaler and failover controller of " + region
          + " (one small ECS task)", controlConfig(region, admin, template));
      controls.put(region, ChildProcess.start("control-" + region, "control", config, jvmFlags("control"),
          Map.of("MRGC_PEER_AUTH_KEYS", peerKeys), logs()));
    }
    for (int i = 0; i < options.regions().size(); i++) {
      String region = options.regions().get(i);
      List<ChildProcess> regionRouters = new ArrayList<>();
      for (int j = 0; j < options.routersPerRegion(); j++) {
        int port = routerUrls.get(region).get(j).getPort();
        int admin = routerAdminUrls.get(region).get(j).getPort();
        String name = "router-" + region + "-" + (j + 1);
        Path config = files.write(name, "router " + (j + 1) + " of " + region + " (an ECS task behind its NLB)",
            routerConfig(region, name, port, admin));
        regionRouters.add(ChildProcess.start(name, "router", config, jvmFlags("router"),
            Map.of("MRGC_AGENT_AUTH_KEYS", peerKeys), logs()));
      }
      routers.put(region, regionRouters);
    }
    frontDoorPort = portOrFree(options.frontDoorPort());
    int frontDoorAdmin = portOrFree(options.frontDoorAdminPort());
    frontDoorAdminUrl = URI.create("http://127.0.0.1:" + frontDoorAdmin);
    Path config = files.write("front-door", "the front door (Global Accelerator in AWS)", frontDoorConfig(frontDoorAdmin));
    frontDoor = ChildProcess.start("front-door", "front-door", config, jvmFlags("front-door"), Map.of(), logs());
  }

  /** Every router's tenant and admin URL, before anything starts: the control and front door files name them. */
  private void allocateRouterPorts() {
    for (int i = 0; i < options.regions().size(); i++) {
      String region = options.regions().get(i);
      for (int j = 0; j < options.routersPerRegion(); j++) {
        int port = portOrFree(options.port(options.routerBasePort(), i, j));
        int admin = portOrFree(options.port(options.routerAdminBasePort(), i, j));
        routerUrls.computeIfAbsent(region, r -> new ArrayList<>())
            .add(URI.create(configs.scheme() + "://127.0.0.1:" + port));
        routerAdminUrls.computeIfAbsent(region, r -> new ArrayList<>()).add(URI.create("http://127.0.0.1:" + admin));
      }
    }
  }

  private Map<String, Object> routerConfig(String region, String routerId, int port, int admin) {
    return configs.router(region, routerId, new Listen("127.0.0.1", port), new Listen("127.0.0.1", admin));
  }

  private Map<String, Object> agentTemplate(String region, String canaryKeyId, Path attestationKey) {
    return configs.agent(region, "${instanceId}", new Listen("127.0.0.1", "${port}"), options.modelRoot(),
        absolute(options.deployDir().resolve("agents").resolve("${instanceId}")),
        map("transport", "embedded",
            "socket", absolute(options.deployDir().resolve("e").resolve("${instanceId}.sock")),
            "canaryKeyId", canaryKeyId,
            "localKeyRingFile", absolute(options.keyRingFile()),
            "localAttestationKeyFile", absolute(attestationKey)));
  }

  private Map<String, Object> controlConfig(String region, int admin, Path agentTemplate) {
    return configs.control(region, new Listen("127.0.0.1", admin), map("type", "local", "local", map(
        "agentConfigTemplate", absolute(agentTemplate),
        "command", agentCommand(),
        "workDir", absolute(fleetDir(region)),
        "terminateGrace", "15s")), routerAdminUrls);
  }

  private Map<String, Object> frontDoorConfig(int admin) {
    return configs.frontDoor(options.anycastAddresses(), frontDoorPort, routerUrls, new Listen("127.0.0.1", admin));
  }

  private List<String> agentCommand() {
    return Stream.of(List.of("${java}", HEAP.get("agent")), SMALL_JVM,
        List.of("-cp", "${classpath}", "io.mrgc.cluster.Mrgc", "serve", "agent", "--config", "${config}"))
        .flatMap(List::stream).toList();
  }

  /**
   * The JVM flags {@code service} (router, control, front-door, agent) runs with: its heap and {@link #SMALL_JVM};
   * for benchmarks that start extra processes the way this class does.
   */
  public static List<String> jvmFlags(String service) {
    List<String> flags = new ArrayList<>();
    flags.add(HEAP.get(service));
    flags.addAll(SMALL_JVM);
    return flags;
  }

  private Path fleetDir(String region) {
    return options.deployDir().resolve("fleet").resolve(region);
  }

  private Path logs() {
    return options.deployDir().resolve("logs");
  }

  private static String absolute(Path path) {
    return path.toAbsolutePath().normalize().toString();
  }

  private static int portOrFree(int port) {
    return port != 0 ? port : FreePorts.loopback();
  }

  /**
   * Waits until every process answers {@code /readyz} on its admin listener and every region's routers say the
   * region serves (an agent is READY behind them); a process that exits meanwhile fails the start with its log.
   */
  public void awaitReady(Duration timeout) {
    List<URI> checks = new ArrayList<>();
    controlAdminUrls.values().forEach(u -> checks.add(u.resolve("/readyz")));
    routerAdminUrls.values().forEach(urls -> urls.forEach(u -> {
      checks.add(u.resolve("/readyz"));
      checks.add(u.resolve("/healthz/region"));
    }));
    checks.add(frontDoorAdminUrl.resolve("/readyz"));
    Readiness.await(checks, timeout, () -> processes().stream().filter(p -> !p.alive()).findFirst()
        .ifPresent(dead -> {
          throw new IllegalStateException(dead + " exited (" + dead.exitCode() + ") before the deployment was "
              + "ready; the end of " + dead.log() + ":\n" + dead.logTail(30));
        }), logs().toString());
  }

  /** The processes this JVM started (routers, control processes, front door); agents are {@link #agents}. */
  public List<ChildProcess> processes() {
    List<ChildProcess> all = new ArrayList<>();
    routers.values().forEach(all::addAll);
    all.addAll(controls.values());
    if (frontDoor != null) {
      all.add(frontDoor);
    }
    return all;
  }

  /** The agent processes of {@code region}'s fleet now running (the control process started them). */
  public List<ChildProcess> agents(String region) {
    List<ChildProcess> agents = new ArrayList<>();
    fleets.get(region).processes().forEach((id, handle) -> agents.add(ChildProcess.of(id, handle,
        fleetDir(region).resolve(id + ".log"))));
    return agents;
  }

  /** Every process of {@code region}: its routers, its control process and its agents. */
  public List<ChildProcess> regionProcesses(String region) {
    List<ChildProcess> all = new ArrayList<>(routers.get(region));
    all.add(controls.get(region));
    all.addAll(agents(region));
    return all;
  }

  public List<ChildProcess> routers(String region) {
    return routers.get(region);
  }

  public ChildProcess control(String region) {
    return controls.get(region);
  }

  public ChildProcess frontDoor() {
    return frontDoor;
  }

  /** Region -> its routers' admin base URLs ({@code /metrics}, {@code /readyz}, {@code /healthz/region}). */
  public Map<String, List<URI>> routerAdminUrls() {
    return routerAdminUrls;
  }

  public Map<String, List<URI>> routerUrls() {
    return routerUrls;
  }

  /** Anycast address -> base URL of the front door on it. */
  public Map<String, URI> anycastUrls() {
    return configs.anycastUrls(options.anycastAddresses(), frontDoorPort);
  }




  public EmbeddedDynamoDb dynamoDb() {
    return foundation.dynamoDb();
  }


  @Override
  public LocalFoundation foundation() {
    return foundation;
  }

  @Override
  public LocalKeyRing keyRing() {
    return keyRing;
  }

  public List<String> regions() {
    return options.regions();
  }

  public ProcessClusterOptions options() {
    return options;
  }

  /** Resident memory of every service process (agents included) and of this JVM, in bytes. */
  public long residentBytes() {
    long total = ChildProcess.residentBytes(ProcessHandle.current().pid());
    for (ChildProcess process : processes()) {
      total += Math.max(0, process.residentBytes());
    }
    for (String region : options.regions()) {
      total += agents(region).stream().mapToLong(a -> Math.max(0, a.residentBytes())).sum();
    }
    return total;
  }

  /**
   * Stops as an operator would: SIGTERM to the front door, the routers and the control processes (which release
   * their leases), then to the agents (which drain), SIGKILL for what is still there after 30 s; then DynamoDB Local.
   */
  @Override
  public void close() {
    List<ChildProcess> first = new ArrayList<>(processes());
    first.forEach(ChildProcess::terminate);
    first.forEach(p -> p.awaitExit(TERMINATE_WAIT));
    List<ChildProcess> agents = new ArrayList<>();
    fleets.keySet().forEach(region -> agents.addAll(agents(region)));
    agents.forEach(ChildProcess::terminate);
    agents.forEach(p -> p.awaitExit(TERMINATE_WAIT));
    Stream.concat(first.stream(), agents.stream()).filter(ChildProcess::alive).forEach(ChildProcess::kill);
    if (foundation != null) {
      foundation.close();
    }
  }
}
