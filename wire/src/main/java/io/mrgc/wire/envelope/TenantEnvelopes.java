package io.mrgc.wire.envelope;

import io.mrgc.wire.enclave.EnclaveException;

/**
 * The tenant side of the envelope format, for the tenant SDK: seal a request under a data key obtained from
 * GenerateDataKey (plaintext key + EDK), then open the enclave's response with the same data key. The caller owns
 * the data key and zeroes it when done.
 */
public final class TenantEnvelopes {
  /** A sealed request: the envelope bytes to send, and what its response must be bound to. */
  public record SealedRequest(byte[] envelope, ResponseBinding binding) {}

  private final EnvelopeCodec codec;

  public TenantEnvelopes() {
    this(new EnvelopeCodec());
  }

  public TenantEnvelopes(EnvelopeCodec codec) {
    this.codec = codec;
  }

  /**
   * Seals {@code plaintext} with a fresh random IV.
   *
   * @param dataKey the 32-byte plaintext data key
   * @param edk the encrypted data key (KMS CiphertextBlob) that the enclave will ask KMS to release
   * @throws EnclaveException MALFORMED when a header field breaks the envelope rules
   */
  public SealedRequest sealRequest(byte[] dataKey, byte[] edk, EnvelopeHeader header, byte[] plaintext)
      throws EnclaveException {
    RequestEnvelope env = EnvelopeCrypto.sealRequest(dataKey, header, edk, plaintext);
    byte[] bytes = codec.encode(env);
    if (bytes.length > codec.maxEnvelopeBytes()) {
      throw new EnclaveException(io.mrgc.wire.enclave.EnclaveErrorCode.MALFORMED,
          "sealed envelope is " + bytes.length + " bytes; the limit is " + codec.maxEnvelopeBytes());
    }
    return new SealedRequest(bytes, ResponseBinding.of(env));
  }

  /**
   * Opens the response to a request sealed with {@link #sealRequest}.
   *
   * @throws EnclaveException MALFORMED for a broken envelope, AEAD_FAILURE when it does not authenticate (tampered,
   *     or the response to another request)
   */
  public byte[] openResponse(byte[] dataKey, ResponseBinding binding, byte[] responseEnvelope)
      throws EnclaveException {
    return EnvelopeCrypto.openResponse(dataKey, binding, codec.parseResponse(responseEnvelope));
  }
}
