package io.mrgc.cluster;

import io.mrgc.agent.service.AgentService;
import io.mrgc.autoscaler.policy.ScalingConfig;
import io.mrgc.autoscaler.service.AutoscalerConfig;
import io.mrgc.autoscaler.service.AutoscalerService;
import io.mrgc.autoscaler.service.AutoscalerSettings;
import io.mrgc.cluster.frontdoor.FrontDoorService;
import io.mrgc.common.config.Mode;
import io.mrgc.common.service.ControlSettings;
import io.mrgc.failover.service.FailoverConfig;
import io.mrgc.failover.service.FailoverService;
import io.mrgc.failover.service.FailoverSettings;
import io.mrgc.router.service.RouterService;
import io.mrgc.router.service.RouterServiceConfig;
import io.mrgc.state.config.Deployment;
import java.util.Optional;
import io.mrgc.agent.NodeAgent;
import io.mrgc.agent.NodeAgentOptions;
import io.mrgc.agent.enclave.LocalEnclave;
import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.cluster.frontdoor.FrontDoor;
import io.mrgc.cluster.frontdoor.FrontDoorOptions;
import io.mrgc.cluster.frontdoor.FrontDoorTls;
import io.mrgc.common.net.ListenerLimits;
import io.mrgc.common.tls.ClientTls;
import io.mrgc.common.tls.ServerTls;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import io.mrgc.enclave.attestation.LocalAttestationVerifier;
import io.mrgc.enclave.client.EnclaveCanary;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.failover.dials.TrafficDials;
import io.mrgc.router.EdgeListeners;
import io.mrgc.router.RouterOptions;
import io.mrgc.router.RouterVerticle;
import io.mrgc.state.StateClient;
import io.mrgc.state.local.EmbeddedDynamoDb;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.keys.DataKeySource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A whole 3-region cluster in this JVM, built the way {@code mrgc up} runs it: DynamoDB Local with the tables, the
 * model installed into the model root (as an operator uploads it to FSx), per region its routers (one unless
 * {@link LocalClusterOptions#routersPerRegion} says more) and its node agents (each with its own DynamoDB client in
 * its region), and the front door in front of the routers.
 */
public final class LocalCluster implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration AGENT_STOP_GRACE = Duration.ofSeconds(5);
  private static final Duration CONTROL_STOP_GRACE = Duration.ofSeconds(5);
  /** Stands for the enclave image's measurement (PCR0) that tenant key policies allow; never all zeros. */
  static final byte[] LOCAL_ENCLAVE_IMAGE = sha384("mrgc-local-enclave-image/1");

  private final LocalClusterOptions options;
  private LocalFoundation foundation;
  private final Vertx vertx;
  /** Each region's routers, router-1 first, in region order (a stopped region keeps its stopped ones). */
  private final Map<String, List<RouterService>> routers = new LinkedHashMap<>();
  /** A stopped region's routers' ports (tenant, admin, PrivateLink), so that they come back where they were. */
  private final Map<String, List<int[]>> stoppedRouterPorts = new ConcurrentHashMap<>();
  private final Map<String, NodeAgent> agents = new ConcurrentHashMap<>();
  private final Map<String, AgentService> agentServices = new ConcurrentHashMap<>();
  private final Map<String, Integer> agentCounters = new ConcurrentHashMap<>();
  private final Map<String, LocalEnclave> enclaves = new ConcurrentHashMap<>();
  private final KeyPair attestationKey = LocalAttestationProvider.newSigningKey();
  private LocalKeyRing enclaveKeyRing;
  private TenantAdmin tenantAdmin;
  private EnclaveCanary canary;
  private FrontDoorService frontDoor;
  private ServerTls serverTls = ServerTls.none();
  private ClientTls clientTls = ClientTls.none();
  private final List<AutoscalerService> autoscalers = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The running failover controller of each region (none while {@link #stopRegion} has its region down). */
  private final Map<String, FailoverService> failoverControllers = new ConcurrentHashMap<>();
  /** Each region's dial actuator (kept across a region's restart); closed after the controllers. */
  private final Map<String, TrafficDials> failoverDials = new ConcurrentHashMap<>();
  /** What the controllers probe: each region's routers' {@code /healthz/region} (routers restart on the same port). */
  private final Map<String, List<URI>> regionHealthUrls = new LinkedHashMap<>();

  /**
   * The deployment's router<->agent HMAC key: made at start, held in memory only, never logged ({@link
   * PeerAuthOptions#none()} only when a benchmark turned it off with {@link LocalClusterOptions#withPeerAuth}).
   */
  private final PeerAuthOptions peerAuth;

  private LocalCluster(LocalClusterOptions options) {
    this.options = options;
    this.peerAuth = options.peerAuth() ? PeerAuthOptions.generate() : PeerAuthOptions.none();
    this.vertx = Vertx.vertx();
  }

  public static LocalCluster start(LocalClusterOptions options) {
    LocalCluster cluster = new LocalCluster(options);
    try {
      cluster.startAll();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void startAll() {
    foundation = LocalFoundation.open(options.dynamoDbPort(), options.dataDir(), options.regions(),
        options.modelRoot(), options.plaintextHttp() ? null : options.tlsDir(), options.anycastAddresses());
    serverTls = foundation.serverTls();
    clientTls = foundation.clientTls();
    // The enclaves' KMS: releases data keys only to documents from this run's (INSECURE) local attestation key
    // for the local enclave image, as the KMS key policy does for the real image in AWS.
    enclaveKeyRing = openKeyRing(new LocalKeyRing.EnclavePolicy(LOCAL_ENCLAVE_IMAGE,
        new LocalAttestationVerifier(attestationKey.getPublic())));
    tenantAdmin = foundation.tenantAdmin(enclaveKeyRing);
    try {
      canary = new EnclaveCanary(enclaveKeyRing, tenantAdmin.canaryKey());
    } catch (EnclaveException e) {
      throw new IllegalStateException("the local key ring refused the enclave canary's data key", e);
    }

    List<Future<?>> starting = new ArrayList<>();
    for (String region : options.regions()) {
      for (int i = 0; i < options.agentsPerRegion(); i++) {
        starting.add(addAgent(region));
      }
    }
    await(Future.all(starting));

    for (int i = 0; i < options.regions().size(); i++) {
      String region = options.regions().get(i);
      List<RouterService> regionRouters = new ArrayList<>();
      for (int j = 0; j < options.routersPerRegion(); j++) {
        int slot = options.routerSlot(i, j);
        regionRouters.add(startRouter(region, j, options.routerPort(slot), options.edge().adminPort(slot),
            options.edge().privateLinkPort(slot)));
      }
      routers.put(region, regionRouters);
    }

    frontDoor = FrontDoorService.sharing(new FrontDoorOptions(options.anycastAddresses(), options.frontDoorPort(),
        regionRouterUrls(), options.regions().get(0), Map.of(), options.healthCheck(),
        FrontDoorOptions.DEFAULT_DIAL_REFRESH, new FrontDoorTls(serverTls, clientTls), ListenerLimits.defaults()),
        null, foundation.stateClient(options.regions().get(0)), vertx);
    await(frontDoor.start());
    if (options.autoscaling() != null) {
      startAutoscalers(options.autoscaling());
    }
    if (options.failover() != null) {
      startFailoverControllers();
    }
  }

  private String scheme() {
    return serverTls.enabled() ? "https" : "http";
  }

  /** The CA certificate tenants trust ({@code .mrgc/tls/ca.pem}), or null when the cluster serves plaintext HTTP. */
  public Path caCertificate() {
    return foundation.caCertificate();
  }

  /**
   * One failover controller per region, each probing the other regions' routers' {@code /healthz/region} on their
   * admin listeners (the details, routable count and failover state, are there; the tenant listener has the verdict
   * only, for the front door as for Global Accelerator).
   */
  private void startFailoverControllers() {
    regionRouterAdminUrls().forEach((region, urls) -> regionHealthUrls.put(region,
        urls.stream().map(url -> url.resolve("/healthz/region")).toList()));
    options.regions().forEach(this::startFailoverController);
  }

  /**
   * The failover controller of {@code region}: it moves dials through the options' actuator (by default
   * routing_state, which the front door follows), and its meters are in its region's router registry.
   */
  private void startFailoverController(String region) {
    FailoverOptions failover = options.failover();
    StateClient client = foundation.stateClient(region);
    TrafficDials dials = failoverDials.computeIfAbsent(region,
        r -> failover.dials().create(r, client, Clock.systemUTC()));
    Map<String, List<URI>> probes = new LinkedHashMap<>(regionHealthUrls);
    FailoverSettings settings = new FailoverSettings(failover.evaluationPeriod(),
        failover.evaluationPeriod().multipliedBy(3), options.regions(), probes, PROBE_TIMEOUT, Optional.empty(),
        failover.health(), failover.machine(), FailoverSettings.DialsType.ROUTING_STATE, Map.of(), Duration.ZERO);
    FailoverService controller = FailoverService.withState(
        new FailoverConfig(localDeployment(region), localControl("local-failover-" + region), settings), vertx, client,
        options.autoscaling() == null ? ScalingConfig.defaults() : options.autoscaling().scaling(), dials);
    await(controller.start());
    failoverControllers.put(region, controller);
  }

  /** Where a region's services run in this JVM: mode local against this cluster's DynamoDB Local. */
  private Deployment localDeployment(String region) {
    return new Deployment(Mode.LOCAL, region, Optional.of(foundation.dynamoDb().endpoint()));
  }

  /** A control service's lease holder and admin listener (loopback, a free port). */
  private static ControlSettings localControl(String holder) {
    return new ControlSettings(holder, ControlSettings.DEFAULT_ADMIN_HOST, 0);
  }

  /** Starts router {@code index} (0-based, named router-1, router-2, ...) of {@code region}. */
  private RouterService startRouter(String region, int index, int port, int adminPort, int privateLinkPort) {
    RouterOptions routerOptions = RouterOptions.defaults(region, "router-" + (index + 1))
        .withPort(port).withAllowPlaintext(options.allowPlaintext()).withAgentAuth(peerAuth).withTls(serverTls)
        .withEdge(EdgeListeners.defaults().withAdminPort(adminPort)) // loopback; PROXY v2 from loopback only
        .withProxyProtocolPort(privateLinkPort);
    if (options.autoscaling() != null) {
      routerOptions = routerOptions.withMetricsInterval(options.autoscaling().routerMetricsInterval());
    }
    RouterService service = RouterService.withState(routerOptions, RouterServiceConfig.DEFAULT_DRAIN_DELAY,
        foundation.stateClient(region), vertx);
    await(service.start());
    return service;
  }

  /**
   * Stops every process of {@code region} as if the region died: its routers' ports close, its agents (and enclaves)
   * stop without a word, so their rows age, and its failover controller stops evaluating without giving its leases
   * up (the other regions' controllers take its decisions over once they expire). For chaos tests;
   * {@link #startRegion} brings it back.
   */
  public void stopRegion(String region) {
    List<RouterService> regionRouters = routers.get(region);
    if (regionRouters == null || stoppedRouterPorts.containsKey(region)) {
      throw new IllegalArgumentException("no router running in " + region);
    }
    stoppedRouterPorts.put(region, regionRouters.stream().map(RouterService::verticle)
        .map(router -> new int[] {router.actualPort(), router.adminPort(), router.proxyProtocolPort()}).toList());
    FailoverService controller = failoverControllers.remove(region);
    if (controller != null) {
      await(controller.halt());
    }
    agents.values().stream().filter(a -> a.options().region().equals(region)).map(NodeAgent::instanceId).toList()
        .forEach(this::crashAgent);
    regionRouters.forEach(router -> await(router.halt()));
  }

  /**
   * Restarts a region stopped by {@link #stopRegion}: its routers on the same ports, as many agents as at start, and a
   * new failover controller.
   */
  public void startRegion(String region) {
    List<int[]> ports = stoppedRouterPorts.remove(region);
    if (ports == null) {
      throw new IllegalArgumentException("region " + region + " was not stopped");
    }
    List<Future<?>> starting = new ArrayList<>();
    for (int i = 0; i < options.agentsPerRegion(); i++) {
      starting.add(addAgent(region));
    }
    await(Future.all(starting));
    List<RouterService> restarted = new ArrayList<>();
    for (int j = 0; j < ports.size(); j++) {
      restarted.add(startRouter(region, j, ports.get(j)[0], ports.get(j)[1], ports.get(j)[2]));
    }
    routers.put(region, restarted);
    if (options.failover() != null) {
      startFailoverController(region);
    }
  }

  /** One autoscaler loop per region, each with a local fleet that also owns the agents started above. */
  private void startAutoscalers(AutoscalingOptions autoscaling) {
    for (String region : options.regions()) {
      LocalFleet fleet = new LocalFleet(this, region, autoscaling.bootDelay());
      agents.values().stream().filter(a -> a.options().region().equals(region))
          .forEach(a -> fleet.adopt(a.instanceId()));
      AutoscalerService service = AutoscalerService.withState(new AutoscalerConfig(localDeployment(region),
          localControl("local-autoscaler-" + region), new AutoscalerSettings(autoscaling.scaling(), autoscaling.loop(),
          null)), vertx, foundation.stateClient(region), fleet);
      await(service.start());
      autoscalers.add(service);
    }
  }

  /** Starts one more node agent in {@code region}; the future completes when it serves and has heart-beaten. */
  public Future<NodeAgent> addAgent(String region) {
    return addAgent(region, nextInstanceId(region));
  }

  /** A new, unused instance id in {@code region} ({@code i-local-<region>-<n>}). */
  public String nextInstanceId(String region) {
    return "i-local-" + region + "-" + agentCounters.merge(region, 1, Integer::sum);
  }

  /** Starts a node agent (and its enclave) named {@code instanceId} in {@code region}. */
  public Future<NodeAgent> addAgent(String region, String instanceId) {
    return addAgent(region, instanceId, options.modelRoot());
  }

  /**
   * As {@link #addAgent(String, String)} with the agent's own model repository (a copy of the shared one, as on an
   * instance that caches models on local disk): lets a test corrupt one instance's models and no other's.
   */
  public Future<NodeAgent> addAgent(String region, String instanceId, Path modelRoot) {
    LocalEnclave enclave = new LocalEnclave(options.enclaveSocket(instanceId), enclaveKeyRing,
        new LocalAttestationProvider(LOCAL_ENCLAVE_IMAGE, attestationKey, Clock.systemUTC()), canary).start();
    enclaves.put(instanceId, enclave);
    AgentService service = AgentService.of(
        NodeAgentOptions.builder(region, instanceId, modelRoot)
            .intraOpThreads(options.agentIntraOpThreads())
            .maxBatchSize(options.agentMaxBatchSize())
            .tenantIsolation(options.agentTenantIsolation())
            .peerAuth(peerAuth)
            .dataDir(options.stateDir().resolve("agents").resolve(instanceId))
            .build(),
        vertx, foundation.stateClient(region), enclave);
    return service.start().map(started -> {
      agents.put(instanceId, service.agent());
      agentServices.put(instanceId, service);
      return service.agent();
    });
  }

  /** Stops an agent gracefully (DRAINING, its request and wash finished within 5 s, TERMINATED) and its enclave. */
  public Future<Void> stopAgent(String instanceId) {
    agents.remove(instanceId);
    AgentService service = agentServices.remove(instanceId);
    if (service == null) {
      return Future.failedFuture(new IllegalArgumentException("no running agent " + instanceId));
    }
    return service.stop(AGENT_STOP_GRACE).<Void>mapEmpty().eventually(() -> {
      LocalEnclave enclave = enclaves.remove(instanceId);
      if (enclave != null) {
        enclave.close();
      }
      return Future.succeededFuture();
    });
  }

  /** Kills an agent as a crashed process would die: it stops answering and never writes its row again. */
  public void crashAgent(String instanceId) {
    NodeAgent agent = agents.remove(instanceId);
    if (agent == null) {
      throw new IllegalArgumentException("no running agent " + instanceId + "; running: " + agents.keySet());
    }
    await(agent.crash());
    agentServices.remove(instanceId);
    LocalEnclave enclave = enclaves.remove(instanceId);
    if (enclave != null) {
      enclave.close();
    }
  }

  /** Creates a tenant (key ring key + tenants row) and returns its credentials; the API key is not kept. */
  public TenantAdmin.Credentials createTenant(String tenantId, TenantAdmin.TenantSettings settings) {
    return tenantAdmin.create(tenantId, settings);
  }

  /** The tenant side of the local key ring (GenerateDataKey only), what the tenant SDK uses against this cluster. */
  public DataKeySource tenantKeySource() {
    return openKeyRing(null);
  }

  /** The enclave of one agent, to stop and restart it in tests. */
  LocalEnclave enclave(String instanceId) {
    return enclaves.get(instanceId);
  }

  /** KMS calls made by all running enclaves since they booted. */
  public long enclaveKmsCalls() {
    return enclaves.values().stream().mapToLong(LocalEnclave::kmsCalls).sum();
  }

  private LocalKeyRing openKeyRing(LocalKeyRing.EnclavePolicy policy) {
    return LocalFoundation.openKeyRing(options.keyRingFile(), policy);
  }

  /** Waits until every router of every region reports it can serve (its /healthz/region answers 200). */
  public void awaitServing(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpClient probe = vertx.createHttpClient(clientTls.applyTo(new HttpClientOptions()));
    try {
      for (Map.Entry<String, List<URI>> region : regionRouterUrls().entrySet()) {
        for (URI router : region.getValue()) {
          while (!serving(probe, router)) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("region " + region.getKey() + " cannot serve after " + timeout);
            }
            sleep(100);
          }
        }
      }
    } finally {
      probe.close();
    }
  }

  private static boolean serving(HttpClient probe, URI router) {
    try {
      return probe.request(HttpMethod.GET, router.getPort(), router.getHost(), "/healthz/region")
          .compose(request -> request.send())
          .compose(response -> response.body().map(body -> response.statusCode() == 200))
          .await(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  /** Region -> base URL of its first router's tenant listener. */
  public Map<String, URI> routerUrls() {
    return firstEach(regionRouterUrls());
  }

  /** Region -> base URLs of its routers' tenant listeners, router-1 first. */
  public Map<String, List<URI>> regionRouterUrls() {
    return perRouter(router -> URI.create(scheme() + "://127.0.0.1:" + router.actualPort()));
  }

  /** Region -> base URL of its failover controller's admin listener ({@code /metrics} with {@code mrgc_failover_*}). */
  public Map<String, URI> failoverAdminUrls() {
    Map<String, URI> urls = new LinkedHashMap<>();
    failoverControllers.forEach((region, service) -> urls.put(region,
        URI.create("http://127.0.0.1:" + service.adminPort())));
    return urls;
  }

  /** Region -> base URL of its first router's admin listener ({@code /metrics}, {@code /healthz/region} details). */
  public Map<String, URI> routerAdminUrls() {
    return firstEach(regionRouterAdminUrls());
  }

  /** Region -> base URLs of its routers' admin listeners, router-1 first. */
  public Map<String, List<URI>> regionRouterAdminUrls() {
    return perRouter(router -> URI.create("http://127.0.0.1:" + router.adminPort()));
  }

  /**
   * Region -> the {@code host:port} of its first router's PROXY protocol v2 listener (the PrivateLink NLB's target),
   * for the regions that have one ({@code mrgc up --privatelink-port}).
   */
  public Map<String, String> privateLinkAddresses() {
    return firstEach(regionPrivateLinkAddresses());
  }

  /** Region -> the {@code host:port} of its routers' PROXY protocol v2 listeners, router-1 first (none: absent). */
  public Map<String, List<String>> regionPrivateLinkAddresses() {
    Map<String, List<String>> addresses = new LinkedHashMap<>();
    perRouter(router -> router).forEach((region, regionRouters) -> {
      List<String> listening = regionRouters.stream()
          .filter(router -> router.proxyProtocolPort() != RouterOptions.PROXY_PROTOCOL_DISABLED)
          .map(router -> router.options().edge().proxyProtocolHost() + ":" + router.proxyProtocolPort()).toList();
      if (!listening.isEmpty()) {
        addresses.put(region, listening);
      }
    });
    return addresses;
  }

  /** Region -> {@code value} of each of its routers, router-1 first. */
  private <T> Map<String, List<T>> perRouter(java.util.function.Function<RouterVerticle, T> value) {
    Map<String, List<T>> values = new LinkedHashMap<>();
    routers.forEach((region, services) -> values.put(region,
        services.stream().map(service -> value.apply(service.verticle())).toList()));
    return values;
  }

  private static <T> Map<String, T> firstEach(Map<String, List<T>> lists) {
    Map<String, T> first = new LinkedHashMap<>();
    lists.forEach((region, list) -> first.put(region, list.get(0)));
    return first;
  }

  /** Anycast address -> base URL of the front door on it. */
  public Map<String, URI> anycastUrls() {
    Map<String, URI> urls = new LinkedHashMap<>();
    frontDoor.frontDoor().actualPorts().forEach((address, port) ->
        urls.put(address, URI.create(scheme() + "://" + address + ":" + port)));
    return urls;
  }

  public Map<String, NodeAgent> agents() {
    return Map.copyOf(agents);
  }

  public FrontDoor frontDoor() {
    return frontDoor.frontDoor();
  }

  /** The shared model repository (the FSx mount in AWS) the agents load from unless given their own. */
  public Path modelRoot() {
    return options.modelRoot();
  }

  public EmbeddedDynamoDb dynamoDb() {
    return foundation.dynamoDb();
  }

  public StateClient stateClient(String region) {
    return foundation.stateClient(region);
  }

  public Vertx vertx() {
    return vertx;
  }

  public List<String> regions() {
    return options.regions();
  }

  @Override
  public void close() {
    // First the control loops: they must not launch into a closing cluster, nor judge regions while they shut down.
    autoscalers.forEach(service -> awaitQuietly(service.stop(CONTROL_STOP_GRACE)));
    failoverControllers.values().forEach(service -> awaitQuietly(service.stop(CONTROL_STOP_GRACE)));
    failoverDials.values().stream().filter(AutoCloseable.class::isInstance).map(AutoCloseable.class::cast)
        .forEach(LocalCluster::closeQuietly); // then their actuators' retries (threads, clients) stop
    try {
      vertx.close().await(30, TimeUnit.SECONDS); // undeploys front door, routers and agents (agents write TERMINATED)
    } catch (Exception e) {
      // keep shutting down: the rest must still be released
    }
    enclaves.values().forEach(LocalEnclave::close);
    if (canary != null) {
      canary.close();
    }
    if (foundation != null) {
      foundation.close();
    }
  }

  private static void awaitQuietly(Future<?> future) {
    try {
      future.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // keep shutting down: the rest must still be released
    }
  }

  private static void closeQuietly(AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception e) {
      // keep shutting down: the rest must still be released
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("local cluster did not start: " + e.getMessage(), e);
    }
  }

  private static byte[] sha384(String text) {
    try {
      return java.security.MessageDigest.getInstance("SHA-384")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
