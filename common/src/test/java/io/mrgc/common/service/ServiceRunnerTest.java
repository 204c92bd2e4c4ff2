package io.mrgc.common.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.config.ConfigReader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceRunnerTest {
  /** A service with one port key, one secret and a host check that fails for port 1. */
  private record EchoConfig(int port, String key) {}

  private static final ServiceDefinition<EchoConfig> ECHO = new ServiceDefinition<>() {
    @Override
    public String name() {
      return "echo";
    }

    @Override
    public EchoConfig read(ConfigReader reader) {
      return new EchoConfig(reader.integer("port", 0, 0, 65535, "port"), reader.secret("key", "a secret"));
    }

    @Override
    public List<String> preflight(EchoConfig config) {
      return config.port() == 1 ? List.of("port 1 is privileged on this host") : List.of();
    }

    @Override
    public Service create(EchoConfig config, Vertx vertx) {
      return new Service() {
        @Override
        public Future<Void> start() {
          return Future.succeededFuture();
        }

        @Override
        public Future<String> stop(Duration grace) {
          return Future.succeededFuture("nothing in flight");
        }
      };
    }
  };

  @TempDir
  Path dir;

  @Test
  void checkConfigPrintsTheEffectiveConfigurationWithSecretsMaskedAndExitsZero() throws Exception {
    Path file = Files.writeString(dir.resolve("echo.yaml"), "port: 8080\nkey: hunter2hunter2\n");
    StringWriter out = new StringWriter();
    int exit = ServiceRunner.check(ECHO, file, Map.of("MRGC_PROCESS_TRANSPORT", "nio"), new PrintWriter(out),
        new PrintWriter(new StringWriter()));
    assertThat(exit).isZero();
    assertThat(out.toString()).contains("port = 8080  (echo.yaml)", "key = ******  (echo.yaml)",
        "process.transport = nio  (env MRGC_PROCESS_TRANSPORT)", "process.shutdownGrace = 20s  (default)")
        .doesNotContain("hunter2");
  }

  @Test
  void everyProblemIsPrintedAndTheExitCodeIsTwo() throws Exception {
    Path file = Files.writeString(dir.resolve("echo.yaml"), "port: -1\nprocess:\n  transport: rdma\nkye: x\n");
    StringWriter err = new StringWriter();
    int exit = ServiceRunner.check(ECHO, file, Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertThat(exit).isEqualTo(ServiceRunner.EXIT_CONFIG);
    assertThat(err.toString()).contains("echo: configuration " + file + " has 3 problem(s):",
        "  - port: '-1' (from echo.yaml) is not allowed; allowed: an integer from 0 to 65535",
        "  - process.transport: 'rdma' (from echo.yaml) is not allowed; allowed: one of auto, nio",
        "  - kye: unknown key (did you mean 'key'?)");
  }

  @Test
  void hostProblemsAreConfigurationProblemsToo() throws Exception {
    Path file = Files.writeString(dir.resolve("echo.yaml"), "port: 1\n");
    StringWriter err = new StringWriter();
    assertThat(ServiceRunner.check(ECHO, file, Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(err)))
        .isEqualTo(ServiceRunner.EXIT_CONFIG);
    assertThat(err.toString()).contains("  - port 1 is privileged on this host");
  }

  @Test
  void anUnreadableFileIsOneProblem() {
    StringWriter err = new StringWriter();
    Path missing = dir.resolve("missing.yaml");
    assertThat(ServiceRunner.check(ECHO, missing, Map.of(), new PrintWriter(new StringWriter()),
        new PrintWriter(err))).isEqualTo(ServiceRunner.EXIT_CONFIG);
    assertThat(err.toString()).contains("config file " + missing + ": cannot be read as YAML");
  }

  @Test
  void declaredKeysIncludeTheProcessSettingsForTheDocs() {
    assertThat(ServiceRunner.declaredKeys(ECHO)).extracting(k -> k.key())
        .containsExactly("port", "key", "process.transport", "process.startTimeout", "process.shutdownGrace",
            "metrics.emf", "metrics.emfInterval");
  }
}
