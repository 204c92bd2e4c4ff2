package io.mrgc.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EmfOptionsTest {
  @Test
  void defaultsAreTheDocumentedOnes() {
    EmfOptions options = EmfOptions.of("router", "us-east-1");
    assertThat(options.namespace()).isEqualTo("MRGC");
    assertThat(options.dimensions()).containsExactly(Map.entry("Service", "router"), Map.entry("Region", "us-east-1"));
    assertThat(options.interval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(options.out()).isSameAs(System.out);
    assertThat(options.withInstanceId("i-1").dimensions().keySet()).containsExactly("Service", "Region", "InstanceId");
  }

  @Test
  void badValuesAreRejectedWithExactMessages() {
    EmfOptions ok = EmfOptions.of("router", "us-east-1");
    assertThatThrownBy(() -> EmfOptions.of("database", "us-east-1"))
        .hasMessage("dimension Service must be one of [router, agent, enclave, autoscaler, failover-controller, "
            + "control, front-door], but was database");
    assertThatThrownBy(() -> EmfOptions.of("router", " "))
        .hasMessage("dimension Region must be 1 to 1024 characters, but was  ");
    assertThatThrownBy(() -> ok.withInterval(Duration.ofMillis(500)))
        .hasMessage("interval must be between PT1S and PT1H, but was PT0.5S");
    assertThatThrownBy(() -> ok.withInterval(Duration.ofHours(2)))
        .hasMessage("interval must be between PT1S and PT1H, but was PT2H");
    assertThatThrownBy(() -> new EmfOptions("MRGC prod", ok.dimensions(), ok.interval(), ok.nameTags(), ok.out()))
        .hasMessage("namespace must be 1 to 256 of the characters a-zA-Z0-9._#:/-, but was MRGC prod");
    assertThatThrownBy(() -> ok.withOut(null)).hasMessage("out must be set");
    assertThatThrownBy(() -> ok.withNameTags(null)).hasMessage("nameTags must be set");
  }

  @Test
  void theDimensionSetIsClosed() {
    EmfOptions ok = EmfOptions.of("agent", "us-west-2");
    Map<String, String> extra = new LinkedHashMap<>(ok.dimensions());
    extra.put("Model", "minilm");
    assertThatThrownBy(() -> new EmfOptions("MRGC", extra, ok.interval(), Set.of(), ok.out()))
        .hasMessage("dimensions may only be Service, Region and InstanceId, but had Model");
    assertThatThrownBy(() -> new EmfOptions("MRGC", Map.of("Service", "agent"), ok.interval(), Set.of(), ok.out()))
        .hasMessage("dimensions must include Service and Region, but were [Service]");
  }
}
