package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.MODEL;
import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.peer.PeerAuth;
import io.mrgc.common.peer.PeerAuthOptions;
import io.mrgc.common.peer.PeerKey;
import io.mrgc.state.StateClient;
import io.mrgc.wire.Headers;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 4 (agent half): an agent with peer authentication trusts no tenant identity that a router of the
 * deployment did not sign. Straight-to-agent requests without, with a forged, with an expired or with a replayed
 * signature get 401 {@code peer_unauthenticated} and reach neither the enclave nor the model; signed ones are served
 * and answered with a signature; keys rotate through current + previous.
 */
@ExtendWith(VertxExtension.class)
class PeerAuthAgentTest {
  private static final String ENVELOPE = "application/vnd.mrgc.envelope+json";
  private static final PeerKey OLD = key("old", 1);
  private static final PeerKey NEW = key("new", 2);
  @TempDir
  static Path root;
  private static StateClient state;
  private static final FakeEnclave enclave = new FakeEnclave();
  private static NodeAgent agent;
  private static WebClient web;

  private static PeerKey key(String id, int fill) {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) fill);
    return new PeerKey(id, secret);
  }

  @BeforeAll
  static void start(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    state = AgentFixture.stateClient();
    // mid-rotation: signs answers with the request's key, accepts the new and the old key
    agent = AgentFixture.deploy(vertx, new NodeAgent(AgentFixture.options("i-peer-auth", root)
        .peerAuth(PeerAuthOptions.of(NEW, OLD)).build(), state, enclave));
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void stop() {
    web.close();
    state.close();
  }

  /** A router's request: tenant, model and request id set, then signed by {@code signer} (null: unsigned). */
  private static MultiMap routerHeaders(String tenant, PeerAuth signer, String path) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().set(Headers.REQUEST_ID, UUID.randomUUID().toString())
        .set(Headers.TENANT, tenant).set(Headers.MODEL, MODEL).set("content-type", ENVELOPE);
    if (signer != null) {
      signer.sign(headers, "POST", path);
    }
    return headers;
  }

  private static HttpResponse<Buffer> post(MultiMap headers, String path, byte[] body) {
    return await(web.post(agent.actualPort(), "127.0.0.1", path).putHeaders(headers)
        .sendBuffer(Buffer.buffer(body)));
  }

  private static byte[] envelopeFor(String tenant) {
    return FakeEnclave.seal(tenant, MODEL, "/v1/embeddings", embeddingsRequest("hello").encode());
  }

  private static PeerAuth router(PeerKey key, Instant now) {
    return new PeerAuth(PeerAuthOptions.of(key, null), Clock.fixed(now, ZoneOffset.UTC));
  }

  private static void assertRefused(HttpResponse<Buffer> response, String why) {
    assertThat(response.statusCode()).as(why).isEqualTo(401);
    JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("peer_unauthenticated");
    assertThat(error.getString("message")).contains(why);
    assertThat(error.getString("requestId")).isNotBlank();
  }

  @Test
  void straightToAgentRequestsWithoutAValidSignatureReachNeitherEnclaveNorModel() {
    int decrypts = enclave.decrypts.get();
    long runs = agent.sessionRuns();
    int arrivals = agent.arrivals().size();
    String path = "/v1/embeddings";

    assertRefused(post(routerHeaders("victim", null, path), path, envelopeFor("victim")), "missing");
    PeerAuth forger = router(key("new", 9), Instant.now()); // right key id, wrong secret
    assertRefused(post(routerHeaders("victim", forger, path), path, envelopeFor("victim")), "does not match");
    PeerAuth unknown = router(key("other", 2), Instant.now());
    assertRefused(post(routerHeaders("victim", unknown, path), path, envelopeFor("victim")), "unknown key");
    PeerAuth stale = router(NEW, Instant.now().minusSeconds(120));
    assertRefused(post(routerHeaders("victim", stale, path), path, envelopeFor("victim")), "clock skew");
    // a valid signature for another tenant, with the tenant header changed afterwards
    MultiMap swapped = routerHeaders("acme", router(NEW, Instant.now()), path).set(Headers.TENANT, "victim");
    assertRefused(post(swapped, path, envelopeFor("victim")), "does not match");
    // plaintext too, and on the OIP route
    String infer = "/v2/models/" + MODEL + "/infer";
    MultiMap plain = routerHeaders("victim", null, infer).set("content-type", "application/json");
    assertRefused(post(plain, infer, "{}".getBytes()), "missing");

    assertThat(enclave.decrypts.get()).as("nothing decrypted").isEqualTo(decrypts);
    assertThat(agent.sessionRuns()).as("nothing run").isEqualTo(runs);
    assertThat(agent.arrivals()).as("nothing reached the instance gate").hasSize(arrivals);
  }

  @Test
  void aSignedRequestIsServedOnceAndItsReplayIsRefused() {
    String path = "/v1/embeddings";
    PeerAuth router = router(NEW, Instant.now());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().set(Headers.REQUEST_ID, "req-replay")
        .set(Headers.TENANT, "acme").set(Headers.MODEL, MODEL).set("content-type", ENVELOPE);
    PeerAuth.Signed signed = router.sign(headers, "POST", path);
    HttpResponse<Buffer> served = post(headers, path, envelopeFor("acme"));
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(router.verifyResponse(signed, 200, served.headers())).as("the answer is signed").isTrue();

    int decrypts = enclave.decrypts.get();
    long runs = agent.sessionRuns();
    assertRefused(post(headers, path, envelopeFor("acme")), "replayed");
    assertThat(enclave.decrypts.get()).isEqualTo(decrypts);
    assertThat(agent.sessionRuns()).isEqualTo(runs);
  }

  @Test
  void aBodyOtherThanTheOneTheRouterSignedIsRefusedBeforeDecryption() {
    String path = "/v1/embeddings";
    PeerAuth router = router(NEW, Instant.now());
    byte[] signedBody = envelopeFor("acme");
    MultiMap headers = routerHeaders("acme", null, path);
    router.sign(headers, "POST", path, java.nio.ByteBuffer.wrap(signedBody));
    int decrypts = enclave.decrypts.get();
    HttpResponse<Buffer> swapped = post(headers, path, FakeEnclave.seal("acme", MODEL, path,
        embeddingsRequest("another text").encode()));
    assertRefused(swapped, "body is not the one the router signed");
    assertThat(enclave.decrypts.get()).isEqualTo(decrypts);

    MultiMap intact = routerHeaders("acme", null, path);
    router.sign(intact, "POST", path, java.nio.ByteBuffer.wrap(signedBody));
    assertThat(post(intact, path, signedBody).statusCode()).isEqualTo(200);
  }

  @Test
  void bothKeysOfARotationAreAccepted() {
    String path = "/v1/embeddings";
    for (PeerKey key : new PeerKey[] {OLD, NEW}) {
      PeerAuth router = router(key, Instant.now());
      MultiMap headers = routerHeaders("acme", null, path);
      PeerAuth.Signed signed = router.sign(headers, "POST", path);
      HttpResponse<Buffer> response = post(headers, path, envelopeFor("acme"));
      assertThat(response.statusCode()).as(key.id()).isEqualTo(200);
      assertThat(router.verifyResponse(signed, 200, response.headers())).as(key.id()).isTrue();
    }
  }

  @Test
  void probesAndMetricsNeedNoSignatureButModelMetadataDoes() {
    for (String open : new String[] {"/v2/health/live", "/v2/health/ready", "/metrics"}) {
      assertThat(await(web.get(agent.actualPort(), "127.0.0.1", open).send()).statusCode()).as(open)
          .isEqualTo(200);
    }
    // a dot-segment spelling of an open path that routes elsewhere is not open: the path guard, which runs first,
    // refuses any non-canonical path
    HttpResponse<Buffer> sneaky = await(web.get(agent.actualPort(), "127.0.0.1",
        "/v2/health/live/../../models/" + MODEL).send());
    assertThat(sneaky.statusCode()).isEqualTo(400);
    assertThat(sneaky.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("invalid_path");
    assertThat(await(web.get(agent.actualPort(), "127.0.0.1", "/v2/models/" + MODEL).send()).statusCode())
        .isEqualTo(401);
  }
}
