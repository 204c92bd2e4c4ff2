package io.mrgc.cluster;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.cluster.models.InstalledModels;
import io.mrgc.common.tls.ClientTls;
import io.mrgc.common.tls.LocalCertificateAuthority;
import io.mrgc.common.tls.ServerTls;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.Tables;
import io.mrgc.state.TenantRepository;
import io.mrgc.state.local.EmbeddedDynamoDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/**
 * What every local deployment shape stands on before its services start, in the shape AWS has it: DynamoDB Local with
 * the tables and each region's routing_state row, the bundled models installed in the model root (the FSx mount) and
 * registered in the models registry, the local CA
 * and the listeners' certificate (unless plaintext), the key ring (KMS) and the tenant admin. {@code mrgc up} (one JVM)
 * and {@code mrgc up --processes} both start here.
 */
public final class LocalFoundation implements AutoCloseable {
  private final EmbeddedDynamoDb dynamoDb;
  private final URI stateEndpoint;
  private final SdkAsyncHttpClient dynamoHttp;
  private final Map<String, StateClient> clients = new LinkedHashMap<>();
  private ServerTls serverTls = ServerTls.none();
  private ClientTls clientTls = ClientTls.none();
  private Path caCertificate;
  private TenantAdmin tenantAdmin;

  private LocalFoundation(EmbeddedDynamoDb dynamoDb, URI stateEndpoint) {
    this.dynamoDb = dynamoDb;
    this.stateEndpoint = stateEndpoint;
    this.dynamoHttp = NettyNioAsyncHttpClient.builder().maxConcurrency(256).build();
  }

  /**
   * Starts DynamoDB Local, creates the tables and rows, installs the bundled models (all-minilm-l6-v2, the fp32
   * default, and all-minilm-l6-v2-q, quantized) and, unless {@code tlsDir} is null, opens (or makes) the local CA
   * there and issues the listeners' certificate for {@code tlsHosts}, 127.0.0.1 and localhost.
   */
  public static LocalFoundation open(int dynamoDbPort, Path dataDir, List<String> regions, Path modelRoot, Path tlsDir,
      List<String> tlsHosts) {
    EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dynamoDbPort, dataDir);
    return prepare(new LocalFoundation(db, db.endpoint()), regions, modelRoot, tlsDir, tlsHosts);
  }

  /** As {@link #open}, on a DynamoDB Local that runs elsewhere (its own container) at {@code stateEndpoint}. */
  public static LocalFoundation openAt(URI stateEndpoint, List<String> regions, Path modelRoot, Path tlsDir,
      List<String> tlsHosts) {
    return prepare(new LocalFoundation(null, stateEndpoint), regions, modelRoot, tlsDir, tlsHosts);
  }

  private static LocalFoundation prepare(LocalFoundation foundation, List<String> regions, Path modelRoot,
      Path tlsDir, List<String> tlsHosts) {
    try {
      for (String region : regions) {
        foundation.clients.put(region, StateClient.local(foundation.stateEndpoint, region, foundation.dynamoHttp));
      }
      StateClient admin = foundation.clients.get(regions.get(0));
      Tables.createAll(admin.dynamo()).join();
      RoutingStateRepository routingState = new RoutingStateRepository(admin);
      for (String region : regions) {
        routingState.createIfAbsent(region, System.currentTimeMillis()).join();
      }
      ModelInstaller.installBundled(modelRoot);
      ModelRegistry registry = new ModelRegistry(admin);
      for (ModelInstaller.BundledModel model : ModelInstaller.BUNDLED) {
        InstalledModels.register(registry, modelRoot, model.name(), ModelInstaller.MINILM_VERSION, "mrgc up");
      }
      if (tlsDir != null) {
        foundation.startTls(tlsDir, tlsHosts);
      }
      return foundation;
    } catch (RuntimeException e) {
      foundation.close();
      throw e;
    }
  }

  private void startTls(Path tlsDir, List<String> tlsHosts) {
    LocalCertificateAuthority ca = LocalCertificateAuthority.openOrCreate(tlsDir);
    Set<String> hosts = new LinkedHashSet<>(tlsHosts);
    hosts.add("127.0.0.1");
    hosts.add("localhost");
    serverTls = ca.issueServer("server", List.copyOf(hosts));
    clientTls = ClientTls.trusting(ca.certificateFile());
    caCertificate = ca.certificateFile();
  }

  /** The tenant admin over the key ring at {@code keyRingFile} (tenant side: no enclave policy needed). */
  public TenantAdmin tenantAdmin(LocalKeyRing keyRing) {
    if (tenantAdmin == null) {
      tenantAdmin = new TenantAdmin(new TenantRepository(clients.values().iterator().next()), keyRing);
    }
    return tenantAdmin;
  }

  public static LocalKeyRing openKeyRing(Path file, LocalKeyRing.EnclavePolicy policy) {
    try {
      return new LocalKeyRing(file, policy);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the local key ring " + file, e);
    }
  }

  /** DynamoDB Local when this foundation runs it, else null ({@link #openAt}). */
  public EmbeddedDynamoDb dynamoDb() {
    return dynamoDb;
  }

  public URI stateEndpoint() {
    return stateEndpoint;
  }

  public StateClient stateClient(String region) {
    return clients.get(region);
  }

  /** The listeners' certificate and key (PEM files), or {@link ServerTls#none()} for plaintext. */
  public ServerTls serverTls() {
    return serverTls;
  }

  /** Trusts the local CA only (or plaintext). */
  public ClientTls clientTls() {
    return clientTls;
  }

  /** The CA certificate tenants trust, or null when plaintext. */
  public Path caCertificate() {
    return caCertificate;
  }

  public String scheme() {
    return serverTls.enabled() ? "https" : "http";
  }

  @Override
  public void close() {
    clients.values().forEach(StateClient::close);
    dynamoHttp.close();
    if (dynamoDb != null) {
      dynamoDb.close();
    }
  }
}
