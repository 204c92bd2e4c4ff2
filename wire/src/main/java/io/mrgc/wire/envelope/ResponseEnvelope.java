package io.mrgc.wire.envelope;

/** A parsed response envelope: the request's header (without the EDK), a fresh 12-byte IV and ciphertext||tag. */
public record ResponseEnvelope(EnvelopeHeader header, byte[] iv, byte[] ct) {
  @Override
  public String toString() {
    return "ResponseEnvelope[" + header + ", ct=" + ct.length + "B]";
  }
}
