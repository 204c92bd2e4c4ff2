package io.mrgc.failover.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.service.ServiceRunner;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The failover controller's keys: defaults, and every problem of a bad file at once, verbatim. */
class FailoverConfigTest {
  static final String LOCAL = "mode: local\nregion: us-east-1\nstate:\n  endpoint: http://127.0.0.1:8000\n";
  static final String AWS = "mode: aws\nregion: us-east-1\nregions: [us-east-1, us-east-2]\n";
  static final String ARN = "arn:aws:globalaccelerator::123456789012:accelerator/1234abcd/listener/0123vxyz"
      + "/endpoint-group/098765zyxwvu";

  static FailoverConfig read(String yaml, Map<String, String> env) {
    ConfigReader reader = ConfigReader.of(ConfigSource.ofYaml(yaml, "failover.yaml", env));
    FailoverConfig config = new FailoverServiceDefinition().read(reader);
    reader.finish();
    return config;
  }

  static void assertProblems(String yaml, String... problems) {
    assertThatThrownBy(() -> ServiceRunner.load(new FailoverServiceDefinition(),
        ConfigSource.ofYaml(yaml, "failover.yaml", Map.of())))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(problems));
  }

  @Test
  void defaultsAndSeveralRoutersPerRegionFromTheFileOrOneVariable() {
    FailoverConfig config = read(LOCAL + "probe:\n  caFile: /etc/mrgc/ca.pem\n  routers:\n"
        + "    us-east-2: [http://10.0.2.5:9090/healthz/region, https://10.0.2.6:9090/healthz/region]\n", Map.of());
    FailoverSettings f = config.failover();
    assertThat(f.evaluationPeriod()).isEqualTo(Duration.ofSeconds(5));
    assertThat(f.leaseTtl()).isEqualTo(Duration.ofSeconds(15));
    assertThat(f.regions()).containsExactly("us-east-1", "us-east-2", "us-west-2");
    assertThat(f.routers()).containsOnlyKeys("us-east-2");
    assertThat(f.routers().get("us-east-2")).containsExactly(URI.create("http://10.0.2.5:9090/healthz/region"),
        URI.create("https://10.0.2.6:9090/healthz/region"));
    assertThat(f.dials()).isEqualTo(FailoverSettings.DialsType.ROUTING_STATE);
    assertThat(f.health().minServingInstances()).isEqualTo(2);
    assertThat(f.controller("us-east-1", "c").decidedRegions()).containsExactly("us-east-2", "us-west-2");
    assertThat(config.control().adminPort()).isEqualTo(9471);

    FailoverSettings env = read(LOCAL, Map.of("MRGC_PROBE_ROUTERS",
        "us-east-2=http://10.0.2.5:9090/healthz/region;us-west-2=http://10.0.3.5:9090/healthz/region")).failover();
    assertThat(env.routers()).containsOnlyKeys("us-east-2", "us-west-2");
  }

  @Test
  void machineHoldsAreEvaluationsOverADuration() {
    FailoverSettings f = read(LOCAL + "machine:\n  failAfter: 2/2s\n  rampSteps: [50, 100]\n", Map.of()).failover();
    assertThat(f.machine().failAfter()).isEqualTo(io.mrgc.failover.machine.Hold.of(2, Duration.ofSeconds(2)));
    assertThat(f.machine().rampSteps()).containsExactly(50, 100);
    assertThat(f.machine().degradeAfter()).isEqualTo(io.mrgc.failover.machine.MachineConfig.defaults().degradeAfter());
    assertProblems(LOCAL + "machine:\n  failAfter: soon\n",
        "machine.failAfter: 'soon' is not allowed; allowed: EVALUATIONS/DURATION such as 2/5s (1 to 1000 evaluations, "
            + "a positive duration)");
    assertProblems(LOCAL + "machine:\n  clearAfter: 1/1s\n",
        "machine.clearAfter: clearAfter must not be shorter than degradeAfter, but was 1 s and 1 evaluation < "
            + "5 s and 2 evaluations");
  }

  @Test
  void globalAcceleratorDialsTakeAnEndpointGroupPerRegion() {
    FailoverSettings f = read(AWS + "dials:\n  type: global-accelerator\n  endpointGroupArns:\n    us-east-1: " + ARN
        + "\n    us-east-2: " + ARN + "\n", Map.of()).failover();
    assertThat(f.dials()).isEqualTo(FailoverSettings.DialsType.GLOBAL_ACCELERATOR);
    assertThat(f.endpointGroupArns()).containsEntry("us-east-2", ARN);
  }

  @Test
  void probeUrlsMustBeHttpAndOfAKnownRegion() {
    assertProblems(LOCAL + "probe:\n  routers:\n    us-east-2: [ftp://10.0.2.5/healthz/region]\n"
            + "    eu-west-1: [http://10.9.0.1:9090/healthz/region]\n",
        "probe.routers.us-east-2: 'ftp://10.0.2.5/healthz/region' is not allowed; allowed: http(s) URLs such as "
            + "http://10.0.1.5:9090/healthz/region",
        "probe.routers.eu-west-1: 'eu-west-1' is not allowed; allowed: a region of regions [us-east-1, us-east-2, "
            + "us-west-2]");
    assertProblems(LOCAL + "probe:\n  routers:\n    us-east-2: [https://10.0.2.5:9090/healthz/region]\n",
        "probe.caFile: missing; required with https:// probe URLs: the CA the routers' admin certificates chain to");
  }

  @Test
  void globalAcceleratorDialsNeedEveryRegionsEndpointGroupAndModeAws() {
    assertProblems(AWS + "dials:\n  type: global-accelerator\n  endpointGroupArns:\n    us-east-1: " + ARN + "\n",
        "dials.endpointGroupArns.us-east-2: missing; required with dials.type global-accelerator: the endpoint group "
            + "ARN of each region in regions");
    assertProblems(AWS + "dials:\n  type: global-accelerator\n  endpointGroupArns:\n    us-east-1: " + ARN + "\n"
            + "    us-east-2: arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/net/x/1\n",
        "dials.endpointGroupArns.us-east-2: 'arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/net/x/1'"
            + " is not allowed; allowed: an endpoint group ARN such as arn:aws:globalaccelerator::123456789012:"
            + "accelerator/<id>/listener/<id>/endpoint-group/<id>");
    assertProblems(LOCAL + "dials:\n  type: global-accelerator\n",
        "dials.type: 'global-accelerator' is not allowed in mode local; allowed: routing-state (the local front door "
            + "follows routing_state)");
  }

  @Test
  void regionsThresholdsLeaseAndTypos() {
    assertProblems(LOCAL + "regions: [us-east-2, us-west-2]\n",
        "regions: regions must contain region us-east-1, but were [us-east-2, us-west-2]");
    assertProblems(LOCAL + "health:\n  impairedErrorRate: 0.5\n  failedErrorRate: 0.2\n",
        "health.failedErrorRate: error rates must satisfy 0 < impairedErrorRate < failedErrorRate <= 1, but were 0.5 "
            + "and 0.2");
    assertProblems(LOCAL + "evaluationPeriod: 5s\nleaseTtl: 5s\nevaluationPeriode: 2s\n",
        "leaseTtl: '5s' is not allowed; allowed: a duration longer than evaluationPeriod (5s)",
        "evaluationPeriode: unknown key (did you mean 'evaluationPeriod'?)");
  }
}
