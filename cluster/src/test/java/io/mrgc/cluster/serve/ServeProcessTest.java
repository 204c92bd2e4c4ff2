package io.mrgc.cluster.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.cluster.processes.ChildProcess;
import io.mrgc.state.ServiceFixture;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mrgc serve} as a process, as ECS runs a task: a router from its file alone reaches /readyz, writes EMF lines
 * on stdout when asked, and on SIGTERM drains and exits 0 saying why; a file with problems exits 2 naming them all.
 */
class ServeProcessTest {
  @TempDir
  static Path dir;
  private static ServiceFixture state;

  @BeforeAll
  static void start() {
    state = ServiceFixture.start("us-east-1");
  }

  @AfterAll
  static void stop() {
    state.close();
  }

  @Test
  void aRouterProcessServesFromItsFilePublishesEmfAndStopsOnSigtermWithExitZero() throws Exception {
    int admin = freePort();
    Path config = Files.writeString(dir.resolve("router.yaml"), """
        mode: local
        region: us-east-1
        state:
          endpoint: %s
        routerId: router-under-test
        admin:
          port: %d
        tls:
          enabled: false
        metrics:
          emf: "on"
          emfInterval: 1s
        lifecycle:
          drainDelay: 500ms
        """.formatted(state.stateEndpoint(), admin));
    ChildProcess router = ChildProcess.start("router-under-test", "router", config, List.of("-Xmx160m"),
        Map.of(), dir.resolve("logs"));
    try {
      assertThat(ServiceFixture.await(() -> readyz(admin), Duration.ofSeconds(60)))
          .as("/readyz 200; log:\n%s", router.logTail(20)).isTrue();
      assertThat(ServiceFixture.await(() -> router.logTail(200).contains("\"Namespace\":\"MRGC\""),
          Duration.ofSeconds(10))).as("an EMF line on stdout; log:\n%s", router.logTail(20)).isTrue();
      assertThat(Files.readString(router.log()))
          .containsPattern("router ready in \\d+ ms \\(transport epoll\\)")
          .contains("\"Service\":\"router\"", "\"Region\":\"us-east-1\"");
    } finally {
      router.terminate();
    }
    assertThat(router.awaitExit(Duration.ofSeconds(30))).isTrue();
    assertThat(router.exitCode()).isZero();
    assertThat(Files.readString(router.log())).contains("router stopping: SIGTERM received")
        .containsPattern("router stopped: SIGTERM; drained 0 in-flight request\\(s\\) in \\d+ ms, 0 cut off");
  }

  @Test
  void aFileWithProblemsExitsTwoNamingEveryProblem() throws Exception {
    Path config = Files.writeString(dir.resolve("bad.yaml"), """
        mode: cloud
        listener:
          port: 70000
        tls:
          enabled: maybe
        """);
    ChildProcess router = ChildProcess.start("bad-router", "router", config, List.of("-Xmx128m"), Map.of(),
        dir.resolve("logs"));
    assertThat(router.awaitExit(Duration.ofSeconds(60))).isTrue();
    assertThat(router.exitCode()).isEqualTo(2);
    assertThat(Files.readString(router.log())).contains(
        "mode: 'cloud' (from bad.yaml) is not allowed; allowed: one of local, aws",
        "listener.port: '70000' (from bad.yaml) is not allowed; allowed: an integer from 0 to 65535",
        "tls.enabled: 'maybe' (from bad.yaml) is not allowed; allowed: one of true, false");
  }

  private static boolean readyz(int port) {
    try {
      return ServiceFixture.get(port, "/readyz").startsWith("200");
    } catch (Exception e) {
      return false;
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
