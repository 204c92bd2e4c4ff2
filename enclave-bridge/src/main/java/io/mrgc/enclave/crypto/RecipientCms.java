package io.mrgc.enclave.crypto;

import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Collection;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.cms.KeyTransRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.KeyTransRecipientInformation;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaAlgorithmParametersConverter;

/**
 * The CMS EnvelopedData that KMS returns as {@code CiphertextForRecipient} (reference/enclave.md §1): one
 * KeyTransRecipientInfo with RSAES-OAEP (SHA-256, MGF1-SHA-256) wrapping a content key, content in AES-256-CBC.
 * {@link #envelope} builds one (the local key ring and tests play KMS); {@link #open} opens one inside the enclave
 * and refuses any other algorithm choice.
 */
public final class RecipientCms {
  /** Largest CiphertextForRecipient accepted (a KMS answer for a 32-byte key is about 600 bytes). */
  public static final int MAX_CMS_BYTES = 16 * 1024;
  private static final Provider BC = new BouncyCastleProvider();

  private RecipientCms() {}

  /** Encrypts {@code content} to the RSA public key as KMS does. */
  public static byte[] envelope(PublicKey rsaPublicKey, byte[] content) {
    try {
      AlgorithmIdentifier oaep = new JcaAlgorithmParametersConverter().getAlgorithmIdentifier(
          PKCSObjectIdentifiers.id_RSAES_OAEP,
          new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
      byte[] keyId = Bytes.sha256(rsaPublicKey.getEncoded());
      CMSEnvelopedDataGenerator gen = new CMSEnvelopedDataGenerator();
      gen.addRecipientInfoGenerator(
          new JceKeyTransRecipientInfoGenerator(keyId, oaep, rsaPublicKey).setProvider(BC));
      return gen.generate(new CMSProcessableByteArray(content),
              new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_CBC).setProvider(BC).build())
          .getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException("building the CMS EnvelopedData failed: " + e.getClass().getSimpleName(), e);
    }
  }

  /**
   * Opens a CMS EnvelopedData with the enclave's RSA private key and returns the content (the data key).
   *
   * <p>Refuses, always with an {@link EnclaveException} (never an unchecked exception, which would take an enclave
   * worker down): no input or more than {@value #MAX_CMS_BYTES} bytes, anything that is not a well-formed
   * EnvelopedData (truncated, garbage, nesting deep enough to exhaust the parser's stack), another content or key
   * encryption algorithm or OAEP parameters than KMS uses, other than exactly one KeyTransRecipientInfo, an
   * encrypted key whose size is not the RSA modulus size, a content that does not open with this key or is not
   * {@code expectedContentBytes} long. Code {@link EnclaveErrorCode#INTERNAL} (an unusable KMS answer); the message
   * names the problem, never key material.
   *
   * @param expectedContentBytes the exact content length required (32 for a data key), or -1 for any
   */
  public static byte[] open(PrivateKey rsaPrivateKey, byte[] cms, int expectedContentBytes) throws EnclaveException {
    if (!(rsaPrivateKey instanceof RSAPrivateKey rsa)) {
      throw unusable("the enclave key is not an RSA private key");
    }
    if (cms == null || cms.length == 0 || cms.length > MAX_CMS_BYTES) {
      throw unusable("CiphertextForRecipient must be 1 to " + MAX_CMS_BYTES + " bytes, but was "
          + (cms == null ? 0 : cms.length));
    }
    try {
      byte[] content = openChecked(rsa, cms);
      if (expectedContentBytes >= 0 && content.length != expectedContentBytes) {
        Bytes.zero(content);
        throw unusable("CMS content must be " + expectedContentBytes + " bytes, but was " + content.length);
      }
      return content;
    } catch (EnclaveException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // BouncyCastle answers some malformed encodings with unchecked exceptions (or deep recursion)
      throw unusable("CiphertextForRecipient is not a well-formed CMS EnvelopedData");
    }
  }

  /** {@link #open(PrivateKey, byte[], int)} for any content length. */
  public static byte[] open(PrivateKey rsaPrivateKey, byte[] cms) throws EnclaveException {
    return open(rsaPrivateKey, cms, -1);
  }

  private static byte[] openChecked(RSAPrivateKey rsa, byte[] cms) throws EnclaveException {
    CMSEnvelopedData data;
    try {
      data = new CMSEnvelopedData(cms);
    } catch (CMSException e) {
      throw unusable("CiphertextForRecipient is not a CMS EnvelopedData");
    }
    ASN1ObjectIdentifier contentAlg = data.getContentEncryptionAlgorithm().getAlgorithm();
    if (!NISTObjectIdentifiers.id_aes256_CBC.equals(contentAlg)) {
      throw unusable("CMS content encryption must be AES-256-CBC, but was " + contentAlg);
    }
    Collection<RecipientInformation> recipients = data.getRecipientInfos().getRecipients();
    if (recipients.size() != 1 || !(recipients.iterator().next() instanceof KeyTransRecipientInformation)) {
      throw unusable("CMS must have exactly one KeyTransRecipientInfo");
    }
    RecipientInformation recipient = recipients.iterator().next();
    AlgorithmIdentifier keyAlg = recipient.getKeyEncryptionAlgorithm();
    if (!PKCSObjectIdentifiers.id_RSAES_OAEP.equals(keyAlg.getAlgorithm()) || keyAlg.getParameters() == null) {
      throw unusable("CMS key encryption must be RSAES-OAEP with parameters, but was " + keyAlg.getAlgorithm());
    }
    RSAESOAEPparams params = RSAESOAEPparams.getInstance(keyAlg.getParameters());
    AlgorithmIdentifier mgf = params.getMaskGenAlgorithm();
    if (!NISTObjectIdentifiers.id_sha256.equals(params.getHashAlgorithm().getAlgorithm())
        || !PKCSObjectIdentifiers.id_mgf1.equals(mgf.getAlgorithm()) || mgf.getParameters() == null
        || !NISTObjectIdentifiers.id_sha256.equals(AlgorithmIdentifier.getInstance(mgf.getParameters()).getAlgorithm())) {
      throw unusable("CMS RSAES-OAEP must use SHA-256 and MGF1-SHA-256");
    }
    int modulusBytes = (rsa.getModulus().bitLength() + 7) / 8;
    EnvelopedData structure = EnvelopedData.getInstance(data.toASN1Structure().getContent());
    int wrappedBytes = KeyTransRecipientInfo.getInstance(
        RecipientInfo.getInstance(structure.getRecipientInfos().getObjectAt(0)).getInfo())
        .getEncryptedKey().getOctets().length;
    if (wrappedBytes != modulusBytes) {
      throw unusable("CMS encrypted key must be " + modulusBytes + " bytes (the RSA modulus), but was " + wrappedBytes);
    }
    try {
      return recipient.getContent(new JceKeyTransEnvelopedRecipient(rsa).setProvider(BC));
    } catch (CMSException | RuntimeException e) {
      throw unusable("CMS EnvelopedData does not open with the enclave key");
    }
  }

  private static EnclaveException unusable(String why) {
    return new EnclaveException(EnclaveErrorCode.INTERNAL, "KMS answer unusable: " + why);
  }
}
