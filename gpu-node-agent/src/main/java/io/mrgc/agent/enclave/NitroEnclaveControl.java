package io.mrgc.agent.enclave;

import io.mrgc.carwash.steps.EnclaveControl;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.client.EnclaveCanary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restarts this instance's Nitro Enclave for the car wash: {@code nitro-cli terminate-enclave --all}, then
 * {@code nitro-cli run-enclave} from the configured EIF with a fixed CID (so the agent's vsock client reaches the new
 * enclave where it reached the old one), then proves the new enclave with the canary (its first KMS decrypt, so a
 * fresh attestation document accepted by KMS), retrying while it boots, for at most {@link Settings#bootTimeout}.
 */
public final class NitroEnclaveControl implements EnclaveControl {
  private static final Logger LOG = LoggerFactory.getLogger(NitroEnclaveControl.class);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration PROOF_RETRY = Duration.ofMillis(500);

  /**
   * What {@code run-enclave} is given.
   *
   * @param eifPath the enclave image file
   * @param cpuCount vCPUs (the nitro-enclaves-allocator must have reserved them)
   * @param memoryMib memory in MiB
   * @param cid the enclave's CID, fixed so that the agent's client finds every new enclave
   * @param bootTimeout how long a booted enclave may take to pass the canary
   */
  public record Settings(Path eifPath, int cpuCount, int memoryMib, int cid, Duration bootTimeout) {}

  /** Runs one command to its end; throws when it fails (package-private so tests run none). */
  @FunctionalInterface
  interface Commands {
    void run(List<String> command) throws IOException, InterruptedException;
  }

  private final Settings settings;
  private final EnclaveCanary canary;
  private final EnclaveHandler client;
  private final Commands commands;

  /** {@code client} is the agent's vsock client of the enclave, {@code canary} proves each new one. */
  public NitroEnclaveControl(Settings settings, EnclaveCanary canary, EnclaveHandler client) {
    this(settings, canary, client, NitroEnclaveControl::runProcess);
  }

  NitroEnclaveControl(Settings settings, EnclaveCanary canary, EnclaveHandler client, Commands commands) {
    this.settings = settings;
    this.canary = canary;
    this.client = client;
    this.commands = commands;
  }

  public Settings settings() {
    return settings;
  }

  /** Stops every enclave of this instance (one per instance). */
  List<String> terminateCommand() {
    return List.of("nitro-cli", "terminate-enclave", "--all");
  }

  /** Boots the EIF; never with {@code --debug-mode} (its PCRs are zeros, which the KMS key policy refuses). */
  List<String> runCommand() {
    return List.of("nitro-cli", "run-enclave", "--eif-path", settings.eifPath().toString(),
        "--cpu-count", Integer.toString(settings.cpuCount()), "--memory", Integer.toString(settings.memoryMib()),
        "--enclave-cid", Integer.toString(settings.cid()));
  }

  @Override
  public void restart() throws Exception {
    commands.run(terminateCommand());
    start();
  }

  /** Boots the EIF and returns once the new enclave passed the canary. */
  public void start() throws Exception {
    commands.run(runCommand());
    long deadline = System.nanoTime() + settings.bootTimeout().toNanos();
    while (true) {
      try {
        canary.prove(client);
        return;
      } catch (EnclaveException e) {
        if (System.nanoTime() > deadline) {
          throw new EnclaveException(e.code(), "the enclave booted from " + settings.eifPath()
              + " did not pass the canary within " + settings.bootTimeout().toMillis() + " ms: " + e.getMessage());
        }
        Thread.sleep(PROOF_RETRY.toMillis());
      }
    }
  }

  private static void runProcess(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try (InputStream out = process.getInputStream()) {
      output = new String(out.readNBytes(64 * 1024), StandardCharsets.UTF_8).trim();
    }
    if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT.toSeconds() + " s");
    }
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + lastLine(output));
    }
    LOG.info("{}: {}", String.join(" ", command), lastLine(output));
  }

  private static String lastLine(String output) {
    int newline = output.lastIndexOf('\n');
    return newline < 0 ? output : output.substring(newline + 1);
  }
}
