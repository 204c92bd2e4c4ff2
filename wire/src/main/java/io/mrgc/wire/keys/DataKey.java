package io.mrgc.wire.keys;

import io.mrgc.wire.crypto.Bytes;

/**
 * A data key from GenerateDataKey: the 32-byte plaintext key (secret) and the encrypted data key (EDK, the KMS
 * CiphertextBlob to put in envelopes), under {@code keyId}. {@link #close()} zeroes the plaintext. toString never
 * shows the key.
 */
public final class DataKey implements AutoCloseable {
  private final String keyId;
  private final byte[] plaintext;
  private final byte[] edk;

  public DataKey(String keyId, byte[] plaintext, byte[] edk) {
    this.keyId = keyId;
    this.plaintext = plaintext;
    this.edk = edk;
  }

  public String keyId() {
    return keyId;
  }

  /** The plaintext key itself (not a copy): do not keep it beyond this object's life. */
  public byte[] plaintext() {
    return plaintext;
  }

  public byte[] edk() {
    return edk.clone();
  }

  @Override
  public void close() {
    Bytes.zero(plaintext);
  }

  @Override
  public String toString() {
    return "DataKey[keyId=" + keyId + ", edk=" + edk.length + "B]";
  }
}
