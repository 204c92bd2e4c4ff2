package io.mrgc.agent.service;

import io.mrgc.agent.enclave.NitroEnclaveControl;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.enclave.transport.VsockTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The agent's {@code enclave} section: how it reaches its enclave and, where it can, restarts it.
 *
 * @param transport vsock (mode aws: this instance's Nitro Enclave), unix (mode local: an enclave process of its own
 *     on a Unix socket; never restarted by the agent) or embedded (mode local: the local enclave in this process)
 * @param nitro vsock: what {@code nitro-cli run-enclave} is given; null otherwise
 * @param port vsock: the enclave's port
 * @param socket unix, embedded: the Unix socket; null with vsock
 * @param canaryKeyId vsock, embedded: the key of the system tenant {@code mrgc-canary} that proves a restarted
 *     enclave; empty with unix
 * @param keyRingFile embedded: the local key ring; null otherwise
 * @param attestationKeyFile embedded: the local attestation key; null otherwise
 */
public record AgentEnclaveConfig(Transport transport, NitroEnclaveControl.Settings nitro, int port, Path socket,
    String canaryKeyId, Path keyRingFile, Path attestationKeyFile) {
  /** How the agent reaches its enclave. */
  public enum Transport {
    VSOCK,
    UNIX,
    EMBEDDED
  }

  public static final int DEFAULT_CID = 16;
  public static final int DEFAULT_CPU_COUNT = 2;
  public static final int DEFAULT_MEMORY_MIB = 2048;
  public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofSeconds(60);

  static AgentEnclaveConfig read(ConfigReader enclave, Mode mode) {
    Transport transport = enclave.choice("transport", null, Transport.class,
        "vsock (mode aws): this instance's Nitro Enclave; unix (mode local): an enclave process (mrgc serve enclave) "
            + "on a Unix socket, which the agent cannot restart; embedded (mode local): the local enclave inside the "
            + "agent's process");
    int cid = enclave.integer("cid", DEFAULT_CID, 4, Integer.MAX_VALUE,
        "vsock: the enclave's CID, fixed at every boot (run-enclave --enclave-cid)");
    int port = enclave.integer("port", VsockTransport.DEFAULT_PORT, 1, Integer.MAX_VALUE,
        "vsock: the port the enclave listens on (the enclave's listener.vsockPort)");
    Optional<Path> eifPath = enclave.optionalPath("eifPath",
        "vsock: the enclave image file the agent boots and restarts (required there)");
    int cpuCount = enclave.integer("cpuCount", DEFAULT_CPU_COUNT, 1, 128,
        "vsock: vCPUs of the enclave (run-enclave --cpu-count; the enclave allocator must reserve them)");
    int memoryMib = enclave.integer("memoryMib", DEFAULT_MEMORY_MIB, 64, 1 << 20,
        "vsock: memory of the enclave in MiB (run-enclave --memory)");
    Duration bootTimeout = enclave.duration("bootTimeout", DEFAULT_BOOT_TIMEOUT,
        "vsock: how long a booted enclave may take to pass the canary (its first KMS decrypt)");
    Optional<Path> socket = enclave.optionalPath("socket",
        "unix, embedded: the enclave's Unix socket (required there; the enclave's listener.socket with unix)");
    String canaryKeyId = enclave.string("canaryKeyId", "",
        "vsock, embedded: the KMS key (local key ring key id locally) of the system tenant mrgc-canary, with which "
            + "a restarted enclave proves its first decrypt (required there)");
    Optional<Path> keyRingFile = enclave.optionalPath("localKeyRingFile",
        "embedded: the local key ring file, INSECURE stand-in for KMS (required there)");
    Optional<Path> attestationKeyFile = enclave.optionalPath("localAttestationKeyFile",
        "embedded: the local attestation key (PEM, mode 0600, written by mrgc up --processes; required there)");
    if (transport == null || mode == null) {
      return null;
    }
    if (mode == Mode.LOCAL && transport == Transport.VSOCK || mode == Mode.AWS && transport != Transport.VSOCK) {
      enclave.problem("transport", "'" + name(transport) + "' is not allowed in mode " + name(mode) + "; allowed: "
          + (mode == Mode.AWS ? "vsock" : "unix, embedded"));
      return null;
    }
    String with = "with transport " + name(transport) + ": ";
    if (transport == Transport.VSOCK) {
      require(enclave, "eifPath", eifPath.isPresent(), with + "the enclave image file (EIF)");
    } else {
      require(enclave, "socket", socket.isPresent(), with + "the enclave's Unix socket path");
    }
    if (transport != Transport.UNIX) {
      require(enclave, "canaryKeyId", !canaryKeyId.isEmpty(), with + "the key id of the system tenant mrgc-canary");
    }
    if (transport == Transport.EMBEDDED) {
      require(enclave, "localKeyRingFile", keyRingFile.isPresent(), with + "the local key ring file");
      require(enclave, "localAttestationKeyFile", attestationKeyFile.isPresent(),
          with + "the local attestation key file");
    }
    NitroEnclaveControl.Settings nitro = transport == Transport.VSOCK && eifPath.isPresent()
        ? new NitroEnclaveControl.Settings(eifPath.get(), cpuCount, memoryMib, cid, bootTimeout) : null;
    return new AgentEnclaveConfig(transport, nitro, port, socket.orElse(null), canaryKeyId,
        keyRingFile.orElse(null), attestationKeyFile.orElse(null));
  }

  /** What the host lacks for this section: the EIF (vsock) or the attestation key file (embedded). */
  List<String> hostProblems() {
    List<String> lacking = new ArrayList<>();
    if (transport == Transport.VSOCK && !Files.isRegularFile(nitro.eifPath())) {
      lacking.add("enclave.eifPath: " + nitro.eifPath() + " does not exist or is not a file");
    }
    if (transport == Transport.EMBEDDED && !Files.isReadable(attestationKeyFile)) {
      lacking.add("enclave.localAttestationKeyFile: " + attestationKeyFile + " does not exist or cannot be read; "
          + "mrgc up --processes writes it under .mrgc/deploy/");
    }
    return lacking;
  }

  private static void require(ConfigReader section, String key, boolean present, String what) {
    if (!present) {
      section.problem(key, "missing; required " + what);
    }
  }

  private static String name(Enum<?> constant) {
    return constant.name().toLowerCase(java.util.Locale.ROOT);
  }
}
