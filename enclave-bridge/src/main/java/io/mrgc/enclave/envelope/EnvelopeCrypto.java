package io.mrgc.enclave.envelope;

import io.mrgc.enclave.EnclaveErrorCode;
import io.mrgc.enclave.EnclaveException;
import io.mrgc.enclave.crypto.AesGcm;
import io.mrgc.enclave.crypto.Bytes;
import io.mrgc.enclave.crypto.LengthPrefixed;
import javax.crypto.AEADBadTagException;

/**
 * Seals and opens envelopes with a 32-byte data key (AES-256-GCM, random 96-bit IV, 128-bit tag). Used by the
 * tenant SDK ({@link TenantEnvelopes}) and by the enclave. The AAD is {@link #aad}. Failures to open are
 * {@link EnclaveErrorCode#AEAD_FAILURE} with no detail.
 */
public final class EnvelopeCrypto {
  /** The format tag that starts every AAD. */
  public static final String FORMAT_TAG = "mrgc-envelope/1";
  static final String AEAD_MESSAGE = "authenticated decryption failed";

  private EnvelopeCrypto() {}

  /**
   * The canonical AAD: length-prefixed (4-byte big-endian length, then bytes; strings UTF-8) sequence of
   * FORMAT_TAG, direction ("request"|"response"), tenant, kid, model, path, rid, SHA-256(EDK) (32 raw bytes).
   */
  public static byte[] aad(Direction direction, EnvelopeHeader h, byte[] edkSha256) {
    if (edkSha256 == null || edkSha256.length != 32) {
      throw new IllegalArgumentException("edkSha256 must be 32 bytes");
    }
    return new LengthPrefixed()
        .add(FORMAT_TAG)
        .add(direction.wireName())
        .add(h.tenant())
        .add(h.kid())
        .add(h.model())
        .add(h.path())
        .add(h.rid())
        .add(edkSha256)
        .toByteArray();
  }

  public static RequestEnvelope sealRequest(byte[] dataKey, EnvelopeHeader header, byte[] edk, byte[] plaintext)
      throws EnclaveException {
    EnvelopeCodec.checkHeader(header);
    if (edk == null || edk.length == 0 || edk.length > EnvelopeCodec.MAX_EDK_BYTES) {
      throw new EnclaveException(EnclaveErrorCode.MALFORMED,
          "edk must be 1 to " + EnvelopeCodec.MAX_EDK_BYTES + " bytes");
    }
    byte[] iv = AesGcm.randomIv();
    byte[] ct = AesGcm.seal(dataKey, iv, aad(Direction.REQUEST, header, Bytes.sha256(edk)), plaintext);
    return new RequestEnvelope(header, edk.clone(), iv, ct);
  }

  public static byte[] openRequest(byte[] dataKey, RequestEnvelope envelope) throws EnclaveException {
    byte[] aad = aad(Direction.REQUEST, envelope.header(), Bytes.sha256(envelope.edk()));
    return open(dataKey, envelope.iv(), aad, envelope.ct());
  }

  public static ResponseEnvelope sealResponse(byte[] dataKey, ResponseBinding binding, byte[] plaintext) {
    byte[] iv = AesGcm.randomIv();
    byte[] ct = AesGcm.seal(dataKey, iv, aad(Direction.RESPONSE, binding.header(), binding.edkSha256()), plaintext);
    return new ResponseEnvelope(binding.header(), iv, ct);
  }

  /**
   * Opens a response against the binding of the request it answers: the AAD is computed from the binding (the
   * request's fields), not from the response's header, so a response to another request does not open.
   */
  public static byte[] openResponse(byte[] dataKey, ResponseBinding binding, ResponseEnvelope envelope)
      throws EnclaveException {
    if (!binding.header().equals(envelope.header())) {
      throw new EnclaveException(EnclaveErrorCode.AEAD_FAILURE, AEAD_MESSAGE);
    }
    byte[] aad = aad(Direction.RESPONSE, binding.header(), binding.edkSha256());
    return open(dataKey, envelope.iv(), aad, envelope.ct());
  }

  private static byte[] open(byte[] dataKey, byte[] iv, byte[] aad, byte[] ct) throws EnclaveException {
    try {
      return AesGcm.open(dataKey, iv, aad, ct);
    } catch (AEADBadTagException | IllegalArgumentException e) {
      throw new EnclaveException(EnclaveErrorCode.AEAD_FAILURE, AEAD_MESSAGE);
    }
  }
}
