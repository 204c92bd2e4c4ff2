package io.mrgc.wire.envelope;

import io.mrgc.wire.crypto.Bytes;

/**
 * A parsed request envelope: header, encrypted data key (EDK, opaque KMS ciphertext blob), 12-byte IV and
 * AES-256-GCM ciphertext||tag. The arrays are owned by the envelope; do not modify them.
 */
public record RequestEnvelope(EnvelopeHeader header, byte[] edk, byte[] iv, byte[] ct) {
  /**
   * SHA-256(IV || ciphertext): what a v=2 response's AAD binds, so a response cannot be swapped for the response to
   * another request under the same data key.
   */
  public byte[] requestDigest() {
    byte[] both = new byte[iv.length + ct.length];
    System.arraycopy(iv, 0, both, 0, iv.length);
    System.arraycopy(ct, 0, both, iv.length, ct.length);
    return Bytes.sha256(both);
  }

  @Override
  public String toString() {
    return "RequestEnvelope[" + header + ", edk=" + edk.length + "B, ct=" + ct.length + "B]";
  }
}
