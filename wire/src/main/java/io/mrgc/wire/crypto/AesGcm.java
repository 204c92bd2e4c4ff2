package io.mrgc.wire.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** AES-256-GCM with 96-bit IVs and 128-bit tags. Output is ciphertext||tag. */
public final class AesGcm {
  public static final int KEY_BYTES = 32;
  public static final int IV_BYTES = 12;
  public static final int TAG_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private AesGcm() {}

  public static byte[] randomIv() {
    byte[] iv = new byte[IV_BYTES];
    RANDOM.nextBytes(iv);
    return iv;
  }

  public static byte[] randomKey() {
    byte[] key = new byte[KEY_BYTES];
    RANDOM.nextBytes(key);
    return key;
  }

  public static byte[] seal(byte[] key, byte[] iv, byte[] aad, byte[] plaintext) {
    checkKeyAndIv(key, iv);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, iv));
      c.updateAAD(aad);
      return c.doFinal(plaintext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed: " + e.getClass().getSimpleName());
    }
  }

  /**
   * Opens ciphertext||tag.
   *
   * @throws AEADBadTagException when the tag does not verify (tampering, wrong key, IV or AAD)
   */
  public static byte[] open(byte[] key, byte[] iv, byte[] aad, byte[] ciphertextAndTag) throws AEADBadTagException {
    checkKeyAndIv(key, iv);
    if (ciphertextAndTag.length < TAG_BYTES) {
      throw new AEADBadTagException("ciphertext shorter than the tag");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, iv));
      c.updateAAD(aad);
      return c.doFinal(ciphertextAndTag);
    } catch (AEADBadTagException e) {
      throw new AEADBadTagException("tag mismatch");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM decryption failed: " + e.getClass().getSimpleName());
    }
  }

  private static void checkKeyAndIv(byte[] key, byte[] iv) {
    if (key == null || key.length != KEY_BYTES) {
      throw new IllegalArgumentException("AES-256-GCM needs a 32-byte key");
    }
    if (iv == null || iv.length != IV_BYTES) {
      throw new IllegalArgumentException("AES-GCM IV must be 12 bytes");
    }
  }
}
