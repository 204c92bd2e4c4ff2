package io.mrgc.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.items.AutoscalingStateItem;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AutoscalingStateRepositoryTest {
  private static LocalState state;
  private static StateClient client;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @Test
  void createIfAbsentWritesTheInitialRowOnceAndKeepsAnExistingOne() {
    AutoscalingStateRepository repo = new AutoscalingStateRepository(client);
    AutoscalingStateItem first = repo.createIfAbsent("r-create", 1_000).join();
    assertThat(first.getVersion()).isEqualTo(1L);
    assertThat(first.getDesiredCapacity()).isNull();
    assertThat(first.getMetricsStatus()).isEqualTo(AutoscalingStateItem.METRICS_UNKNOWN);

    first.setLastReason("changed");
    repo.writeFenced(first, 1).join();
    AutoscalingStateItem again = repo.createIfAbsent("r-create", 2_000).join();
    assertThat(again.getLastReason()).isEqualTo("changed");
    assertThat(again.getVersion()).isEqualTo(2L);
  }

  @Test
  void fencedWritesRefuseAnOlderTokenAndAStaleVersion() {
    AutoscalingStateRepository repo = new AutoscalingStateRepository(client);
    repo.createIfAbsent("r-fence", 0).join();

    AutoscalingStateItem byOne = repo.get("r-fence").join();
    AutoscalingStateItem staleCopy = repo.get("r-fence").join();
    byOne.setDesiredCapacity(3);
    byOne.setPolicyState("{\"w\":[]}");
    byOne.setDrainingSince(Map.of("i-1", 5L));
    AutoscalingStateItem written = repo.writeFenced(byOne, 1).join();
    assertThat(written.getFencingToken()).isEqualTo(1);

    // Same token, stale version: refused by the version condition.
    assertThatThrownBy(() -> repo.writeFenced(staleCopy, 1).join()).hasCauseInstanceOf(WriteRejectedException.class);

    // A newer leader writes with token 2; the old leader's next write (current version!) is refused by the fence.
    AutoscalingStateItem byTwo = repo.get("r-fence").join();
    AutoscalingStateItem oldLeader = repo.get("r-fence").join();
    byTwo.setDesiredCapacity(4);
    repo.writeFenced(byTwo, 2).join();
    oldLeader.setVersion(repo.get("r-fence").join().getVersion());
    oldLeader.setDesiredCapacity(9);
    assertThatThrownBy(() -> repo.writeFenced(oldLeader, 1).join())
        .hasCauseInstanceOf(WriteRejectedException.class)
        .hasMessageContaining("fencing token 1");

    AutoscalingStateItem now = repo.get("r-fence").join();
    assertThat(now.getDesiredCapacity()).isEqualTo(4);
    assertThat(now.getFencingToken()).isEqualTo(2);
    assertThat(now.getPolicyState()).isEqualTo("{\"w\":[]}");
    assertThat(now.getDrainingSince()).containsEntry("i-1", 5L);
  }

  @Test
  void setOverrideIsAVersionedUpdateThatKeepsTheFencingToken() {
    AutoscalingStateRepository repo = new AutoscalingStateRepository(client);
    AutoscalingStateItem row = repo.createIfAbsent("r-override", 0).join();
    row.setDesiredCapacity(2);
    repo.writeFenced(row, 7).join();
    AutoscalingStateItem leaderCopy = repo.get("r-override").join();

    AutoscalingStateItem overridden = repo.setOverride("r-override", 6, 60_000, "sre-alice", 1_000).join();
    assertThat(overridden.getDesiredCapacity()).isEqualTo(6);
    assertThat(overridden.getOverrideUntilMillis()).isEqualTo(60_000L);
    assertThat(overridden.getOverrideBy()).isEqualTo("sre-alice");
    assertThat(overridden.getFencingToken()).isEqualTo(7);
    assertThat(overridden.overrideActiveAt(59_999)).isTrue();
    assertThat(overridden.overrideActiveAt(60_000)).isFalse();

    // The leader's write based on the pre-override read is refused (version), so it cannot erase the override.
    leaderCopy.setDesiredCapacity(2);
    assertThatThrownBy(() -> repo.writeFenced(leaderCopy, 7).join()).hasCauseInstanceOf(WriteRejectedException.class);

    // An override on a region without a row creates it.
    assertThat(repo.setOverride("r-new", 3, 10, "sre-bob", 0).join().getDesiredCapacity()).isEqualTo(3);
    assertThatThrownBy(() -> repo.setOverride("r-new", -1, 10, "sre-bob", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
