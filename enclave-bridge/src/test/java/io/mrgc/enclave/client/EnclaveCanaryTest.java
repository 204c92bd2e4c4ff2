package io.mrgc.enclave.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.enclave.service.EnclaveService;
import io.mrgc.enclave.service.EnclaveServiceConfig;
import io.mrgc.enclave.service.Fixture;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnclaveCanaryTest {
  @TempDir Path dir;

  @Test
  void aFreshEnclaveProvesItselfWithOneKmsDecrypt() throws Exception {
    Fixture fx = new Fixture(dir);
    try (EnclaveCanary canary = new EnclaveCanary(fx.ring, fx.ring.createKey(EnclaveCanary.TENANT));
        EnclaveService enclave = fx.service()) {
      canary.prove(enclave);
      canary.prove(enclave); // each proof is a new request (new rid), the key stays cached
      assertThat(enclave.kmsCalls()).isEqualTo(1);
    }
  }

  @Test
  void anEnclaveOfAnotherImageFailsTheProof() throws Exception {
    Fixture fx = new Fixture(dir);
    byte[] otherImage = Bytes.sha384("not-our-image".getBytes(StandardCharsets.UTF_8));
    try (EnclaveCanary canary = new EnclaveCanary(fx.ring, fx.ring.createKey(EnclaveCanary.TENANT));
        EnclaveService enclave = fx.service(EnclaveServiceConfig.defaults(), Fixture.attestationFor(otherImage))) {
      assertThatThrownBy(() -> canary.prove(enclave)).isInstanceOfSatisfying(EnclaveException.class,
          e -> assertThat(e.code()).isEqualTo(EnclaveErrorCode.KEY_REFUSED));
    }
  }

  @Test
  void theCanaryKeyMustBelongToTheCanaryTenant() throws Exception {
    Fixture fx = new Fixture(dir);
    // acme's key is bound to acme's encryption context: KMS refuses it for the canary tenant
    assertThatThrownBy(() -> new EnclaveCanary(fx.ring, fx.acmeKey)).isInstanceOf(EnclaveException.class);
  }
}
