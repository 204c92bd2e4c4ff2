package io.mrgc.enclave.envelope;

/**
 * A parsed request envelope: header, encrypted data key (EDK, opaque KMS ciphertext blob), 12-byte IV and
 * AES-256-GCM ciphertext||tag. The arrays are owned by the envelope; do not modify them.
 */
public record RequestEnvelope(EnvelopeHeader header, byte[] edk, byte[] iv, byte[] ct) {
  @Override
  public String toString() {
    return "RequestEnvelope[" + header + ", edk=" + edk.length + "B, ct=" + ct.length + "B]";
  }
}
