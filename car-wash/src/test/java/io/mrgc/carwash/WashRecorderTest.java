package io.mrgc.carwash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.carwash.steps.BufferScrubStep;
import io.mrgc.carwash.steps.CleanStateStep;
import io.mrgc.carwash.steps.ScrubbableByteBuffers;
import io.mrgc.state.CleanupValidationRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.CleanupValidationItem;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WashRecorderTest {
  private static LocalState state;
  private static StateClient client;
  private static CleanupValidationRepository repository;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
    repository = new CleanupValidationRepository(client);
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @Test
  void aRealWashIsRecordedWithItsStepsAndTtlAndReadBackNewestFirst() {
    ScrubbableByteBuffers pool = new ScrubbableByteBuffers("request-bodies", 256, 2, true);
    ByteBuffer body = pool.acquire();
    byte[] secret = "tenant secret payload".getBytes(StandardCharsets.UTF_8);
    body.put(secret);
    pool.release(body);
    // Recent times: DynamoDB Local really deletes rows whose expires_at has passed.
    long t0 = System.currentTimeMillis() - 10_000;
    WashRecorder recorder = new WashRecorder(repository, "i-rec", "us-east-1");
    for (int i = 0; i < 3; i++) {
      Clock clock = Clock.fixed(Instant.ofEpochMilli(t0 + i * 1000L), ZoneOffset.UTC);
      try (CarWash wash = new CarWash(List.of(new BufferScrubStep(List.of(pool)), new CleanStateStep(List.of(pool))),
          Duration.ofSeconds(5), clock)) {
        recorder.record(wash.wash("req-" + i)).join();
      }
    }
    List<CleanupValidationItem> recent = repository.listRecent("i-rec", 2).join();
    assertThat(recent).extracting(CleanupValidationItem::getRequestId).containsExactly("req-2", "req-1");
    CleanupValidationItem newest = recent.get(0);
    assertThat(newest.getCompletedAtRequest()).isEqualTo((t0 + 2000) + "#req-2");
    assertThat(newest.completedAtMillis()).isEqualTo(t0 + 2000);
    assertThat(newest.getRegion()).isEqualTo("us-east-1");
    assertThat(newest.getOutcome()).isEqualTo("PASSED");
    assertThat(newest.getExpiresAtEpochSeconds()).isEqualTo((t0 + 2000) / 1000 + Duration.ofDays(7).toSeconds());
    assertThat(newest.getSteps()).extracting(s -> s.getName() + "/" + s.getOutcome())
        .containsExactly("buffer-scrub/PASSED", "clean-state/PASSED");
    assertThat(newest.getSteps().get(1).getDetail()).isEqualTo("1 scrubbable(s) clean");
    assertThat(newest.getSteps()).allSatisfy(s -> assertThat(s.getMicros()).isNotNegative());
    assertThat(newest.getTotalMicros()).isGreaterThanOrEqualTo(
        newest.getSteps().get(0).getMicros() + newest.getSteps().get(1).getMicros());
    assertThat(newest.getSteps()).allSatisfy(s -> assertThat(s.getDetail()).doesNotContain("secret"));
    assertThat(repository.listRecent("i-rec", 10).join()).hasSize(3);
  }

  @Test
  void aFailedWashIsRecordedAsSuchWithACustomTtl() {
    WashRecorder recorder = new WashRecorder(repository, "i-bad", "us-west-2", Duration.ofHours(1));
    long done = System.currentTimeMillis();
    WashReport report = new WashReport("req-x", 1, done - 2, done, List.of(
        new StepReport("model-integrity", 1_500_000, StepReport.Outcome.FAILED, "slice: m: sha256 mismatch"),
        new StepReport("clean-state", 0, StepReport.Outcome.SKIPPED, "skipped: an earlier step failed")),
        1_600_000, WashReport.Outcome.FAILED);
    CleanupValidationItem item = recorder.toItem(report);
    assertThat(item.getCompletedAtRequest()).isEqualTo(done + "#req-x");
    assertThat(item.getExpiresAtEpochSeconds()).isEqualTo(done / 1000 + 3600);
    assertThat(item.getTotalMicros()).isEqualTo(1600);
    recorder.record(report).join();
    CleanupValidationItem read = repository.listRecent("i-bad", 1).join().get(0);
    assertThat(read.getOutcome()).isEqualTo("FAILED");
    assertThat(read.getSteps().get(0).getMicros()).isEqualTo(1500);
    assertThat(read.getSteps().get(1).getOutcome()).isEqualTo("SKIPPED");
    assertThatThrownBy(() -> new WashRecorder(repository, "i", "r", Duration.ZERO))
        .hasMessage("cleanup_validation TTL must be positive, got PT0S");
  }
}
