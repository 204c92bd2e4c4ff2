package io.mrgc.enclave.client;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.envelope.TenantEnvelopes;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.DataKeySource;
import io.mrgc.wire.keys.EncryptionContexts;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Proves that an enclave (typically one just restarted) really works end to end: it seals a canary request under a
 * canary data key, has the enclave open it and seal the answer, and opens that answer. A restarted enclave has an
 * empty data-key cache, so the proof includes a fresh attestation document accepted by KMS (Decrypt with
 * Recipient). The canary key belongs to a system tenant that serves no traffic and protects no tenant data, so the
 * parent may hold its plaintext data key.
 */
public final class EnclaveCanary implements AutoCloseable {
  /** The system tenant that owns the canary key; not a valid API tenant (tenant ids of customers are theirs). */
  public static final String TENANT = "mrgc-canary";
  static final String MODEL = "canary";
  static final String PATH = "/canary";

  private final DataKey dataKey;
  private final TenantEnvelopes envelopes = new TenantEnvelopes();
  private final SecureRandom random = new SecureRandom();

  /** One GenerateDataKey call on {@code keyId} (a key of {@link #TENANT}); the data key serves every proof. */
  public EnclaveCanary(DataKeySource kms, String keyId) throws EnclaveException {
    this.dataKey = kms.generateDataKey(keyId, EncryptionContexts.forTenant(TENANT));
  }

  /** Returns when {@code enclave} decrypted a fresh canary request and sealed its answer; throws otherwise. */
  public void prove(EnclaveHandler enclave) throws EnclaveException {
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    String rid = "canary-" + HexFormat.of().formatHex(nonce);
    EnvelopeHeader header = new EnvelopeHeader(TENANT, dataKey.keyId(), MODEL, PATH, rid);
    byte[] question = rid.getBytes(StandardCharsets.UTF_8);
    TenantEnvelopes.SealedRequest sealed = envelopes.sealRequest(dataKey.plaintext(), dataKey.edk(), header, question);
    Decrypted opened = enclave.decryptRequest(new DecryptRequest(sealed.envelope(), TENANT, MODEL, PATH));
    if (!Arrays.equals(opened.plaintext(), question)) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "the enclave opened the canary to other bytes");
    }
    byte[] answer = envelopes.openResponse(dataKey.plaintext(), sealed.binding(),
        enclave.encryptResponse(opened.sessionId(), question));
    if (!Arrays.equals(answer, question)) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "the enclave sealed another canary answer");
    }
  }

  @Override
  public void close() {
    dataKey.close();
  }
}
