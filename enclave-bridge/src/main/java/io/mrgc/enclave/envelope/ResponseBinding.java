package io.mrgc.enclave.envelope;

import io.mrgc.enclave.crypto.Bytes;

/**
 * What a response is bound to: the request's header fields and the SHA-256 of the request's EDK. The enclave keeps
 * it in the session; the tenant keeps it from {@link TenantEnvelopes#sealRequest}. Contains no secret.
 */
public record ResponseBinding(EnvelopeHeader header, byte[] edkSha256) {
  public static ResponseBinding of(RequestEnvelope request) {
    return new ResponseBinding(request.header(), Bytes.sha256(request.edk()));
  }

  public static ResponseBinding of(EnvelopeHeader header, byte[] edk) {
    return new ResponseBinding(header, Bytes.sha256(edk));
  }
}
