package io.mrgc.agent;

import static io.mrgc.agent.AgentFixture.MODEL;
import static io.mrgc.agent.AgentFixture.await;
import static io.mrgc.agent.AgentFixture.awaitRow;
import static io.mrgc.agent.AgentFixture.embeddingsRequest;
import static io.mrgc.agent.AgentFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.carwash.WashReport;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.GpuInstanceItem;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enclave is restarted in an instance-level wash (WASHING in gpu_instances, never inside a tenant's turn): after
 * an enclave error a request saw, when a ping fails, and every N requests; without an EnclaveControl a due restart
 * quarantines.
 */
@ExtendWith(VertxExtension.class)
class EnclaveRestartTest {
  private static final String TENANT = "acme";
  @TempDir
  static Path root;
  private static StateClient state;
  private static GpuInstanceRepository rows;
  private static WebClient web;

  @BeforeAll
  static void setUp(Vertx vertx) {
    ModelInstaller.installMiniLm(root);
    state = AgentFixture.stateClient();
    rows = new GpuInstanceRepository(state);
    web = AgentFixture.client(vertx);
  }

  @AfterAll
  static void tearDown() {
    web.close();
    state.close();
  }

  private static NodeAgent start(Vertx vertx, String id, FakeEnclave enclave, FakeEnclaveControl control,
      UnaryOperator<NodeAgentOptions.Builder> tune) {
    return AgentFixture.deploy(vertx, new NodeAgent(tune.apply(AgentFixture.options(id, root)).build(), state,
        enclave, control));
  }

  private static HttpResponse<Buffer> encrypted(NodeAgent agent) {
    byte[] envelope = FakeEnclave.seal(TENANT, MODEL, "/v1/embeddings",
        embeddingsRequest(new JsonArray().add("The cat sits on the mat")).encode());
    return await(web.post(agent.actualPort(), "127.0.0.1", "/v1/embeddings")
        .putHeader("content-type", "application/vnd.mrgc.envelope+json").putHeader("x-mrgc-model", MODEL)
        .putHeader("x-mrgc-tenant", TENANT).sendBuffer(Buffer.buffer(envelope)));
  }

  @Test
  void anEnclaveErrorARequestSawRestartsTheEnclaveInAnInstanceLevelWashThenReady(Vertx vertx) {
    FakeEnclave enclave = new FakeEnclave();
    FakeEnclaveControl control = new FakeEnclaveControl(enclave);
    // No heartbeat ping in this test (long interval): the request is what finds the enclave dead.
    NodeAgent agent = start(vertx, "i-restart-on-error", enclave, control,
        b -> b.heartbeatInterval(Duration.ofMinutes(5)));
    assertThat(encrypted(agent).statusCode()).isEqualTo(200);

    enclave.dead = true;
    control.holdRestarts();
    HttpResponse<Buffer> failed = encrypted(agent);
    assertThat(failed.statusCode()).isEqualTo(503);
    assertThat(failed.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("enclave_unavailable");
    assertThat(failed.getHeader("x-mrgc-wash")).isEqualTo("passed");
    assertThat(failed.getHeader("x-mrgc-instance-state")).isEqualTo("WASHING");
    GpuInstanceItem washing = awaitRow(rows, "i-restart-on-error", r -> "WASHING".equals(r.getState()));
    assertThat(washing.getStateReason()).startsWith("enclave restart: enclave error: a request's enclave call failed "
        + "with ENCLAVE_UNAVAILABLE");
    assertThat(washing.getHealth()).as("enclave unreachable").isZero();
    // Meanwhile requests are refused before their body, and the restart is not inside any of them.
    HttpResponse<Buffer> refused = encrypted(agent);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("instance_not_ready");
    assertThat(refused.getHeader("x-mrgc-instance-state")).isEqualTo("WASHING");

    control.letRestartsGo();
    GpuInstanceItem ready = awaitRow(rows, "i-restart-on-error", r -> "READY".equals(r.getState()));
    assertThat(ready.getVersion()).isGreaterThan(washing.getVersion());
    assertThat(ready.getStateReason()).isNull();
    // The restarted enclave answered its ping (health is no longer 0; the failed request still costs 20 points).
    assertThat(ready.getHealth()).isEqualTo(80);
    assertThat(control.restarts).hasValue(1);
    assertThat(control.proofs).as("the new enclave's first decrypt proved it").hasValue(1);
    assertThat(agent.recentWashes()).filteredOn(w -> w.requestId().startsWith("scheduled-enclave-restart-"))
        .singleElement().satisfies(wash -> {
          assertThat(wash.requestId()).isEqualTo("scheduled-enclave-restart-1");
          assertThat(wash.isPassed()).isTrue();
          assertThat(wash.steps()).extracting(s -> s.name()).containsExactly("enclave-restart", "enclave-ping");
        });
    assertThat(encrypted(agent).statusCode()).isEqualTo(200);
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void theHeartbeatsPingFindingTheEnclaveDeadRestartsItWithoutAnyRequest(Vertx vertx) {
    FakeEnclave enclave = new FakeEnclave();
    FakeEnclaveControl control = new FakeEnclaveControl(enclave);
    NodeAgent agent = start(vertx, "i-restart-on-ping", enclave, control,
        b -> b.heartbeatInterval(Duration.ofMillis(100)));
    control.holdRestarts();
    enclave.dead = true;
    GpuInstanceItem washing = awaitRow(rows, "i-restart-on-ping", r -> "WASHING".equals(r.getState()));
    // The heartbeat's ping or the background check's finds it first; either makes the restart due.
    assertThat(washing.getStateReason()).contains("enclave ping failed");
    control.letRestartsGo();
    awaitRow(rows, "i-restart-on-ping", r -> "READY".equals(r.getState()) && r.getHealth() == 100);
    assertThat(control.restarts).hasValue(1);
    assertThat(agent.state()).isEqualTo(InstanceState.READY);
    assertThat(encrypted(agent).statusCode()).isEqualTo(200);
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void theEnclaveIsRestartedEveryNRequestsBetweenRequests(Vertx vertx) {
    FakeEnclave enclave = new FakeEnclave();
    FakeEnclaveControl control = new FakeEnclaveControl(enclave);
    NodeAgent agent = start(vertx, "i-restart-every-2", enclave, control,
        b -> b.enclaveRestartEveryRequests(2).heartbeatInterval(Duration.ofMinutes(5)));
    assertThat(encrypted(agent).getHeader("x-mrgc-instance-state")).isEqualTo("READY");
    HttpResponse<Buffer> second = encrypted(agent);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.getHeader("x-mrgc-instance-state")).isEqualTo("WASHING");
    eventually("restarted and READY", () -> control.restarts.get() == 1 && agent.state() == InstanceState.READY);
    assertThat(encrypted(agent).getHeader("x-mrgc-instance-state")).isEqualTo("READY");
    await(vertx.undeploy(agent.deploymentID()));
  }

  @Test
  void withoutAnEnclaveControlADueRestartQuarantinesWithAClearReason(Vertx vertx) {
    FakeEnclave enclave = new FakeEnclave();
    NodeAgent agent = AgentFixture.deploy(vertx, new NodeAgent(AgentFixture.options("i-no-control", root)
        .heartbeatInterval(Duration.ofMinutes(5)).build(), state, enclave));
    enclave.dead = true;
    HttpResponse<Buffer> failed = encrypted(agent);
    assertThat(failed.statusCode()).isEqualTo(503);
    assertThat(failed.getHeader("x-mrgc-instance-state")).isEqualTo("QUARANTINED");
    GpuInstanceItem row = awaitRow(rows, "i-no-control", r -> "QUARANTINED".equals(r.getState()));
    assertThat(row.getStateReason()).isEqualTo("enclave restart due (enclave error: a request's enclave call failed "
        + "with ENCLAVE_UNAVAILABLE) but this agent has no EnclaveControl to restart it");
    assertThat(agent.recentWashes()).extracting(WashReport::outcome).containsOnly(WashReport.Outcome.PASSED);
    await(vertx.undeploy(agent.deploymentID()));
  }
}
