package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.AutoscalingStateRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.AutoscalingStateItem;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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

  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      String[] all = new String[args.length + 2];
      System.arraycopy(args, 0, all, 0, args.length);
      all[args.length] = "--dynamodb-endpoint";
      all[args.length + 1] = state.db().endpoint().toString();
      int exit = Mrgc.commandLine().setErr(new PrintWriter(err, true)).execute(all);
      return new String[] {Integer.toString(exit), out.toString(StandardCharsets.UTF_8), err.toString()};
    } finally {
      System.setOut(original);
    }
  }

  @Test
  void anOverrideIsWrittenAndShownUntilItExpires() {
    String[] set = run("scale", "set", "us-east-2", "5", "--for", "30m", "--by", "alice");
    assertThat(set[0]).isEqualTo("0");
    assertThat(set[1]).contains("us-east-2: desired 5 until").contains("set by alice");
    AutoscalingStateItem row = new AutoscalingStateRepository(client).get("us-east-2").join();
    assertThat(row.getDesiredCapacity()).isEqualTo(5);
    assertThat(row.overrideActiveAt(System.currentTimeMillis())).isTrue();
    assertThat(row.getOverrideBy()).isEqualTo("alice");

    String[] status = run("scale", "status");
    assertThat(status[0]).isEqualTo("0");
    assertThat(status[1]).contains("us-east-2").contains("5 until");
    assertThat(status[1]).contains("us-west-2").contains("no autoscaler has written this region");
  }

  @Test
  void badInputGetsExactMessages() {
    assertThat(run("scale", "set", "mars-1", "5", "--for", "30m")[2]).contains("unknown region mars-1");
    assertThat(run("scale", "set", "us-east-1", "0", "--for", "30m")[2])
        .contains("desired instances must be between 1 and 20, but was 0");
    assertThat(run("scale", "set", "us-east-1", "3", "--for", "48h")[2]).contains("--for must be between 1s and 24h");
    assertThat(run("scale", "set", "us-east-1", "3", "--for", "soon")[2]).contains("is not a duration");
  }
}
