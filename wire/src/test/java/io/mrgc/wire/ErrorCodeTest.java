package io.mrgc.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The rules every error code keeps: clients match on these strings and statuses. */
class ErrorCodeTest {
  private static final Set<Integer> RETRYABLE_STATUSES = Set.of(429, 502, 503, 504);

  @Test
  void codesAreUnique() {
    assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::code)).doesNotHaveDuplicates();
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void eachCodeIsLowerSnakeCaseWithAnErrorStatus(ErrorCode code) {
    assertThat(code.code()).matches("[a-z]+(_[a-z]+)*");
    assertThat(code.status()).isBetween(400, 599);
    assertThat(ErrorCode.fromCode(code.code())).contains(code);
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void onlyWhatWasNotServedIsRetryable(ErrorCode code) {
    // a retry is a new envelope: safe only when the service says it did not serve the request
    assertThat(code.retryable()).as(code.code()).isEqualTo(RETRYABLE_STATUSES.contains(code.status()));
  }

  @Test
  void unknownCodesAreEmpty() {
    assertThat(ErrorCode.fromCode("no_such_code")).isEmpty();
    assertThat(ErrorCode.fromCode(null)).isEmpty();
  }

  @Test
  void everyEnclaveRefusalHasItsOwnCode() {
    assertThat(Arrays.stream(EnclaveErrorCode.values()).map(EnclaveErrorCode::errorCode)).doesNotHaveDuplicates();
    assertThat(EnclaveErrorCode.REPLAYED_ENVELOPE.httpStatus()).isEqualTo(409);
    assertThat(EnclaveErrorCode.INTERNAL.errorCode().code()).isEqualTo("internal");
  }
}
