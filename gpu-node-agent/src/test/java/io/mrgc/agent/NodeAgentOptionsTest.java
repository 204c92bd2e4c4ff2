package io.mrgc.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NodeAgentOptionsTest {
  private static final Path ROOT = Path.of("/models");

  @Test
  void defaultsAreTheDocumentedOnes() {
    NodeAgentOptions options = NodeAgentOptions.builder("us-east-1", "i-1", ROOT).build();
    assertThat(options.host()).isEqualTo("127.0.0.1");
    assertThat(options.port()).isZero();
    assertThat(options.executionProvider()).isEqualTo("cpu");
    assertThat(options.intraOpThreads()).isZero();
    assertThat(options.maxBatchSize()).isEqualTo(32);
    assertThat(options.maxBatchWait()).isEqualTo(Duration.ofMillis(2));
    assertThat(options.tenantIsolation()).isTrue();
    assertThat(options.maxQueuedRequests()).isEqualTo(256);
    assertThat(options.maxInputsPerRequest()).isEqualTo(128);
    assertThat(options.maxTokensPerInput()).isEqualTo(256);
    assertThat(options.maxBodyBytes()).isEqualTo(2 * 1024 * 1024);
    assertThat(options.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.endpointFor(8081)).isEqualTo("http://127.0.0.1:8081");
    assertThat(options.washTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(options.instanceWashTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(options.integrityChunkBytes()).isEqualTo(1 << 20);
    assertThat(options.integrityBytesPerWash()).isEqualTo(2L << 20);
    assertThat(options.fullIntegrityCheckInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(options.enclaveRestartEveryRequests()).isEqualTo(10_000);
    assertThat(options.enclaveRestartEvery()).isEqualTo(Duration.ofHours(1));
    assertThat(options.washRecordTtl()).isEqualTo(Duration.ofDays(7));
    assertThat(options.peerAuth().enabled()).isFalse();
    assertThat(options.inferenceTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.dataDir()).isNull();
    assertThat(options.washRecordBacklog()).isEqualTo(10_000);
    assertThat(options.washRecordSpillBytes()).isEqualTo(64L << 20);
  }

  @Test
  void hardeningSettingsAreValidatedWithExactMessages() {
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).inferenceTimeout(Duration.ZERO)
        .build()).hasMessage("inferenceTimeout must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).peerAuth(null).build())
        .hasMessage("peerAuth must be set");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).washRecordBacklog(0).build())
        .hasMessage("washRecordBacklog must be between 1 and 1000000, but was 0");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).washRecordSpillBytes(-1).build())
        .hasMessage("washRecordSpillBytes must be between 0 and 1099511627776, but was -1");
  }

  @Test
  void washSettingsAreValidatedAndSchedulesCanBeTurnedOff() {
    NodeAgentOptions off = NodeAgentOptions.builder("us-east-1", "i-1", ROOT).fullIntegrityCheckInterval(null)
        .enclaveRestartEvery(null).enclaveRestartEveryRequests(0).build();
    assertThat(off.fullIntegrityCheckInterval()).isNull();
    assertThat(off.enclaveRestartEvery()).isNull();
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).washTimeout(Duration.ZERO).build())
        .hasMessage("washTimeout must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).integrityChunkBytes(100).build())
        .hasMessage("integrityChunkBytes must be between 4096 and 268435456, but was 100");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).enclaveRestartEveryRequests(-1)
        .build()).hasMessage("enclaveRestartEveryRequests must be between 0 and 9223372036854775807, but was -1");
  }

  @Test
  void invalidValuesAreRefusedWithExactMessages() {
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).maxBatchSize(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBatchSize must be between 1 and 256, but was 0");
    assertThatThrownBy(() -> NodeAgentOptions.builder(" ", "i-1", ROOT).build())
        .hasMessage("region must not be blank");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", null, ROOT).build())
        .hasMessage("instanceId must not be blank");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", null).build())
        .hasMessage("modelRoot must be set");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).port(70000).build())
        .hasMessage("port must be between 0 and 65535, but was 70000");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).executionProvider("tpu").build())
        .hasMessage("executionProvider must be one of [cpu, cuda], but was tpu");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).maxBatchWait(Duration.ZERO).build())
        .hasMessage("maxBatchWait must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).maxQueuedRequests(0).build())
        .hasMessage("maxQueuedRequests must be between 1 and 100000, but was 0");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).maxInputsPerRequest(0).build())
        .hasMessage("maxInputsPerRequest must be between 1 and 4096, but was 0");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).maxTokensPerInput(0).build())
        .hasMessage("maxTokensPerInput must be between 1 and 8192, but was 0");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).maxBodyBytes(10).build())
        .hasMessage("maxBodyBytes must be between 1024 and 268435456, but was 10");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).intraOpThreads(-1).build())
        .hasMessage("intraOpThreads must be between 0 and 256, but was -1");
    assertThatThrownBy(() -> NodeAgentOptions.builder("us-east-1", "i-1", ROOT).heartbeatInterval(null).build())
        .hasMessage("heartbeatInterval must be a positive duration, but was null");
  }

  @Test
  void executionProviderIsCaseInsensitive() {
    assertThat(NodeAgentOptions.builder("us-east-1", "i-1", ROOT).executionProvider("CUDA").build()
        .executionProvider()).isEqualTo("cuda");
  }
}
