package io.mrgc.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.StateClient;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class StartupTest {

  @Test
  void anAgentWhoseOnlyModelWasTamperedWithRefusesToStartNamingTheFile(Vertx vertx, @TempDir Path root)
      throws Exception {
    Path dir = ModelInstaller.installMiniLm(root);
    try (RandomAccessFile file = new RandomAccessFile(dir.resolve("1/model.onnx").toFile(), "rw")) {
      file.seek(4096);
      int b = file.read();
      file.seek(4096);
      file.write(b ^ 0x80);
    }
    try (StateClient state = AgentFixture.stateClient()) {
      NodeAgent agent = new NodeAgent(AgentFixture.options("i-tampered", root).build(), state);
      assertThatThrownBy(() -> AgentFixture.await(vertx.deployVerticle(agent)))
          .satisfies(e -> assertThat(e.getCause().getMessage()).contains("sha256 mismatch for 1/model.onnx"));
    }
  }

  @Test
  void cudaFailsClearlyOnACpuOnlyOnnxRuntimeBuild(Vertx vertx, @TempDir Path root) throws Exception {
    Files.createDirectories(root);
    try (StateClient state = AgentFixture.stateClient()) {
      NodeAgent agent = new NodeAgent(AgentFixture.options("i-cuda", root).executionProvider("cuda").build(), state);
      assertThatThrownBy(() -> AgentFixture.await(vertx.deployVerticle(agent)))
          .satisfies(e -> assertThat(e.getCause().getMessage())
              .startsWith("executionProvider cuda is not available in this ONNX Runtime build"));
    }
  }
}
