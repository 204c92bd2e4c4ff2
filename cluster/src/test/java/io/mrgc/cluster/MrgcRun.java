package io.mrgc.cluster;

import io.mrgc.state.LocalState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** Runs the `mrgc` command line in-process against a LocalState, as `main` runs it; captures its output. */
public record MrgcRun(int exit, String out, String err) {
  public static MrgcRun against(LocalState state, String... args) {
    return against(state.db().endpoint(), args);
  }

  /** Against the DynamoDB at {@code dynamoDb}, e.g. a running LocalCluster's. */
  public static MrgcRun against(URI dynamoDb, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      String[] all = new String[args.length + 2];
      System.arraycopy(args, 0, all, 0, args.length);
      all[args.length] = "--dynamodb-endpoint";
      all[args.length + 1] = dynamoDb.toString();
      int exit = Mrgc.commandLine().setErr(new PrintWriter(err, true)).execute(all);
      return new MrgcRun(exit, out.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(original);
    }
  }
}
