package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.agent.NodeAgent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mrgc up --agent-isolation tenant|off} and {@code --routers-per-region} for the one-JVM cluster: parsed into
 * {@link LocalClusterOptions}, a bad value refused with its message, and a cluster started with them: every agent
 * has tenant isolation off and every region two routers that serve.
 */
class UpCommandTest {
  @TempDir
  Path stateDir;

  /** {@code up} and {@code args}. */
  private static String[] up(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "up";
    System.arraycopy(args, 0, all, 1, args.length);
    return all;
  }

  private static UpCommand parse(String... args) {
    return (UpCommand) Mrgc.commandLine().parseArgs(up(args)).subcommand().commandSpec().userObject();
  }

  /** Runs {@code mrgc up ...} as main does; the exit code and what went to stderr. */
  private static String[] execute(String... args) {
    StringWriter err = new StringWriter();
    int exit = Mrgc.commandLine().setErr(new PrintWriter(err, true)).execute(up(args));
    return new String[] {Integer.toString(exit), err.toString()};
  }

  @Test
  void isolationIsTenantAndOneRouterPerRegionUnlessAsked() {
    LocalClusterOptions defaults = parse().localClusterOptions();
    assertThat(defaults.agentTenantIsolation()).isTrue();
    assertThat(defaults.routersPerRegion()).isEqualTo(1);
    assertThat(parse("--agent-isolation", "tenant").localClusterOptions().agentTenantIsolation()).isTrue();

    LocalClusterOptions bench = parse("--agent-isolation", "off", "--routers-per-region", "2").localClusterOptions();
    assertThat(bench.agentTenantIsolation()).isFalse();
    assertThat(bench.routersPerRegion()).isEqualTo(2);
    assertThat(bench.routerPort(bench.routerSlot(1, 1))).isEqualTo(LocalClusterOptions.DEFAULT_ROUTER_BASE_PORT + 4);
    assertThat(bench.edge().adminPort(bench.routerSlot(2, 1)))
        .isEqualTo(LocalEdgePorts.DEFAULT_ROUTER_ADMIN_BASE_PORT + 5);
  }

  @Test
  void anIsolationOtherThanTenantOrOffIsRefusedWithItsMessage() {
    String[] run = execute("--agent-isolation", "shared");
    assertThat(run[0]).isEqualTo("2");
    assertThat(run[1]).contains("Invalid value for option '--agent-isolation': 'shared' is not an isolation; use "
        + "tenant or off");
    assertThat(execute("--agent-isolation", "OFF")[1]).contains("'OFF' is not an isolation; use tenant or off");
  }

  @Test
  void isolationOffIsRefusedWithProcessesAndContainers() {
    for (String placement : List.of("--processes", "--containers")) {
      String[] run = execute(placement, "--agent-isolation", "off");
      assertThat(run[0]).as(placement).isEqualTo("1");
      assertThat(run[1]).as(placement).contains("--agent-isolation off is not supported with --processes or "
          + "--containers");
    }
  }

  @Test
  void theOptionsReachEveryAgentAndEveryRouterServes() throws Exception {
    LocalClusterOptions options = LocalClusterOptions.ephemeral(stateDir).withAgentsPerRegion(1)
        .withAllowPlaintext(true).withRoutersPerRegion(2).withAgentTenantIsolation(false);
    try (LocalCluster cluster = LocalCluster.start(options)) {
      cluster.awaitServing(Duration.ofSeconds(60));
      assertThat(cluster.agents()).hasSize(3);
      assertThat(cluster.agents().values()).extracting(NodeAgent::options)
          .allSatisfy(agent -> assertThat(agent.tenantIsolation()).isFalse());

      assertThat(cluster.regionRouterAdminUrls().keySet()).containsExactlyElementsOf(cluster.regions());
      assertThat(cluster.regionRouterAdminUrls().values()).allSatisfy(urls -> assertThat(urls).hasSize(2)
          .doesNotHaveDuplicates());
      assertThat(cluster.routerUrls().get("us-east-1")).isEqualTo(cluster.regionRouterUrls().get("us-east-1").get(0));

      TenantAdmin.Credentials tenant = cluster.createTenant("two-routers", TenantAdmin.TenantSettings.defaults());
      WebClient web = WebClient.create(cluster.vertx());
      List<URI> targets = new ArrayList<>(cluster.regionRouterUrls().get("us-east-1"));
      targets.add(cluster.anycastUrls().values().iterator().next());
      for (URI target : targets) {
        HttpResponse<Buffer> response = web.post(target.getPort(), target.getHost(), "/v1/embeddings")
            .putHeader("Authorization", "Bearer " + tenant.apiKey()).putHeader("x-mrgc-model", "all-minilm-l6-v2")
            .sendJsonObject(new JsonObject().put("model", "all-minilm-l6-v2").put("input", "two routers"))
            .await(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).as(target + ": " + response.bodyAsString()).isEqualTo(200);
      }
      web.close();
    }
  }
}
