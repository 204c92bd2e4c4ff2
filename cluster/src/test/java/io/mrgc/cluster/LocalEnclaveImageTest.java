package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.enclave.attestation.LocalAttestationProvider;
import org.junit.jupiter.api.Test;

/**
 * mrgc up (one JVM) and the services of mrgc up --processes (the agent's embedded enclave, mrgc serve enclave) claim
 * the same local enclave image, so a key ring written by one is usable by the others.
 */
class LocalEnclaveImageTest {
  @Test
  void theClusterAndTheServicesClaimTheSameLocalImageMeasurement() {
    assertThat(LocalCluster.LOCAL_ENCLAVE_IMAGE).isEqualTo(LocalAttestationProvider.localImageMeasurement());
  }
}
