package io.mrgc.enclave.service;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.attestation.AttestationProvider;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.envelope.TenantEnvelopes;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.EncryptionContexts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/** Shared test setup: a local key ring with tenants acme and globex, the local attestation, a fake clock. */
public final class Fixture {
  public static final byte[] IMAGE = Bytes.sha384("mrgc-enclave-image-under-test".getBytes(StandardCharsets.UTF_8));
  public static final String MODEL = "minilm";
  public static final String PATH = "/v1/embeddings";
  private static final KeyPair SIGNING = LocalAttestationProvider.newSigningKey();

  public final LocalKeyRing ring;
  public final LocalAttestationProvider attestation;
  public final String acmeKey;
  public final String globexKey;
  public final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  /** The enclave's wall clock (epoch ms); starts now, so envelopes sealed now are fresh. */
  public final AtomicLong millis = new AtomicLong(System.currentTimeMillis());
  public final TenantEnvelopes tenant = new TenantEnvelopes();

  public Fixture(Path dir) throws IOException {
    attestation = attestationFor(IMAGE);
    ring = new LocalKeyRing(dir.resolve("keyring.json"), IMAGE, SIGNING.getPublic());
    acmeKey = ring.createKey("acme");
    globexKey = ring.createKey("globex");
  }

  /** A local attestation provider signed by the key the ring trusts, claiming {@code image}. */
  public static LocalAttestationProvider attestationFor(byte[] image) {
    return new LocalAttestationProvider(image, SIGNING, Clock.systemUTC());
  }

  public EnclaveService service() {
    return service(EnclaveServiceConfig.defaults());
  }

  public EnclaveService service(EnclaveServiceConfig config) {
    return service(config, attestation);
  }

  public EnclaveService service(EnclaveServiceConfig config, AttestationProvider provider) {
    return new EnclaveService(ring, provider, config, nanos::get, millis::get);
  }

  public DataKey dataKey(String tenant, String keyId) throws EnclaveException {
    return ring.generateDataKey(keyId, EncryptionContexts.forTenant(tenant));
  }

  public static EnvelopeHeader header(String tenant, String kid, String rid) {
    return new EnvelopeHeader(tenant, kid, MODEL, PATH, rid);
  }

  public TenantEnvelopes.SealedRequest seal(DataKey key, EnvelopeHeader header, String plaintext)
      throws EnclaveException {
    return tenant.sealRequest(key.plaintext(), key.edk(), header, plaintext.getBytes(StandardCharsets.UTF_8));
  }

  public static DecryptRequest asTenant(byte[] envelope, String tenant) {
    return new DecryptRequest(envelope, tenant, MODEL, PATH);
  }
}
