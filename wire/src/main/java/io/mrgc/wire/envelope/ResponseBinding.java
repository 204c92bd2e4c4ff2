package io.mrgc.wire.envelope;

import io.mrgc.wire.crypto.Bytes;

/**
 * What a response is bound to: the request's header fields, the SHA-256 of the request's EDK and (v=2) the
 * SHA-256 of the request's IV || ciphertext. The enclave keeps it in the session; the tenant keeps it from
 * {@link TenantEnvelopes#sealRequest}. Contains no secret.
 *
 * @param requestDigest SHA-256(request IV || request ciphertext), 32 bytes; null for a v=1 request (v=1 responses
 *     do not bind it)
 */
public record ResponseBinding(EnvelopeHeader header, byte[] edkSha256, byte[] requestDigest) {
  public static ResponseBinding of(RequestEnvelope request) {
    return new ResponseBinding(request.header(), Bytes.sha256(request.edk()),
        request.header().version() >= 2 ? request.requestDigest() : null);
  }
}
