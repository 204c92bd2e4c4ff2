package io.mrgc.cluster;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mrgc} command: {@code up} runs the local cluster; the other commands are for SREs and admins. */
@Command(name = "mrgc", mixinStandardHelpOptions = true, version = "mrgc 0.1.0",
    description = "Multi-region GPU inference router and scaler.",
    subcommands = {UpCommand.class, StatusCommand.class, TenantCommand.class, InstanceCommand.class, ScaleCommand.class,
        FailoverCommand.class, io.mrgc.cluster.serve.ServeCommand.class, DynamoDbLocalCommand.class,
        ChaosCommand.class, ModelCommand.class})
public final class Mrgc implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line as {@code main} runs it (tests run it in-process). */
  static CommandLine commandLine() {
    return new CommandLine(new Mrgc())
        .setExecutionExceptionHandler((error, commandLine, parsed) -> {
          // Operators get the cause chain in one line, not a stack trace.
          commandLine.getErr().println("mrgc " + commandLine.getCommandName() + ": " + describe(error));
          return 1;
        });
  }

  static String describe(Throwable error) {
    StringBuilder message = new StringBuilder(String.valueOf(error.getMessage()));
    for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
        message.append(": ").append(cause.getMessage());
      }
    }
    return message.toString();
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
