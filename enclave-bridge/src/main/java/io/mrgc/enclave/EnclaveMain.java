package io.mrgc.enclave;

import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.enclave.attestation.NsmAttestationProvider;
import io.mrgc.enclave.serve.EnclaveProcess;
import io.mrgc.enclave.serve.EnclaveServeConfig;
import io.mrgc.enclave.transport.VsockTransport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The process inside the Nitro Enclave image: the enclave service (RSA-2048 key pair made now, attestation from
 * /dev/nsm, KMS Decrypt with Recipient) behind the framed protocol on vsock, from the same configuration as
 * {@code mrgc serve enclave} ({@link EnclaveServeConfig}). Usage: {@code EnclaveMain <region> [vsock port, default
 * 5000] [KMS endpoint, e.g. https://kms.<region>.amazonaws.com reached through the parent's vsock-proxy and an
 * in-enclave forwarder]} (mode aws), or {@code EnclaveMain --config FILE}. Credentials come from the parent (the
 * enclave has no instance metadata): the default provider chain reads them from the environment it is given.
 */
public final class EnclaveMain {
  private EnclaveMain() {}

  public static void main(String[] args) throws Exception {
    ConfigSource source;
    EnclaveServeConfig config;
    try {
      source = source(args);
      config = read(source, NsmAttestationProvider.DEFAULT_DEVICE);
    } catch (ConfigException e) { // a missing or unreadable file too: exit 2 with what to fix, not a stack trace
      System.err.println("enclave: the configuration has " + e.problems().size() + " problem(s):");
      e.problems().forEach(problem -> System.err.println("  - " + problem));
      System.exit(2);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("usage: EnclaveMain <region> [vsock port, default " + VsockTransport.DEFAULT_PORT
          + "] [KMS endpoint] | EnclaveMain --config FILE");
      System.exit(2);
      return;
    }
    EnclaveProcess process = EnclaveProcess.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("enclave stopped: " + process.stop());
      stopped.countDown();
    }, "enclave-shutdown"));
    stopped.await();
  }

  /** The configuration the arguments give: a file, or mode aws from the positional arguments. */
  static ConfigSource source(String[] args) {
    if (args.length == 2 && args[0].equals("--config")) {
      return ConfigSource.load(Path.of(args[1]), System.getenv());
    }
    if (args.length < 1 || args.length > 3 || args[0].startsWith("-")) {
      throw new IllegalArgumentException("usage");
    }
    StringBuilder yaml = new StringBuilder("mode: aws\nregion: ").append(quoted(args[0])).append('\n');
    if (args.length > 1) {
      yaml.append("listener:\n  vsockPort: ").append(quoted(args[1])).append('\n');
    }
    if (args.length > 2) {
      yaml.append("kms:\n  endpoint: ").append(quoted(args[2])).append('\n');
    }
    return ConfigSource.ofYaml(yaml.toString(), "EnclaveMain arguments", Map.of());
  }

  /** Reads and checks the configuration as {@code mrgc serve enclave} does (every problem at once). */
  static EnclaveServeConfig read(ConfigSource source, Path nsmDevice) {
    ConfigReader reader = ConfigReader.of(source);
    EnclaveServeConfig config = EnclaveServeConfig.read(reader);
    // A file written for mrgc serve enclave may carry its process settings; the enclave's own process has no use
    // for them (it stops when the enclave is terminated), so they are accepted and ignored here.
    reader.map("process", "mrgc serve's process settings", "ignored inside the enclave");
    reader.finish();
    List<String> lacking = new ArrayList<>(config.hostProblems(nsmDevice));
    if (!lacking.isEmpty()) {
      throw new ConfigException(lacking);
    }
    return config;
  }

  /** A YAML double-quoted scalar (JSON escaping), so an argument is always read as the text it is. */
  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
