package io.mrgc.wire.envelope;

import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.crypto.LengthPrefixed;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import javax.crypto.AEADBadTagException;

/**
 * Seals and opens envelopes with a 32-byte data key (AES-256-GCM, random 96-bit IV, 128-bit tag). Used by the
 * tenant SDK ({@link TenantEnvelopes}) and by the enclave. The AAD is {@link #aad}; a v=2 response's AAD binds the
 * request's IV and ciphertext, so a response opens only against the very request it answers. Failures to open are
 * {@link EnclaveErrorCode#AEAD_FAILURE} with no detail.
 */
public final class EnvelopeCrypto {
  /** The format tag that starts every v=1 AAD. */
  public static final String FORMAT_TAG = "mrgc-envelope/1";
  /** The format tag that starts every v=2 AAD (a v=1 ciphertext can never be read as v=2, nor the reverse). */
  public static final String FORMAT_TAG_V2 = "mrgc-envelope/2";
  static final String AEAD_MESSAGE = "authenticated decryption failed";

  private EnvelopeCrypto() {}

  /**
   * The canonical AAD: length-prefixed (4-byte big-endian length, then bytes; strings UTF-8) sequence of the format
   * tag, direction ("request"|"response"), tenant, kid, model, path, rid, then for v=2 the timestamp (8 bytes,
   * big-endian), then SHA-256(EDK) (32 raw bytes), then for a v=2 response SHA-256(request IV || request ct).
   *
   * @param requestDigest required for a v=2 response, ignored otherwise
   */
  public static byte[] aad(Direction direction, EnvelopeHeader h, byte[] edkSha256, byte[] requestDigest) {
    if (edkSha256 == null || edkSha256.length != 32) {
      throw new IllegalArgumentException("edkSha256 must be 32 bytes");
    }
    boolean v2 = h.version() >= 2;
    LengthPrefixed aad = new LengthPrefixed()
        .add(v2 ? FORMAT_TAG_V2 : FORMAT_TAG)
        .add(direction.wireName())
        .add(h.tenant())
        .add(h.kid())
        .add(h.model())
        .add(h.path())
        .add(h.rid());
    if (v2) {
      aad.add(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(h.ts()).array());
    }
    aad.add(edkSha256);
    if (v2 && direction == Direction.RESPONSE) {
      if (requestDigest == null || requestDigest.length != 32) {
        throw new IllegalArgumentException("a v=2 response binds the 32-byte SHA-256 of the request's IV and ct");
      }
      aad.add(requestDigest);
    }
    return aad.toByteArray();
  }

  public static RequestEnvelope sealRequest(byte[] dataKey, EnvelopeHeader header, byte[] edk, byte[] plaintext)
      throws EnclaveException {
    EnvelopeCodec.checkHeader(header);
    if (edk == null || edk.length == 0 || edk.length > EnvelopeCodec.MAX_EDK_BYTES) {
      throw new EnclaveException(EnclaveErrorCode.MALFORMED,
          "edk must be 1 to " + EnvelopeCodec.MAX_EDK_BYTES + " bytes");
    }
    byte[] iv = AesGcm.randomIv();
    byte[] ct = AesGcm.seal(dataKey, iv, aad(Direction.REQUEST, header, Bytes.sha256(edk), null), plaintext);
    return new RequestEnvelope(header, edk.clone(), iv, ct);
  }

  public static byte[] openRequest(byte[] dataKey, RequestEnvelope envelope) throws EnclaveException {
    byte[] aad = aad(Direction.REQUEST, envelope.header(), Bytes.sha256(envelope.edk()), null);
    return open(dataKey, envelope.iv(), aad, envelope.ct());
  }

  public static ResponseEnvelope sealResponse(byte[] dataKey, ResponseBinding binding, byte[] plaintext) {
    byte[] iv = AesGcm.randomIv();
    byte[] ct = AesGcm.seal(dataKey, iv, responseAad(binding), plaintext);
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
    return open(dataKey, envelope.iv(), responseAad(binding), envelope.ct());
  }

  private static byte[] responseAad(ResponseBinding binding) {
    return aad(Direction.RESPONSE, binding.header(), binding.edkSha256(), binding.requestDigest());
  }

  private static byte[] open(byte[] dataKey, byte[] iv, byte[] aad, byte[] ct) throws EnclaveException {
    try {
      return AesGcm.open(dataKey, iv, aad, ct);
    } catch (AEADBadTagException | IllegalArgumentException e) {
      throw new EnclaveException(EnclaveErrorCode.AEAD_FAILURE, AEAD_MESSAGE);
    }
  }
}
