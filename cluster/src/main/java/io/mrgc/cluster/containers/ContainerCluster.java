package io.mrgc.cluster.containers;

import static io.mrgc.cluster.deploy.DeployFiles.map;

import io.mrgc.cluster.LocalFoundation;
import io.mrgc.cluster.deploy.DeployConfigs;
import io.mrgc.cluster.deploy.DeployConfigs.Listen;
import io.mrgc.cluster.deploy.DeployFiles;
import io.mrgc.cluster.deploy.LocalDeployment;
import io.mrgc.cluster.deploy.Readiness;
import io.mrgc.cluster.processes.ProcessCluster;
import io.mrgc.common.net.FreePorts;
import io.mrgc.common.peer.PeerKey;
import io.mrgc.enclave.attestation.LocalAttestationKeyFile;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import io.mrgc.enclave.kms.LocalKeyRing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The local deployment with one container per service ({@code mrgc up --containers}), each region on its own
 * container network, started from configuration files written by the same generator as {@code --processes}
 * ({@link DeployConfigs}; under {@code .mrgc/deploy/containers-<deployment>/}). This JVM holds only what AWS would
 * hold outside the services (the key ring standing for KMS, the model files standing for FSx, the local CA) and drives
 * podman. DynamoDB Local and the front door are containers on every region's network; each region's control
 * container reaches the other regions' routers (its failover probes) and launches its agent containers through
 * podman's API socket ({@code fleet.type: container}, local only). Secrets reach the containers through their
 * environment, never through files in the configuration.
 */
public final class ContainerCluster implements LocalDeployment, AutoCloseable {
  static final String LABEL = "io.mrgc.deployment";
  static final String REGION_LABEL = "io.mrgc.region";
  static final String ROLE_LABEL = "io.mrgc.role";
  /** The images' service user (containers/Containerfile): it must be able to read the files handed to it. */
  static final int SERVICE_UID = 10001;
  static final int ADMIN_PORT = 9100;
  static final int ROUTER_PORT = 8443;
  static final int FRONT_DOOR_PORT = 8443;
  static final int DYNAMODB_PORT = 8000;
  private static final int STOP_SECONDS = 30;

  private final ContainerClusterOptions options;
  private final Podman podman;
  private final DeployFiles files;
  private final String peerKeys = PeerKey.generateSpec();
  private final Map<String, List<String>> routers = new LinkedHashMap<>();
  private final Map<String, List<URI>> routerAdminUrls = new LinkedHashMap<>();
  private final Map<String, URI> controlAdminUrls = new LinkedHashMap<>();
  private Process apiService;
  private LocalFoundation foundation;
  private LocalKeyRing keyRing;
  private DeployConfigs configs;
  private int frontDoorPort;
  private boolean closed;

  private ContainerCluster(ContainerClusterOptions options, Podman podman) {
    this.options = options;
    this.podman = podman;
    this.files = new DeployFiles(options.deployDir());
  }

