package io.mrgc.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestModelTest {
  @Test
  void modelComesFromTheOipPathOrTheHeader() {
    assertThat(RequestModel.of("/v2/models/minilm/infer", null)).isEqualTo("minilm");
    assertThat(RequestModel.of("/v2/models/minilm/versions/1/infer", "other")).isEqualTo("minilm");
    assertThat(RequestModel.of("/v2/models/minilm", null)).isEqualTo("minilm");
    assertThat(RequestModel.of("/v1/embeddings", "minilm")).isEqualTo("minilm");
    assertThat(RequestModel.of("/v1/embeddings", null)).isNull();
    assertThat(RequestModel.of("/v2/models//infer", " ")).isNull();
  }
}
