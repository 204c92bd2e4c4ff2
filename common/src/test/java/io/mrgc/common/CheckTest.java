package io.mrgc.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CheckTest {
  @Test
  void rejectsOutOfRangeValuesWithExactMessages() {
    assertThatThrownBy(() -> Check.between("maxBatchSize", 0, 1, 256))
        .hasMessage("maxBatchSize must be between 1 and 256, but was 0");
    assertThatThrownBy(() -> Check.positive("maxWait", Duration.ZERO))
        .hasMessage("maxWait must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> Check.notBlank("region", " ")).hasMessage("region must not be blank");
    assertThat(Check.between("port", 8080, 0, 65535)).isEqualTo(8080);
  }

  @Test
  void keepsPlainRequestIdsAndReplacesOthers() {
    assertThat(RequestIds.fromHeader("req-42")).isEqualTo("req-42");
    assertThat(RequestIds.fromHeader("bad id\n")).hasSize(36);
    assertThat(RequestIds.fromHeader("x".repeat(65))).hasSize(36);
    assertThat(RequestIds.fromHeader(null)).hasSize(36);
  }
}