  /** Starts everything and waits until every region serves; removes what it made when that fails. */
  public static ContainerCluster start(ContainerClusterOptions options) {
    Podman podman = Podman.require();
    for (String image : List.of(options.image(), options.enclaveImage())) {
      if (!podman.succeeds("image", "exists", image)) {
        throw new IllegalStateException("the image " + image + " is missing: build it with ./mrgc images build");
      }
    }
    ContainerCluster cluster = new ContainerCluster(options, podman);
    // Containers outlive this JVM: a Ctrl-C while they start must remove them too (the caller's own hook, which
    // replaces this one, is only set once start returns).
    Thread interrupted = new Thread(cluster::close, "containers-start-interrupted");
    Runtime.getRuntime().addShutdownHook(interrupted);
    try {
      cluster.removeLeftovers();
      cluster.startAll();
      cluster.awaitReady();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(interrupted);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to: it removes what started
      }
    }
  }

  private String name(String service) {
    return options.deployment() + "-" + service;
  }

  private void startAll() {
    for (String region : options.regions()) {
      podman.run("network", "create", "--label", LABEL + "=" + options.deployment(), options.network(region));
    }
    startApiService();
    int dynamoDbPort = options.dynamoDbPort() == 0 ? FreePorts.loopback() : options.dynamoDbPort();
    URI hostStateEndpoint = URI.create("http://127.0.0.1:" + dynamoDbPort);
    start(new Spec("dynamodb", "dynamodb", null).networks(options.regions())
        .publish("127.0.0.1:" + dynamoDbPort + ":" + DYNAMODB_PORT)
        .command("dynamodb-local", "--host", "0.0.0.0", "--port", Integer.toString(DYNAMODB_PORT)));
    awaitPort(hostStateEndpoint);

    List<String> tlsHosts = new ArrayList<>(options.anycastAddresses());
    options.regions().forEach(region -> {
      for (int n = 1; n <= options.routersPerRegion(); n++) {
        tlsHosts.add(name("router-" + region + "-" + n));
      }
    });
    foundation = LocalFoundation.openAt(hostStateEndpoint, options.regions(), options.modelRoot(), options.tlsDir(),
        tlsHosts);
    Path secrets = handOver(options.deployDir().resolve("secrets"));
    Path tls = handOver(options.deployDir().resolve("tls"));
    keyRing = LocalFoundation.openKeyRing(options.keyRingFile(), null);
    foundation.tenantAdmin(keyRing).canaryKey();
    Path attestationKey = secrets.resolve("local-attestation-key.pem");
    try {
      LocalAttestationKeyFile.save(attestationKey, LocalAttestationProvider.newSigningKey());
      copyOwned(foundation.serverTls().certificateChain(), tls.resolve("server.pem"));
      copyOwned(foundation.serverTls().privateKey(), tls.resolve("server-key.pem"));
      copyOwned(foundation.caCertificate(), tls.resolve("ca.pem"));
      giveToServiceUser(options.keyRingFile());
      giveToServiceUser(attestationKey);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hand the local keys to the containers' user", e);
    }
    // what the containers see where: every path in a configuration file is a container path
    Map<Path, String> mounts = new LinkedHashMap<>();
    mounts.put(tls, "/etc/mrgc/tls");
    mounts.put(secrets, "/etc/mrgc/secrets");
    mounts.put(options.modelRoot(), "/models");
    configs = new DeployConfigs("http://" + name("dynamodb") + ":" + DYNAMODB_PORT, path -> inContainer(mounts, path),
        io.mrgc.common.tls.ServerTls.fromPem(tls.resolve("server.pem"), tls.resolve("server-key.pem")),
        tls.resolve("ca.pem"), options.regions(), options.agentsPerRegion(), false, options.fast());

    Map<String, List<URI>> routerUrls = new LinkedHashMap<>();
    Map<String, List<URI>> routerAdminInside = new LinkedHashMap<>();
    for (String region : options.regions()) {
      for (int n = 1; n <= options.routersPerRegion(); n++) {
        String router = name("router-" + region + "-" + n);
        routers.computeIfAbsent(region, r -> new ArrayList<>()).add(router);
        routerUrls.computeIfAbsent(region, r -> new ArrayList<>())
            .add(URI.create(configs.scheme() + "://" + router + ":" + ROUTER_PORT));
        routerAdminInside.computeIfAbsent(region, r -> new ArrayList<>())
            .add(URI.create("http://" + router + ":" + ADMIN_PORT));
      }
    }
    Path enclaveFile = files.write("enclave", "an agent's enclave container (a Nitro Enclave in AWS): the key ring "
        + "and attestation key stand for KMS and the NSM", map("mode", "local",
        "listener", map("socket", "/run/mrgc-enclave/enclave.sock"),
        "local", map("keyRingFile", inContainer(mounts, options.keyRingFile()),
            "attestationKeyFile", inContainer(mounts, attestationKey))));
    for (String region : options.regions()) {
      Path agentFile = files.write("agent-" + region, "the agents of " + region + " (the launch template's file: "
          + "MRGC_INSTANCE_ID and MRGC_LISTENER_HOST come from the environment)", configs.agent(region, null,
          new Listen("0.0.0.0", 8080), options.modelRoot(), null,
          map("transport", "unix", "socket", "/run/mrgc-enclave/enclave.sock")));
      int admin = FreePorts.loopback();
      controlAdminUrls.put(region, URI.create("http://127.0.0.1:" + admin));
      Path control = files.write("control-" + region, "the autoscaler and failover controller of " + region
          + " (one small ECS task)", configs.control(region, new Listen("0.0.0.0", ADMIN_PORT),
          containerFleet(region, agentFile, enclaveFile, options.modelRoot(), secrets), routerAdminInside));
      // the control container reaches every region's routers (its failover probes) and launches agents through
      // podman's socket: root-equivalent, which is why this fleet type exists in mode local only
      start(new Spec("control-" + region, "control", region).networks(regionFirst(region))
          .config(control).publish("127.0.0.1:" + admin + ":" + ADMIN_PORT)
          .mount(apiSocket().toString(), "/run/podman.sock", false)
          .secret("MRGC_PEER_AUTH_KEYS", peerKeys).command("serve", "control", "--config", "/etc/mrgc/config.yaml"));
    }
    for (String region : options.regions()) {
      for (int n = 1; n <= options.routersPerRegion(); n++) {
        String service = "router-" + region + "-" + n;
        int admin = FreePorts.loopback();
        routerAdminUrls.computeIfAbsent(region, r -> new ArrayList<>()).add(URI.create("http://127.0.0.1:" + admin));
        Path config = files.write(service, "router " + n + " of " + region + " (an ECS task behind its NLB)",
            configs.router(region, name(service), new Listen("0.0.0.0", ROUTER_PORT), new Listen("0.0.0.0",
                ADMIN_PORT)));
        start(new Spec(service, "router", region).networks(List.of(region)).config(config)
            .publish("127.0.0.1:" + admin + ":" + ADMIN_PORT).mount(tls.toString(), "/etc/mrgc/tls", true)
            .secret("MRGC_AGENT_AUTH_KEYS", peerKeys).command("serve", "router", "--config", "/etc/mrgc/config.yaml"));
      }
    }
    frontDoorPort = options.frontDoorPort() == 0 ? FreePorts.loopback() : options.frontDoorPort();
    // Its admin listener stays on the container's loopback (never where tenants connect): health checks run inside
    // the container (/app/bin/healthcheck), as ECS runs a task's.
    Path config = files.write("front-door", "the front door (Global Accelerator in AWS): one listener in its "
        + "container, published on every anycast address", configs.frontDoor(List.of("0.0.0.0"), FRONT_DOOR_PORT,
        routerUrls, new Listen("127.0.0.1", ADMIN_PORT)));
    Spec frontDoor = new Spec("front-door", "front-door", null).networks(options.regions()).config(config)
        .mount(tls.toString(), "/etc/mrgc/tls", true)
        .command("serve", "front-door", "--config", "/etc/mrgc/config.yaml");
    options.anycastAddresses().forEach(address -> frontDoor.publish(address + ":" + frontDoorPort + ":"
        + FRONT_DOOR_PORT));
    start(frontDoor);
  }

  private Map<String, Object> containerFleet(String region, Path agentFile, Path enclaveFile, Path models,
      Path secrets) {
    return map("type", "container", "container", map(
        "socket", "/run/podman.sock",
        "network", options.network(region),
        "deployment", options.deployment(),
        "agentImage", options.image(),
        "enclaveImage", options.enclaveImage(),
        "agentConfigFile", agentFile.toAbsolutePath().normalize().toString(),
        "enclaveConfigFile", enclaveFile.toAbsolutePath().normalize().toString(),
        "agentMounts", List.of(models.toAbsolutePath().normalize() + ":/models"),
        "enclaveMounts", List.of(secrets.toAbsolutePath().normalize() + ":/etc/mrgc/secrets"),
        "passEnv", List.of("MRGC_PEER_AUTH_KEYS"),
        "terminateGrace", "15s"));
  }

  /** {@code region}'s network first (its DNS name there), then the others' (to probe their routers). */
  private List<String> regionFirst(String region) {
    List<String> regions = new ArrayList<>(List.of(region));
    options.regions().stream().filter(r -> !r.equals(region)).forEach(regions::add);
    return regions;
  }

  /** One container of the deployment: its name, labels, networks, files, secrets and command. */
  private final class Spec {
    final String service;
    final List<String> args = new ArrayList<>();
    final Map<String, String> secrets = new LinkedHashMap<>();
    final List<String> command = new ArrayList<>();

    Spec(String service, String role, String region) {
      this.service = service;
      args.addAll(List.of("run", "-d", "--name", name(service), "--hostname", name(service),
          "--label", LABEL + "=" + options.deployment(), "--label", ROLE_LABEL + "=" + role,
          "--read-only", "--tmpfs", "/tmp", "--env", "MRGC_JAVA_OPTS=" + String.join(" ", jvmFlags(role))));
      if (region != null) {
        args.addAll(List.of("--label", REGION_LABEL + "=" + region));
      }
    }

    Spec networks(List<String> regions) {
      regions.forEach(region -> args.addAll(List.of("--network", options.network(region))));
      return this;
    }

    Spec publish(String mapping) {
      args.addAll(List.of("-p", mapping));
      return this;
    }

    Spec config(Path file) {
      return mount(file.toAbsolutePath().normalize().toString(), "/etc/mrgc/config.yaml", true);
    }

    Spec mount(String host, String inside, boolean readOnly) {
      args.addAll(List.of("-v", host + ":" + inside + (readOnly ? ":ro" : "")));
      return this;
    }

    /** Passed as {@code --env NAME}: podman takes the value from its own environment, so it is on no command line. */
    Spec secret(String variable, String value) {
      secrets.put(variable, value);
      args.addAll(List.of("--env", variable));
      return this;
    }

    Spec command(String... words) {
      command.addAll(List.of(words));
      return this;
    }
  }

  private void start(Spec spec) {
    List<String> args = new ArrayList<>(spec.args);
    args.add(options.image());
    args.addAll(spec.command);
    podman.run(args, spec.secrets);
  }

  /** The same heaps as the processes deployment; DynamoDB Local (in this JVM there) holds every table in memory. */
  private static List<String> jvmFlags(String role) {
    if (role.equals("dynamodb")) {
      List<String> flags = new ArrayList<>(ProcessCluster.jvmFlags("control"));
      flags.set(0, "-Xmx512m");
      return flags;
    }
    return ProcessCluster.jvmFlags(role);
  }

  /**
   * podman's Docker-compatible API on a socket of this deployment's own (the control containers' fleets use it), so
   * that nothing outside the deployment has to be running; the service user owns it inside the control containers.
   */
  private void startApiService() {
    Path socket = apiSocket();
    // a deployment killed with SIGKILL left its API service behind: it would serve the socket path forever
    ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(line -> line.contains("system service")
        && line.contains(socket.toString())).orElse(false)).forEach(ProcessHandle::destroy);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the old " + socket, e);
    }
    apiService = podman.start(List.of("system", "service", "--time=0", "unix://" + socket),
        options.deployDir().resolve("podman-api.log"));
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!Files.exists(socket)) {
      if (!apiService.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("podman system service did not open " + socket + "; see "
            + options.deployDir().resolve("podman-api.log"));
      }
      Readiness.sleep(100);
    }
    try {
      giveToServiceUser(socket);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hand " + socket + " to the control containers' user", e);
    }
  }

  /** Short (a Unix socket path has at most 107 bytes) and per deployment. */
  private Path apiSocket() {
    return Path.of(System.getProperty("java.io.tmpdir"), "mrgc-" + options.deployment() + "-podman.sock");
  }

  /** A directory for files the containers' user reads (mode 0700, owned by it). */
  private static Path handOver(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      giveToServiceUser(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir + " for the containers' user", e);
    }
  }

  private static void copyOwned(Path from, Path to) throws IOException {
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
    giveToServiceUser(to);
  }

  /**
   * Hands a file to the containers' service user (uid 10001): with rootful podman that uid is the same on the host.
   * Only root may; that is also what rootful podman needs.
   */
  private static void giveToServiceUser(Path path) throws IOException {
    try {
      Files.setAttribute(path, "unix:uid", SERVICE_UID);
      Files.setAttribute(path, "unix:gid", SERVICE_UID);
    } catch (IOException | SecurityException e) {
      throw new IOException("cannot give " + path + " to uid " + SERVICE_UID + " (run mrgc up --containers as root, "
          + "with rootful podman): " + e.getMessage(), e);
    }
  }

  private static String inContainer(Map<Path, String> mounts, Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    for (Map.Entry<Path, String> mount : mounts.entrySet()) {
      Path root = mount.getKey().toAbsolutePath().normalize();
      if (absolute.startsWith(root)) {
        String rest = root.relativize(absolute).toString();
        return rest.isEmpty() ? mount.getValue() : mount.getValue() + "/" + rest;
      }
    }
    throw new IllegalArgumentException(path + " is in no directory mounted into the containers");
  }

  private void awaitPort(URI endpoint) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      try (java.net.Socket socket = new java.net.Socket(endpoint.getHost(), endpoint.getPort())) {
        return;
      } catch (IOException e) {
        failIfExited();
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("DynamoDB Local's container does not answer on " + endpoint + ": "
              + podman.logs(name("dynamodb"), 30));
        }
        Readiness.sleep(200);
      }
    }
  }

  /** Waits until every container answers /readyz and every region's routers say the region serves. */
  public void awaitReady() {
    List<URI> checks = new ArrayList<>();
    controlAdminUrls.values().forEach(u -> checks.add(u.resolve("/readyz")));
    routerAdminUrls.values().forEach(urls -> urls.forEach(u -> {
      checks.add(u.resolve("/readyz"));
      checks.add(u.resolve("/healthz/region"));
    }));
    String logs = "podman logs <container> (podman ps -a --filter label=" + LABEL + "=" + options.deployment() + ")";
    Readiness.await(checks, ContainerClusterOptions.READY_TIMEOUT, this::failIfExited, logs);
    long deadline = System.nanoTime() + ContainerClusterOptions.READY_TIMEOUT.toNanos();
    while (!healthy(name("front-door"))) {
      failIfExited();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the front door's health check fails; " + logs);
      }
      Readiness.sleep(250);
    }
  }

  /** The container's own health check (its image's /app/bin/healthcheck, run inside it) passes. */
  private boolean healthy(String container) {
    return podman.succeeds("exec", container, "/app/bin/healthcheck");
  }

  private void failIfExited() {
    String exited = podman.run("ps", "-a", "--filter", "label=" + LABEL + "=" + options.deployment(),
        "--filter", "status=exited", "--format", "{{.Names}}");
    if (!exited.isBlank()) {
      String first = exited.lines().findFirst().orElseThrow();
      throw new IllegalStateException("the container " + first + " exited before the deployment was ready; its "
          + "last lines:\n" + podman.logs(first, 30));
    }
  }

  /** Containers of this deployment (all roles, agents included), name -> role. */
  public Map<String, String> containers() {
    return new ContainerChaos(podman, options).containers();
  }

  /** Faults for chaos tests and {@code mrgc chaos}: kill, pause, cut a region's network, restore. */
  public ContainerChaos chaos() {
    return new ContainerChaos(podman, options);
  }

  public Map<String, List<URI>> routerAdminUrls() {
    return routerAdminUrls;
  }

  public Map<String, URI> controlAdminUrls() {
    return controlAdminUrls;
  }

  public Map<String, List<String>> routers() {
    return routers;
  }

  /** Anycast address -> base URL of the front door there (published on the host). */
  public Map<String, URI> anycastUrls() {
    return configs.anycastUrls(options.anycastAddresses(), frontDoorPort);
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

  public ContainerClusterOptions options() {
    return options;
  }

  /** Every container's memory use now, name -> bytes (podman stats). */
  public Map<String, Long> memoryBytes() {
    return new ContainerChaos(podman, options).memoryBytes();
  }

  private void removeLeftovers() {
    new ContainerChaos(podman, options).removeAll(0);
  }

  /**
   * Stops as an operator would: SIGTERM to the front door, routers and control containers (which release their
   * leases), then to the agents and enclaves, SIGKILL after 30 s; then DynamoDB Local; then removes the containers,
   * volumes and networks this deployment made.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      new ContainerChaos(podman, options).removeAll(STOP_SECONDS);
    } finally {
      if (apiService != null) {
        apiService.destroy();
      }
      if (foundation != null) {
        foundation.close();
      }
    }
  }
}
