package io.mrgc.enclave.serve;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.enclave.client.EnclaveClientConfig;
import io.mrgc.enclave.service.EnclaveServiceConfig;
import io.mrgc.enclave.transport.VsockTransport;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The enclave service's settings ({@code mrgc serve enclave}, and {@link io.mrgc.enclave.EnclaveMain} inside the
 * EIF). Mode aws: a vsock listener, KMS (Decrypt with Recipient) in {@code region}, attestation from the Nitro
 * Security Module. Mode local: a Unix socket, the local key ring as KMS and the INSECURE local attestation key. The
 * enclave has no DynamoDB, so its file has no {@code state.endpoint} (unlike every other service).
 *
 * @param vsockPort mode aws: the vsock port the enclave listens on (the agent's {@code enclave.port})
 * @param socket mode local: the Unix socket path (the agent's {@code enclave.socket}); null in mode aws
 * @param keyRingFile mode local: the local key ring (the tenants' keys and the canary's); null in mode aws
 * @param attestationKeyFile mode local: the local attestation key ({@code LocalAttestationKeyFile}); null in aws
 */
public record EnclaveServeConfig(Mode mode, String region, int vsockPort, Path socket, Optional<URI> kmsEndpoint,
    EnclaveServiceConfig service, Path keyRingFile, Path attestationKeyFile) {

  /** Declares and reads every key; problems go to {@code reader} (see {@link ConfigReader#finish}). */
  public static EnclaveServeConfig read(ConfigReader reader) {
    Mode mode = reader.choice("mode", null, Mode.class,
        "aws: vsock listener, AWS KMS and NSM attestation (inside a Nitro Enclave); local: a Unix socket, the local "
            + "key ring and the INSECURE local attestation key");
    String region = reader.string("region", "", "mode aws: the region of the KMS keys (required there)");
    ConfigReader listener = reader.section("listener");
    int vsockPort = listener.integer("vsockPort", VsockTransport.DEFAULT_PORT, 1, Integer.MAX_VALUE,
        "mode aws: the vsock port the enclave listens on; the agent's enclave.port");
    Optional<Path> socket = listener.optionalPath("socket",
        "mode local: the Unix socket the enclave listens on (required there); the agent's enclave.socket");
    ConfigReader kms = reader.section("kms");
    Optional<URI> kmsEndpoint = url(kms, kms.string("endpoint", "",
        "mode aws: KMS endpoint override, e.g. the in-enclave forwarder to the parent's vsock-proxy"));
    Duration kmsTimeout = kms.duration("timeout", EnclaveServiceConfig.DEFAULT_KMS_TIMEOUT,
        "how long one data-key fetch from KMS may take before the request fails with KMS_UNAVAILABLE; shorter than "
            + "the agent's enclave call timeout");
    ConfigReader local = reader.section("local");
    Optional<Path> keyRingFile = local.optionalPath("keyRingFile",
        "mode local: the local key ring file (INSECURE stand-in for KMS; required there)");
    Optional<Path> attestationKeyFile = local.optionalPath("attestationKeyFile",
        "mode local: the local attestation key (PEM, mode 0600, written by mrgc up --processes; required there)");
    if (mode == Mode.AWS && region.isEmpty()) {
      reader.problem("region", "missing; required in mode aws: the region of the KMS keys, e.g. us-east-1");
    }
    if (mode == Mode.LOCAL) {
      requireInLocalMode(listener, "socket", socket, "the Unix socket path");
      requireInLocalMode(local, "keyRingFile", keyRingFile, "the local key ring file");
      requireInLocalMode(local, "attestationKeyFile", attestationKeyFile, "the local attestation key file");
    }
    EnclaveServiceConfig service = reader.build("kms.timeout", () -> EnclaveServiceConfig.defaults()
        .withKmsTimeout(kmsTimeout).requireCompatibleWith(EnclaveClientConfig.defaults()));
    return new EnclaveServeConfig(mode, region, vsockPort, socket.orElse(null), kmsEndpoint, service,
        keyRingFile.orElse(null), attestationKeyFile.orElse(null));
  }

  /**
   * What the host lacks: in mode aws the Nitro Security Module device ({@code nsmDevice}, {@code /dev/nsm}: it
   * exists only inside an enclave), in mode local the attestation key file.
   */
  public List<String> hostProblems(Path nsmDevice) {
    List<String> lacking = new ArrayList<>();
    if (mode == Mode.AWS && !Files.exists(nsmDevice)) {
      lacking.add("mode aws but " + nsmDevice + " is missing: the enclave service runs inside a Nitro Enclave "
          + "(its Security Module device); on the parent instance run the agent, which starts the enclave's EIF");
    }
    if (mode == Mode.LOCAL && !Files.isReadable(attestationKeyFile)) {
      lacking.add("local.attestationKeyFile: " + attestationKeyFile + " does not exist or cannot be read; mrgc up "
          + "--processes writes it under .mrgc/deploy/");
    }
    return lacking;
  }

  /** Where the enclave listens, for logs: {@code vsock:5000} or the socket path. */
  public String endpoint() {
    return mode == Mode.AWS ? "vsock:" + vsockPort : socket.toString();
  }

  private static void requireInLocalMode(ConfigReader section, String key, Optional<Path> value, String what) {
    if (value.isEmpty()) {
      section.problem(key, "missing; required in mode local: " + what);
    }
  }

  private static Optional<URI> url(ConfigReader section, String text) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI uri = URI.create(text);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return Optional.of(uri);
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    section.problem("endpoint", "'" + text + "' is not allowed; allowed: an http(s) URL such as "
        + "https://127.0.0.1:8443");
    return Optional.empty();
  }
}
