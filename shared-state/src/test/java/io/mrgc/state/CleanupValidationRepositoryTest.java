package io.mrgc.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.items.CleanupValidationItem;
import io.mrgc.state.items.CleanupValidationStepItem;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CleanupValidationRepositoryTest {
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

  static CleanupValidationItem row(String instance, long at, String requestId, String outcome) {
    CleanupValidationItem item = new CleanupValidationItem();
    item.setInstanceId(instance);
    item.setCompletedAtRequest(CleanupValidationItem.sortKey(at, requestId));
    item.setRegion("us-east-1");
    item.setRequestId(requestId);
    item.setOutcome(outcome);
    item.setTotalMicros(1234);
    item.setSteps(List.of(new CleanupValidationStepItem("buffer-scrub", 100, "PASSED", "zeroed 1"),
        new CleanupValidationStepItem("clean-state", 20, outcome, "x")));
    item.setExpiresAtEpochSeconds(at / 1000 + 86_400);
    return item;
  }

  @Test
  void listRecentIsNewestFirstPerInstanceAndLimited() {
    // Recent times: DynamoDB Local really deletes rows whose expires_at has passed.
    long t0 = System.currentTimeMillis() - 10_000;
    for (int i = 0; i < 5; i++) {
      repository.put(row("i-a", t0 + i, "r" + i, "PASSED")).join();
    }
    repository.put(row("i-b", t0, "other", "FAILED")).join();
    List<CleanupValidationItem> recent = repository.listRecent("i-a", 3).join();
    assertThat(recent).extracting(CleanupValidationItem::getRequestId).containsExactly("r4", "r3", "r2");
    CleanupValidationItem first = recent.get(0);
    assertThat(first.getCompletedAtRequest()).isEqualTo((t0 + 4) + "#r4");
    assertThat(first.completedAtMillis()).isEqualTo(t0 + 4);
    assertThat(first.getTotalMicros()).isEqualTo(1234);
    assertThat(first.getExpiresAtEpochSeconds()).isEqualTo((t0 + 4) / 1000 + 86_400);
    assertThat(first.getSteps()).extracting(CleanupValidationStepItem::getName)
        .containsExactly("buffer-scrub", "clean-state");
    assertThat(first.getSteps().get(0).getMicros()).isEqualTo(100);
    assertThat(first.getSteps().get(0).getDetail()).isEqualTo("zeroed 1");
    assertThat(repository.listRecent("i-a", 50).join()).hasSize(5);
    assertThat(repository.listRecent("i-b", 50).join()).extracting(CleanupValidationItem::getOutcome)
        .containsExactly("FAILED");
    assertThat(repository.listRecent("nobody", 5).join()).isEmpty();
  }

  @Test
  void sortKeysOrderByTimeAndInvalidInputIsRefused() {
    assertThat(CleanupValidationItem.sortKey(5, "r")).isEqualTo("0000000000005#r");
    assertThat(CleanupValidationItem.sortKey(999, "r")).isLessThan(CleanupValidationItem.sortKey(1000, "r"));
    assertThatThrownBy(() -> CleanupValidationItem.sortKey(-1, "r"))
        .hasMessage("completed_at must not be negative");
    CleanupValidationItem noKey = new CleanupValidationItem();
    noKey.setInstanceId("i");
    assertThatThrownBy(() -> repository.put(noKey).join()).isInstanceOf(CompletionException.class)
        .hasMessageContaining("completed_at_request must not be blank");
    assertThatThrownBy(() -> repository.listRecent("i", 0).join())
        .hasMessageContaining("limit must be positive, got 0");
  }
}
