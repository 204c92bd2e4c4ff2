package io.mrgc.router.service;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.common.net.ListenerLimits;
import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.common.tls.ServerTls;
import io.mrgc.router.EdgeListeners;
import io.mrgc.router.IngressLimits;
import io.mrgc.router.RouterOptions;
import io.mrgc.router.ppv2.Cidr;
import io.mrgc.state.config.Deployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * {@code mrgc serve router}: the regional router from its configuration file. The keys are a curated set of
 * {@link RouterOptions}: what an operator sets per deployment (listeners, TLS, PROXY v2 trust, agent keys, limits,
 * timeouts); the tuning knobs keep their defaults. Reference: docs/config.md, section router.
 */
public final class RouterServiceDefinition implements ServiceDefinition<RouterServiceConfig> {
  public static final String NAME = "router";

  /** {@code tls.enabled} has no default: plaintext must be chosen, tenants must never get it by accident. */
  enum Switch {
    TRUE,
    FALSE
  }

  private final Supplier<Map<String, String>> environment;

  public RouterServiceDefinition() {
    this(System::getenv);
  }

  /** {@code environment}: where the default router id looks for ECS (tests). */
  RouterServiceDefinition(Supplier<Map<String, String>> environment) {
    this.environment = environment;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public RouterServiceConfig read(ConfigReader reader) {
    Deployment deployment = Deployment.read(reader);
    String routerId = reader.string("routerId", "", "this router's id in its metrics series "
        + "(router#REGION#ID), unique among the region's routers; unset: the ECS task id in ECS (from the task "
        + "metadata endpoint), else the host name");
    ConfigReader listener = reader.section("listener");
    String host = listener.string("host", RouterOptions.DEFAULT_HOST, "interface of the tenant listener; "
        + "0.0.0.0 in a container (the NLB's and Global Accelerator's traffic arrives on the task's interface)");
    int port = listener.integer("port", RouterOptions.DEFAULT_PORT, 0, 65535,
        "port of the tenant listener (the NLB target group's port); 0 = any free port");
    ListenerLimits limits = listenerLimits(listener);
    ConfigReader admin = reader.section("admin");
    String adminHost = admin.string("host", EdgeListeners.DEFAULT_ADMIN_HOST, "interface of the admin listener "
        + "(/livez, /readyz, /metrics, /healthz/region details): loopback, or a VPC-only address; never the "
        + "tenant-facing one");
    int adminPort = admin.integer("port", EdgeListeners.DEFAULT_ADMIN_PORT, 0, 65535,
        "port of the admin listener (ECS and target group health checks: /readyz); 0 = any free port");
    ServerTls tls = tls(reader.section("tls"));
    ConfigReader proxy = reader.section("proxyProtocol");
    int proxyPort = proxy.integer("port", RouterOptions.DEFAULT_PROXY_PROTOCOL_PORT, -1, 65535,
        "port of the PROXY protocol v2 listener (the PrivateLink NLB's target group); -1 = no such listener");
    String proxyHost = proxy.string("host", EdgeListeners.DEFAULT_PROXY_PROTOCOL_HOST,
        "interface of the PROXY protocol v2 listener");
    List<Cidr> trusted = cidrs(proxy, proxy.list("trustedCidrs", EdgeListeners.DEFAULT_PROXY_PROTOCOL_TRUSTED_CIDRS
        .stream().map(Cidr::toString).toList(), "networks allowed to send PROXY v2 headers (the PrivateLink NLB's "
        + "subnets); connections from elsewhere are closed at accept, since a header names the VPC endpoint"));
    Duration headerTimeout = proxy.duration("headerTimeout", RouterOptions.DEFAULT_PROXY_PROTOCOL_HEADER_TIMEOUT,
        "time a PROXY v2 connection has to send its header");
    PeerAuthOptions agentAuth = agentAuth(reader.section("agentAuth"), deployment.mode());
    boolean allowPlaintext = reader.flag("allowPlaintext", RouterOptions.DEFAULT_ALLOW_PLAINTEXT,
        "local development only: accept request bodies that are not encrypted envelopes (else 415)");
    ConfigReader rate = reader.section("rateLimit");
    double rps = rate.decimal("defaultRps", RouterOptions.DEFAULT_RATE_LIMIT_RPS, 0.001, 1_000_000,
        "requests per second of a tenant whose row sets no rate_limit_rps (per region: one bucket shared by its "
            + "routers)");
    int burst = rate.integer("defaultBurst", RouterOptions.DEFAULT_RATE_LIMIT_BURST, 1, 1_000_000,
        "burst of a tenant whose row sets no rate_limit_burst");
    ConfigReader body = reader.section("body");
    long maxBody = body.bytes("maxBytes", RouterOptions.DEFAULT_MAX_BODY_BYTES, 1,
        RouterOptions.MAX_BODY_BYTES_LIMIT, "largest request body (413 above); bodies are buffered whole");
    Duration bodyTimeout = body.duration("timeout", IngressLimits.DEFAULT_BODY_TIMEOUT,
        "longest time to receive a whole body (408 body_timeout after)");
    long tenantBuffer = body.bytes("tenantBufferBytes", IngressLimits.DEFAULT_TENANT_BUFFER_BYTES, 1,
        IngressLimits.MAX_BUFFER_BYTES, "body bytes buffered at once per tenant (429 body_buffer_full above)");
    long routerBuffer = body.bytes("routerBufferBytes", IngressLimits.DEFAULT_ROUTER_BUFFER_BYTES, 1,
        IngressLimits.MAX_BUFFER_BYTES, "body bytes buffered at once in all (503 router_busy above); keep it "
            + "well under the task's memory");
    ConfigReader upstream = reader.section("upstream");
    Duration connectTimeout = upstream.duration("connectTimeout", RouterOptions.DEFAULT_CONNECT_TIMEOUT,
        "time to connect to an instance before the request is retried on another");
    Duration requestTimeout = upstream.duration("requestTimeout", RouterOptions.DEFAULT_REQUEST_TIMEOUT,
        "longest silence from an instance (504 upstream_timeout after)");
    ConfigReader queue = reader.section("dispatchQueue");
    int queueLimit = queue.integer("limit", RouterOptions.DEFAULT_DISPATCH_QUEUE_LIMIT, 0, 1_000_000,
        "requests waiting for an instance with room at most (503 no_capacity above); 0 = never wait");
    Duration queueTimeout = queue.duration("timeout", RouterOptions.DEFAULT_DISPATCH_QUEUE_TIMEOUT,
        "longest wait for an instance with room (503 no_capacity after)");
    int turnBatches = queue.integer("tenantTurnBatches", RouterOptions.DEFAULT_TENANT_TURN_BATCHES, 1,
        RouterOptions.MAX_TENANT_TURN_BATCHES, "a tenant's turn on an instance while other tenants' requests wait: "
            + "at most this many times the instance's batch slots more of its requests, then the instance drains "
            + "and a waiter gets it");
    ConfigReader snapshot = reader.section("snapshot");
    Duration snapshotInterval = snapshot.duration("interval", RouterOptions.DEFAULT_SNAPSHOT_INTERVAL,
        "pause between reads of the region's gpu_instances rows");
    Duration staleAfter = snapshot.duration("heartbeatStaleAfter", RouterOptions.DEFAULT_HEARTBEAT_STALE_AFTER,
        "an instance whose heartbeat is older is not picked (unless none is fresh: fail-open)");
    Duration modelRegistryInterval = reader.section("modelRegistry").duration("interval",
        RouterOptions.DEFAULT_MODEL_REGISTRY_INTERVAL, "pause between reads of the model registry (models table); "
            + "it tells a model no instance advertises yet apart: 503 model_loading or 404 model_not_found");
    Duration metricsInterval = reader.section("metrics").duration("interval", RouterOptions.DEFAULT_METRICS_INTERVAL,
        "window of each row this router writes to the metrics table (read by the autoscaler and failover)");
    Duration drainDelay = reader.section("lifecycle").duration("drainDelay", RouterServiceConfig.DEFAULT_DRAIN_DELAY,
        "on stop: how long health checks see 503 before the listeners close to new connections; cover the "
            + "health checks' interval x threshold (in AWS the NLB deregistration delay passes before SIGTERM)");

    String region = regionOf(deployment);
    RouterOptions options = region == null ? null : reader.build("", () -> RouterOptions
        .defaults(region, routerId.isEmpty() ? RouterIds.resolve(environment.get()) : routerId)
        .withHost(host).withPort(port).withTls(tls).withAgentAuth(agentAuth).withAllowPlaintext(allowPlaintext)
        .withProxyProtocolPort(proxyPort).withProxyProtocolHeaderTimeout(headerTimeout)
        .withEdge(EdgeListeners.defaults().withProxyProtocolHost(proxyHost)
            .withProxyProtocolTrustedCidrs(trusted)
            .withAdminHost(adminHost).withAdminPort(adminPort))
        .withDefaultRateLimitRps(rps).withDefaultRateLimitBurst(burst)
        .withMaxBodyBytes(maxBody)
        .withIngress(IngressLimits.defaults().withBodyTimeout(bodyTimeout).withTenantBufferBytes(tenantBuffer)
            .withRouterBufferBytes(routerBuffer).withListener(limits))
        .withConnectTimeout(connectTimeout).withRequestTimeout(requestTimeout)
        .withDispatchQueueLimit(queueLimit).withDispatchQueueTimeout(queueTimeout)
        .withTenantTurnBatches(turnBatches)
        .withSnapshotInterval(snapshotInterval).withHeartbeatStaleAfter(staleAfter)
        .withModelRegistryInterval(modelRegistryInterval)
        .withMetricsInterval(metricsInterval));
    return new RouterServiceConfig(deployment, options, drainDelay);
  }

  @Override
  public List<String> preflight(RouterServiceConfig config) {
    List<String> lacking = new ArrayList<>(config.deployment().preflight());
    if (config.router() != null) {
      try {
        config.router().tls().applyTo(new HttpServerOptions()); // reads and checks the PEM files
      } catch (IllegalArgumentException e) {
        lacking.add("tls: " + e.getMessage());
      }
    }
    return lacking;
  }

  @Override
  public java.util.Optional<io.mrgc.common.service.Placement> placement(RouterServiceConfig config) {
    return java.util.Optional.of(config.deployment().placement(null));
  }

  @Override
  public Service create(RouterServiceConfig config, Vertx vertx) {
    return RouterService.fromConfig(config, vertx);
  }

  private static ListenerLimits listenerLimits(ConfigReader listener) {
    Duration header = listener.duration("headerTimeout", ListenerLimits.DEFAULT_HEADER_TIMEOUT,
        "accept to a complete request head (slowloris bound)");
    Duration idle = listener.duration("idleTimeout", ListenerLimits.DEFAULT_IDLE_TIMEOUT,
        "silence on a connection, and wait for the next request on a kept-alive one");
    Duration request = listener.duration("requestTimeout", ListenerLimits.DEFAULT_REQUEST_TIMEOUT,
        "a request's head to the end of its response");
    int max = listener.integer("maxConnections", ListenerLimits.DEFAULT_MAX_CONNECTIONS, 1, 1_000_000,
        "open connections per listener; the newest over it is closed at accept");
    return new ListenerLimits(header, idle, request, max);
  }

  private static ServerTls tls(ConfigReader tls) {
    Switch enabled = tls.choice("enabled", null, Switch.class, "TLS on the tenant listener; there is no default: "
        + "false (plaintext) must be written, e.g. behind a TLS-terminating hop or locally");
    Optional<Path> certificate = tls.optionalPath("certificateFile",
        "PEM file: the server certificate, then its intermediates (required when tls.enabled is true, unless "
            + "tls.certificatePem is set)");
    Optional<Path> key = tls.optionalPath("keyFile",
        "PEM file: the certificate's unencrypted private key, mode 0600 (required when tls.enabled is true, unless "
            + "tls.keyPem is set)");
    String certificatePem = tls.secret("certificatePem", "instead of tls.certificateFile: the PEM text itself, "
        + "the server certificate, then its intermediates; for hosts without files, e.g. ECS Fargate through the "
        + "task definition's secrets (MRGC_TLS_CERTIFICATE_PEM)");
    String keyPem = tls.secret("keyPem", "instead of tls.keyFile: the PEM text of the certificate's unencrypted "
        + "private key; for hosts without files, e.g. ECS Fargate from Secrets Manager through the task "
        + "definition's secrets (MRGC_TLS_KEY_PEM)");
    boolean problem = false;
    if (certificate.isPresent() && !certificatePem.isEmpty()) {
      tls.problem("certificatePem", "set, and so is tls.certificateFile; allowed: one of them (the file, or the "
          + "PEM text itself)");
      problem = true;
    }
    if (key.isPresent() && !keyPem.isEmpty()) {
      tls.problem("keyPem", "set, and so is tls.keyFile; allowed: one of them (the file, or the PEM text itself)");
      problem = true;
    }
    if (!certificatePem.isEmpty() && !certificatePem.contains("-----BEGIN CERTIFICATE-----")) {
      tls.problem("certificatePem", "is not PEM text; allowed: the certificate chain as PEM, blocks from "
          + "-----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----, line breaks included (not a file name: "
          + "that is tls.certificateFile)");
      problem = true;
    }
    if (!keyPem.isEmpty() && !(keyPem.contains("-----BEGIN ") && keyPem.contains("PRIVATE KEY-----"))) {
      tls.problem("keyPem", "is not PEM text (not shown); allowed: the unencrypted private key as PEM, a block "
          + "from -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY) to its END line, line breaks "
          + "included (not a file name: that is tls.keyFile)");
      problem = true;
    }
    boolean hasCertificate = certificate.isPresent() || !certificatePem.isEmpty();
    boolean hasKey = key.isPresent() || !keyPem.isEmpty();
    if (enabled == Switch.TRUE) {
      if (!hasCertificate) {
        tls.problem("certificateFile", "missing; required when tls.enabled is true: a PEM certificate chain file "
            + "(or the PEM text in tls.certificatePem)");
      }
      if (!hasKey) {
        tls.problem("keyFile", "missing; required when tls.enabled is true: a PEM private key file (or the PEM "
            + "text in tls.keyPem)");
      }
      if (!hasCertificate || !hasKey || problem) {
        return ServerTls.none();
      }
      if (certificate.isPresent() && key.isPresent()) {
        return ServerTls.fromPem(certificate.get(), key.get());
      }
      if (!certificatePem.isEmpty() && !keyPem.isEmpty()) {
        return ServerTls.fromPemText(certificatePem, "tls.certificatePem", keyPem, "tls.keyPem");
      }
      tls.problem(certificate.isPresent() ? "keyPem" : "keyFile", "the certificate and key must come in the same "
          + "form, but tls." + (certificate.isPresent() ? "certificateFile" : "certificatePem") + " and tls."
          + (certificate.isPresent() ? "keyPem" : "keyFile") + " are set; allowed: tls.certificateFile with "
          + "tls.keyFile, or tls.certificatePem with tls.keyPem");
    } else if (enabled == Switch.FALSE && (hasCertificate || hasKey)) {
      tls.problem("enabled", "'false', but tls.certificateFile, tls.keyFile, tls.certificatePem or tls.keyPem is "
          + "set; allowed: true to serve TLS with them, or false without them");
    }
    return ServerTls.none();
  }

  private static List<Cidr> cidrs(ConfigReader proxy, List<String> texts) {
    List<Cidr> parsed = new ArrayList<>();
    for (String text : texts == null ? List.<String>of() : texts) {
      try {
        parsed.add(Cidr.parse(text));
      } catch (IllegalArgumentException e) {
        proxy.problem("trustedCidrs", e.getMessage());
      }
    }
    return parsed;
  }

  private static PeerAuthOptions agentAuth(ConfigReader auth, Mode mode) {
    String keys = auth.secret("keys", "HMAC keys the router signs forwarded requests with (agents refuse unsigned "
        + "ones): id:base64secret, the current key first, then the previous one during a rotation; in AWS from "
        + "Secrets Manager through the task definition's secrets (MRGC_AGENT_AUTH_KEYS)");
    Duration skew = auth.duration("maxClockSkew", PeerAuthOptions.DEFAULT_MAX_CLOCK_SKEW,
        "how far an agent's signature time may be from this router's clock");
    if (keys.isEmpty()) {
      if (mode == Mode.AWS) {
        auth.problem("keys", "missing; required in mode aws: one or two id:base64secret entries (the agents' keys)");
      }
      return PeerAuthOptions.none();
    }
    try {
      return PeerAuthOptions.parse(keys).withMaxClockSkew(skew == null ? PeerAuthOptions.DEFAULT_MAX_CLOCK_SKEW
          : skew);
    } catch (IllegalArgumentException e) {
      auth.problem("keys", masked(e.getMessage(), keys) + "; allowed: one or two id:base64secret entries, "
          + "secrets of at least 32 bytes");
      return PeerAuthOptions.none();
    }
  }

  /** {@code message} with every part of {@code keys} (ids and secrets: which is which is unknown) masked. */
  static String masked(String message, String keys) {
    String shown = message;
    for (String part : keys.split("[,:\\s]+")) {
      if (part.length() >= 4) {
        shown = shown.replace(part, "******");
      }
    }
    return shown;
  }

  /** The region the router serves; null when mode aws has none anywhere (the preflight reports it). */
  private static String regionOf(Deployment deployment) {
    if (deployment.mode() != Mode.AWS || !deployment.region().isEmpty()) {
      return deployment.region().isEmpty() ? null : deployment.region();
    }
    try {
      return deployment.effectiveRegion();
    } catch (SdkClientException e) {
      return null;
    }
  }
}
