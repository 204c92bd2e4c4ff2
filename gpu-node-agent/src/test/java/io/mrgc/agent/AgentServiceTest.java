package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.awaitRow;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.service.AgentService;
import io.mrgc.agent.service.AgentServiceConfig;
import io.mrgc.agent.service.AgentServiceDefinition;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.common.service.ServiceRunner;
import io.mrgc.enclave.attestation.LocalAttestationKeyFile;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import io.mrgc.enclave.client.EnclaveCanary;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.StateClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * mrgc serve agent from its YAML file alone (mode local, the embedded enclave, DynamoDB Local, the model installed
 * into a directory): it serves and shows READY; on stop it drains (DRAINING at once, the request in flight answered
 * after its wash), then TERMINATED.
 */
@ExtendWith(VertxExtension.class)
class AgentServiceTest {
  @TempDir
  static Path dir;
  private static Path models;
  private static Path attestationKey;
  private static Path keyRing;
  private static String canaryKeyId;
  private static StateClient state;
  private static GpuInstanceRepository rows;
  private static WebClient web;

  @BeforeAll
  static void setUp(Vertx vertx) throws Exception {
    models = Files.createDirectories(dir.resolve("models"));
    ModelInstaller.installMiniLm(models);
    // What mrgc up --processes writes under .mrgc/deploy/: the attestation key, the key ring with the canary's key.
    attestationKey = dir.resolve("deploy/attestation-key.pem");
    LocalAttestationKeyFile.save(attestationKey, LocalAttestationProvider.newSigningKey());
    keyRing = dir.resolve("deploy/keyring.json");
    canaryKeyId = new LocalKeyRing(keyRing, null).createKey(EnclaveCanary.TENANT);
    state = AgentFixture.stateClient();
    rows = new GpuInstanceRepository(state);
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void tearDown() {
    web.close();
    state.close();
  }

  /** An agent's file: mode local, embedded enclave on its own socket, {@code peerAuth} lines as given. */
  private static Path agentFile(String instanceId, String peerAuth) throws Exception {
    return Files.writeString(dir.resolve(instanceId + ".yaml"), """
        mode: local
        region: %s
        state:
          endpoint: %s
        instanceId: %s
        modelRoot: %s
        intraOpThreads: 1
        heartbeatInterval: 200ms
        dataDir: %s
        %s
        enclave:
          transport: embedded
          socket: %s
          canaryKeyId: %s
          localKeyRingFile: %s
          localAttestationKeyFile: %s
        """.formatted(AgentFixture.REGION, AgentFixture.stateEndpoint(), instanceId, models,
        dir.resolve("data-" + instanceId), peerAuth, dir.resolve(instanceId + ".sock"), canaryKeyId, keyRing,
        attestationKey));
  }

  private static AgentService startFromFile(Vertx vertx, Path file) {
    AgentServiceDefinition definition = new AgentServiceDefinition();
    AgentServiceConfig config = ServiceRunner.load(definition, ConfigSource.load(file, Map.of())).config();
    AgentService service = (AgentService) definition.create(config, vertx);
    await(service.start());
    return service;
  }

  private static HttpResponse<Buffer> get(NodeAgent agent, String path) {
    return await(web.get(agent.actualPort(), "127.0.0.1", path).send());
  }

  @Test
  void startsFromItsFileAloneServesAndShowsItselfReady(Vertx vertx) throws Exception {
    String keys = "k1:" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    AgentService service = startFromFile(vertx, agentFile("i-svc-file", "peerAuth:\n  keys: " + keys));
    NodeAgent agent = service.agent();

    assertThat(awaitRow(rows, "i-svc-file", row -> "READY".equals(row.getState())).getEndpoint())
        .isEqualTo(agent.endpoint());
    assertThat(get(agent, "/livez").statusCode()).isEqualTo(200);
    assertThat(get(agent, "/readyz").statusCode()).isEqualTo(200);
    // The probes stay open; the inference endpoints want the router's signature (peer auth from the file).
    assertThat(await(AgentFixture.postJson(web, agent, "/v1/embeddings", embeddingsRequest("hi"))).statusCode())
        .isEqualTo(401);
    assertThat(agent.options().peerAuth()).isNotEqualTo(PeerAuthOptions.none());
    eventually("the embedded enclave answers the heartbeat's ping", agent::enclaveReachable);
    assertThat(dir.resolve("i-svc-file.sock")).exists();

    String account = await(service.stop(Duration.ofSeconds(10)));
    assertThat(account).isEqualTo("agent i-svc-file: drained in-flight requests: 0 of 0 answered; no wash ran "
        + "(within the 10 s grace); gpu_instances DRAINING, then TERMINATED");
    assertThat(rows.get(AgentFixture.REGION, "i-svc-file").join().getState()).isEqualTo("TERMINATED");
  }

  @Test
  void aStopFinishesTheRequestInFlightDrainingFirstThenTerminated(Vertx vertx) throws Exception {
    AgentService service = startFromFile(vertx, agentFile("i-svc-drain", "peerAuth:\n  required: false"));
    NodeAgent agent = service.agent();
    awaitRow(rows, "i-svc-drain", row -> "READY".equals(row.getState()));
    HttpClient raw = vertx.createHttpClient();
    try {
      // A request holds the instance: its head and half its body are sent, the rest waits.
      Buffer body = Buffer.buffer(embeddingsRequest("the request in flight").encode());
      int half = body.length() / 2;
      HttpClientRequest inFlight = await(raw.request(HttpMethod.POST, agent.actualPort(), "127.0.0.1",
          "/v1/embeddings"));
      inFlight.putHeader("content-type", "application/json")
          .putHeader("content-length", Integer.toString(body.length()));
      Future<HttpClientResponse> answer = inFlight.response();
      Future<Buffer> answerBody = answer.compose(HttpClientResponse::body);
      await(inFlight.write(body.slice(0, half)));
      eventually("the request holds the instance", () -> agent.state() == InstanceState.BUSY);

      Future<String> stopped = service.stop(Duration.ofSeconds(30));

      assertThat(awaitRow(rows, "i-svc-drain", row -> "DRAINING".equals(row.getState())).getStateReason())
          .isEqualTo("agent stopping");
      assertThat(get(agent, "/readyz").statusCode()).isEqualTo(503);
      HttpResponse<Buffer> refused = await(AgentFixture.postJson(web, agent, "/v1/embeddings",
          embeddingsRequest("a new request")));
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("instance_not_ready");
      assertThat(refused.getHeader("x-mrgc-instance-state")).isEqualTo("DRAINING");
      assertThat(stopped.isComplete()).as("the stop waits for the request in flight").isFalse();

      await(inFlight.end(body.slice(half, body.length())));
      HttpClientResponse response = await(answer);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("x-mrgc-wash")).isEqualTo("passed");
      assertThat(await(answerBody).toJsonObject().getJsonArray("data")).hasSize(1);

      assertThat(await(stopped)).isEqualTo("agent i-svc-drain: drained in-flight requests: 1 of 1 answered; the "
          + "last wash passed (within the 30 s grace); gpu_instances DRAINING, then TERMINATED");
      assertThat(rows.get(AgentFixture.REGION, "i-svc-drain").join().getState()).isEqualTo("TERMINATED");
    } finally {
      raw.close();
    }
  }
}
