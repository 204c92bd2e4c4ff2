package io.mrgc.carwash.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EnclaveStepsTest {
  private static final long T0 = 1_700_000_000_000L;

  @Test
  void policyRestartsEveryNRequests() {
    EnclaveRestartPolicy policy = new EnclaveRestartPolicy(3, null, T0);
    policy.requestServed();
    policy.requestServed();
    assertThat(policy.restartReason(T0)).isEmpty();
    policy.requestServed();
    assertThat(policy.restartReason(T0)).contains("3 requests since the last restart (limit 3)");
    policy.restarted(T0 + 5);
    assertThat(policy.restartReason(T0 + 5)).isEmpty();
    assertThat(policy.requestsSinceRestart()).isZero();
    assertThat(policy.lastRestartMillis()).isEqualTo(T0 + 5);
  }

  @Test
  void policyRestartsEveryTMinutes() {
    EnclaveRestartPolicy policy = new EnclaveRestartPolicy(0, Duration.ofMinutes(30), T0);
    for (int i = 0; i < 1000; i++) {
      policy.requestServed();
    }
    assertThat(policy.restartReason(T0 + Duration.ofMinutes(30).toMillis() - 1)).isEmpty();
    assertThat(policy.restartReason(T0 + Duration.ofMinutes(30).toMillis()))
        .contains("30 min since the last restart (limit 30 min)");
  }

  @Test
  void policyRestartsAfterAnyEnclaveErrorAndNamesTheFirst() {
    EnclaveRestartPolicy policy = new EnclaveRestartPolicy(100, Duration.ofHours(1), T0);
    policy.enclaveError("decrypt failed");
    policy.enclaveError("connection reset");
    assertThat(policy.restartReason(T0)).contains("enclave error: decrypt failed");
    policy.restarted(T0);
    assertThat(policy.restartReason(T0)).isEqualTo(Optional.empty());
    assertThatThrownBy(() -> new EnclaveRestartPolicy(-1, null, T0))
        .hasMessage("enclave restart request count must not be negative, got -1");
    assertThatThrownBy(() -> new EnclaveRestartPolicy(1, Duration.ZERO, T0))
        .hasMessage("enclave restart interval must be positive, got PT0S");
  }

  @Test
  void restartStepRestartsOnlyWhenDueAndCountsOnlyRequests() {
    Clock clock = Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC);
    EnclaveRestartPolicy policy = new EnclaveRestartPolicy(2, null, T0);
    AtomicInteger restarts = new AtomicInteger();
    EnclaveRestartStep step = new EnclaveRestartStep(policy, restarts::incrementAndGet, clock);
    assertThat(step.run(new WashContext("r1", 1, T0)))
        .isEqualTo(StepResult.passed("no restart due (1 request(s) since the last)"));
    assertThat(step.run(new WashContext(WashContext.SCHEDULED_PREFIX + "1", 2, T0)).detail())
        .isEqualTo("no restart due (1 request(s) since the last)");
    StepResult restarted = step.run(new WashContext("r2", 3, T0));
    assertThat(restarted.isPassed()).isTrue();
    assertThat(restarted.detail()).matches("restarted and re-attested in \\d+ ms \\(2 requests since the last "
        + "restart \\(limit 2\\)\\)");
    assertThat(restarts).hasValue(1);
    assertThat(policy.requestsSinceRestart()).isZero();
  }

  @Test
  void aFailedRestartFailsTheStepAndIsAskedForAgain() {
    Clock clock = Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC);
    EnclaveRestartPolicy policy = new EnclaveRestartPolicy(0, null, T0);
    policy.enclaveError("vsock closed");
    AtomicInteger attempts = new AtomicInteger();
    EnclaveControl control = () -> {
      if (attempts.incrementAndGet() == 1) {
        throw new IllegalStateException("first KMS decrypt failed");
      }
    };
    EnclaveRestartStep step = new EnclaveRestartStep(policy, control, clock);
    assertThat(step.run(new WashContext("r1", 1, T0))).isEqualTo(StepResult.failed(
        "restart failed (enclave error: vsock closed): IllegalStateException: first KMS decrypt failed"));
    assertThat(policy.restartReason(T0)).isPresent();
    assertThat(step.run(new WashContext("r2", 2, T0)).detail()).startsWith("restarted and re-attested in ");
    assertThat(policy.restartReason(T0)).isEmpty();
  }

  @Test
  void pingStep() {
    WashContext context = new WashContext("r", 1, T0);
    assertThat(new EnclavePingStep(() -> "pong").run(context).detail()).matches("enclave answered in \\d+ us");
    assertThat(new EnclavePingStep(() -> {
      throw new java.io.IOException("no enclave on cid 16");
    }).run(context)).isEqualTo(StepResult.failed("enclave ping failed: IOException: no enclave on cid 16"));
    assertThat(new EnclavePingStep(() -> {
      throw new IllegalStateException();
    }).run(context)).isEqualTo(StepResult.failed("enclave ping failed: IllegalStateException"));
  }

  @Test
  void pingStepIsSkippedWhenARestartIsAlreadyDue() {
    EnclaveRestartPolicy policy = new EnclaveRestartPolicy(0, null, T0);
    AtomicInteger pings = new AtomicInteger();
    EnclavePingStep step = new EnclavePingStep(() -> {
      pings.incrementAndGet();
      throw new IllegalStateException("enclave gone");
    }, () -> policy.restartReason(T0));
    WashContext context = new WashContext("r", 1, T0);
    assertThat(step.run(context).isPassed()).isFalse();
    policy.enclaveError("decrypt: enclave unavailable");
    assertThat(step.run(context)).isEqualTo(StepResult.passed(
        "ping skipped: enclave restart due (enclave error: decrypt: enclave unavailable)"));
    assertThat(pings).hasValue(1);
  }
}
