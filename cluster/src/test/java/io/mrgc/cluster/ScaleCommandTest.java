package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.AutoscalingStateRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.AutoscalingStateItem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** `mrgc scale set|status` against DynamoDB Local, run in-process as `main` runs them. */
class ScaleCommandTest {
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

  private static MrgcRun run(String... args) {
    return MrgcRun.against(state, args);
  }

  @Test
  void anOverrideIsWrittenAndShownUntilItExpires() {
    MrgcRun set = run("scale", "set", "us-east-2", "5", "--for", "30m", "--by", "alice");
    assertThat(set.exit()).isZero();
    assertThat(set.out()).contains("us-east-2: desired 5 until").contains("set by alice");
    AutoscalingStateItem row = new AutoscalingStateRepository(client).get("us-east-2").join();
    assertThat(row.getDesiredCapacity()).isEqualTo(5);
    assertThat(row.overrideActiveAt(System.currentTimeMillis())).isTrue();
    assertThat(row.getOverrideBy()).isEqualTo("alice");

    MrgcRun status = run("scale", "status");
    assertThat(status.exit()).isZero();
    assertThat(status.out()).contains("us-east-2").contains("5 until");
    assertThat(status.out()).contains("us-west-2").contains("no autoscaler has written this region");
  }

  @Test
  void badInputGetsExactMessages() {
    assertThat(run("scale", "set", "mars-1", "5", "--for", "30m").err()).contains("unknown region mars-1");
    assertThat(run("scale", "set", "us-east-1", "0", "--for", "30m").err())
        .contains("desired instances must be between 1 and 20, but was 0");
    assertThat(run("scale", "set", "us-east-1", "3", "--for", "48h").err()).contains("--for must be between 1s and 24h");
    assertThat(run("scale", "set", "us-east-1", "3", "--for", "soon").err()).contains("is not a duration");
  }
}
