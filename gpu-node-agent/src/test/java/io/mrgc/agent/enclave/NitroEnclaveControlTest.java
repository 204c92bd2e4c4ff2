package io.mrgc.agent.enclave;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import io.mrgc.enclave.client.EnclaveCanary;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.enclave.service.EnclaveService;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The car wash's restart of a Nitro Enclave: the nitro-cli command lines, run by a recorder (nothing is run). */
class NitroEnclaveControlTest {
  private static final NitroEnclaveControl.Settings SETTINGS = new NitroEnclaveControl.Settings(
      Path.of("/opt/mrgc/enclave.eif"), 2, 2048, 16, Duration.ofSeconds(5));
  @TempDir
  Path dir;
  private final List<List<String>> ran = new ArrayList<>();
  private EnclaveService enclave;
  private EnclaveCanary canary;

  @BeforeEach
  void enclaveAndCanary() throws Exception {
    KeyPair signing = LocalAttestationProvider.newSigningKey();
    byte[] image = LocalAttestationProvider.localImageMeasurement();
    LocalKeyRing keyRing = new LocalKeyRing(dir.resolve("keyring.json"), image, signing.getPublic());
    // Stands for the booted enclave the vsock client reaches: the same service, in this process.
    enclave = new EnclaveService(keyRing, new LocalAttestationProvider(image, signing, java.time.Clock.systemUTC()));
    canary = new EnclaveCanary(keyRing, keyRing.createKey(EnclaveCanary.TENANT));
  }

  @AfterEach
  void close() {
    canary.close();
    enclave.close();
  }

  @Test
  void theCommandLinesNameTheEifCpusMemoryAndAFixedCid() {
    NitroEnclaveControl control = new NitroEnclaveControl(SETTINGS, canary, enclave, ran::add);
    assertThat(control.terminateCommand()).containsExactly("nitro-cli", "terminate-enclave", "--all");
    assertThat(control.runCommand()).containsExactly("nitro-cli", "run-enclave", "--eif-path",
        "/opt/mrgc/enclave.eif", "--cpu-count", "2", "--memory", "2048", "--enclave-cid", "16");
    assertThat(String.join(" ", control.runCommand())).doesNotContain("debug");
  }

  @Test
  void aRestartTerminatesRunsAndWaitsForTheCanaryWhileTheEnclaveBoots() throws Exception {
    AtomicInteger refusals = new AtomicInteger(2); // booting: the first calls find nobody listening
    EnclaveHandler booting = new EnclaveHandler() {
      @Override
      public Decrypted decryptRequest(DecryptRequest request) throws EnclaveException {
        if (refusals.getAndDecrement() > 0) {
          throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "connection refused");
        }
        return enclave.decryptRequest(request);
      }

      @Override
      public byte[] encryptResponse(String sessionId, byte[] plaintext) throws EnclaveException {
        return enclave.encryptResponse(sessionId, plaintext);
      }

      @Override
      public void ping() {}
    };
    NitroEnclaveControl control = new NitroEnclaveControl(SETTINGS, canary, booting, ran::add);
    control.restart();
    assertThat(ran).containsExactly(control.terminateCommand(), control.runCommand());
    assertThat(refusals.get()).isNegative();
  }

  @Test
  void aFailedCommandFailsTheRestart() {
    NitroEnclaveControl control = new NitroEnclaveControl(SETTINGS, canary, enclave, command -> {
      throw new IOException(String.join(" ", command) + " exited 1: E19 no enclave allocator");
    });
    assertThatThrownBy(control::restart).isInstanceOf(IOException.class)
        .hasMessage("nitro-cli terminate-enclave --all exited 1: E19 no enclave allocator");
  }

  @Test
  void anEnclaveThatNeverPassesTheCanaryFailsTheRestartAfterTheBootTimeout() {
    NitroEnclaveControl.Settings quick = new NitroEnclaveControl.Settings(SETTINGS.eifPath(), 2, 2048, 16,
        Duration.ofMillis(600));
    EnclaveHandler dead = new EnclaveHandler() {
      @Override
      public Decrypted decryptRequest(DecryptRequest request) throws EnclaveException {
        throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "connection refused");
      }

      @Override
      public byte[] encryptResponse(String sessionId, byte[] plaintext) throws EnclaveException {
        throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "connection refused");
      }

      @Override
      public void ping() {}
    };
    assertThatThrownBy(new NitroEnclaveControl(quick, canary, dead, ran::add)::restart)
        .isInstanceOf(EnclaveException.class)
        .hasMessageContaining("the enclave booted from /opt/mrgc/enclave.eif did not pass the canary within 600 ms");
  }
}
