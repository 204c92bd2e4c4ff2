package io.mrgc.cluster.deploy;

import io.mrgc.cluster.LocalFoundation;
import io.mrgc.cluster.TenantAdmin;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.state.StateClient;
import io.mrgc.wire.keys.DataKeySource;
import java.net.URI;
import java.nio.file.Path;

/**
 * What a local deployment of services ({@code --processes}, {@code --containers}) offers its operator and tests
 * beside the services: the stand-ins for what AWS holds (DynamoDB, the key ring for KMS, the local CA).
 */
public interface LocalDeployment {
  /** DynamoDB (Local) and the local CA. */
  LocalFoundation foundation();

  /** The key ring standing for KMS. */
  LocalKeyRing keyRing();

  default TenantAdmin.Credentials createTenant(String tenantId, TenantAdmin.TenantSettings settings) {
    return foundation().tenantAdmin(keyRing()).create(tenantId, settings);
  }

  /** The tenant side of the key ring (GenerateDataKey), what the SDK uses against this deployment. */
  default DataKeySource tenantKeySource() {
    return keyRing();
  }

  /** The CA tenants trust, or null for plaintext. */
  default Path caCertificate() {
    return foundation().caCertificate();
  }

  /** DynamoDB Local as this host reaches it: for {@code mrgc status} and the SRE commands. */
  default URI stateEndpoint() {
    return foundation().stateEndpoint();
  }

  default StateClient stateClient(String region) {
    return foundation().stateClient(region);
  }
}
