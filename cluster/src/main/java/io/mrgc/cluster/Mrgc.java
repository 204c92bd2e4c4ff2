package io.mrgc.cluster;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mrgc} command: {@code up} runs the local cluster; the other commands are for SREs and admins. */
@Command(name = "mrgc", mixinStandardHelpOptions = true, version = "mrgc 0.1.0",
    description = "Multi-region GPU inference router and scaler.",
    subcommands = {UpCommand.class, StatusCommand.class})
public final class Mrgc implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Mrgc()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
