package io.mrgc.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestModelTest {
  @Test
  void modelComesFromTheOipPathOrTheHeader() {
    assertThat(RequestModel.of("/v2/models/minilm/infer", null).model()).isEqualTo("minilm");
    assertThat(RequestModel.of("/v2/models/minilm/versions/1/infer", "minilm").model()).isEqualTo("minilm");
    assertThat(RequestModel.of("/v2/models/minilm", null).model()).isEqualTo("minilm");
    assertThat(RequestModel.of("/v1/embeddings", "minilm").model()).isEqualTo("minilm");
    assertThat(RequestModel.of("/v1/embeddings", null).model()).isNull();
    assertThat(RequestModel.of("/v2/models", " ").model()).isNull();
  }

  /**
   * Fails without the check: before, the header was ignored on OIP paths but could differ from what the agent used
   * (the exploit sent x-mrgc-model: A on a path that resolved to B). Now a header naming another model is refused.
   */
  @Test
  void aHeaderNamingAnotherModelThanThePathIsRefused() {
    RequestModel requested = RequestModel.of("/v2/models/B/infer", "A");
    assertThat(requested.mismatch()).isEqualTo("the x-mrgc-model header names model A but the path names model B; "
        + "send the path's model or leave the header out");
    assertThat(RequestModel.of("/v2/models/B/infer", " B ").mismatch()).isNull();
  }
}
