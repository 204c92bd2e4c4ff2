package io.mrgc.enclave.crypto;

import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Collection;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
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
   * Opens a CMS EnvelopedData with the enclave's RSA private key.
   *
   * @throws IllegalArgumentException when it is not a well-formed EnvelopedData of the expected shape, or does not
   *     open with this key (the message names the problem, never key material)
   */
  public static byte[] open(PrivateKey rsaPrivateKey, byte[] cms) {
    CMSEnvelopedData data;
    try {
      data = new CMSEnvelopedData(cms);
    } catch (CMSException | RuntimeException e) {
      throw new IllegalArgumentException("CiphertextForRecipient is not a CMS EnvelopedData");
    }
    ASN1ObjectIdentifier contentAlg = data.getContentEncryptionAlgorithm().getAlgorithm();
    if (!NISTObjectIdentifiers.id_aes256_CBC.equals(contentAlg)) {
      throw new IllegalArgumentException("CMS content encryption must be AES-256-CBC, but was " + contentAlg);
    }
    Collection<RecipientInformation> recipients = data.getRecipientInfos().getRecipients();
    if (recipients.size() != 1 || !(recipients.iterator().next() instanceof KeyTransRecipientInformation)) {
      throw new IllegalArgumentException("CMS must have exactly one KeyTransRecipientInfo");
    }
    RecipientInformation recipient = recipients.iterator().next();
    AlgorithmIdentifier keyAlg = recipient.getKeyEncryptionAlgorithm();
    if (!PKCSObjectIdentifiers.id_RSAES_OAEP.equals(keyAlg.getAlgorithm())) {
      throw new IllegalArgumentException("CMS key encryption must be RSAES-OAEP, but was " + keyAlg.getAlgorithm());
    }
    RSAESOAEPparams params = RSAESOAEPparams.getInstance(keyAlg.getParameters());
    if (!NISTObjectIdentifiers.id_sha256.equals(params.getHashAlgorithm().getAlgorithm())
        || !PKCSObjectIdentifiers.id_mgf1.equals(params.getMaskGenAlgorithm().getAlgorithm())
        || !NISTObjectIdentifiers.id_sha256.equals(
            AlgorithmIdentifier.getInstance(params.getMaskGenAlgorithm().getParameters()).getAlgorithm())) {
      throw new IllegalArgumentException("CMS RSAES-OAEP must use SHA-256 and MGF1-SHA-256");
    }
    try {
      return recipient.getContent(new JceKeyTransEnvelopedRecipient(rsaPrivateKey).setProvider(BC));
    } catch (CMSException | RuntimeException e) {
      throw new IllegalArgumentException("CMS EnvelopedData does not open with the enclave key");
    }
  }
}
