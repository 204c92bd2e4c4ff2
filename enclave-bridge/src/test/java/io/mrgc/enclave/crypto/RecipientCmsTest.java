package io.mrgc.enclave.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaAlgorithmParametersConverter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Finding 7 of issue #10: RecipientCms refuses every odd CiphertextForRecipient with a typed EnclaveException
 * (INTERNAL, "KMS answer unusable"), never an unchecked exception. Several of these inputs made the old code throw
 * NullPointerException or ClassCastException out of the enclave worker (e.g. OAEP without parameters).
 */
class RecipientCmsTest {
  static KeyPair rsa;
  static KeyPair otherRsa;
  static final byte[] KEY = new byte[32];

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    rsa = g.generateKeyPair();
    otherRsa = g.generateKeyPair();
    Arrays.fill(KEY, (byte) 7);
  }

  @Test
  void opensWhatKmsSends() throws Exception {
    assertThat(RecipientCms.open(rsa.getPrivate(), RecipientCms.envelope(rsa.getPublic(), KEY), 32)).isEqualTo(KEY);
  }

  @Test
  void refusesTruncatedGarbageEmptyAndHugeInputs() {
    byte[] cms = RecipientCms.envelope(rsa.getPublic(), KEY);
    for (int cut : new int[] {0, 1, 2, 10, cms.length / 2, cms.length - 1}) {
      unusable(() -> RecipientCms.open(rsa.getPrivate(), Arrays.copyOf(cms, cut)), "");
    }
    unusable(() -> RecipientCms.open(rsa.getPrivate(), null), "1 to 16384 bytes");
    unusable(() -> RecipientCms.open(rsa.getPrivate(), new byte[RecipientCms.MAX_CMS_BYTES + 1]), "16384");
    unusable(() -> RecipientCms.open(rsa.getPrivate(), "not DER at all".getBytes()), "");
    // a DER length that claims 2^31 bytes, and BER indefinite-length nesting thousands deep
    unusable(() -> RecipientCms.open(rsa.getPrivate(), new byte[] {0x30, (byte) 0x84, 0x7F, -1, -1, -1, 0}), "");
    byte[] deep = new byte[RecipientCms.MAX_CMS_BYTES];
    for (int i = 0; i + 1 < deep.length; i += 2) {
      deep[i] = 0x30;
      deep[i + 1] = (byte) 0x80;
    }
    unusable(() -> RecipientCms.open(rsa.getPrivate(), deep), "");
  }

  @Test
  void refusesOtherAlgorithmsAndParameters() throws Exception {
    unusable(() -> RecipientCms.open(rsa.getPrivate(), cms(CMSAlgorithm.AES128_CBC, oaep("SHA-256"))),
        "AES-256-CBC");
    unusable(() -> RecipientCms.open(rsa.getPrivate(), cms(CMSAlgorithm.AES256_CBC, oaep("SHA-1"))), "SHA-256");
    unusable(() -> RecipientCms.open(rsa.getPrivate(),
        cms(CMSAlgorithm.AES256_CBC, new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption))), "RSAES-OAEP");
    unusable(() -> RecipientCms.open(rsa.getPrivate(),
        cms(CMSAlgorithm.AES256_CBC, new AlgorithmIdentifier(PKCSObjectIdentifiers.id_RSAES_OAEP))), "");
  }

  @Test
  void refusesWrongKeysAndContentSizes() throws Exception {
    byte[] toOther = RecipientCms.envelope(otherRsa.getPublic(), KEY);
    unusable(() -> RecipientCms.open(rsa.getPrivate(), toOther), "does not open");
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    KeyPair small = g.generateKeyPair();
    unusable(() -> RecipientCms.open(rsa.getPrivate(), RecipientCms.envelope(small.getPublic(), KEY)),
        "RSA modulus");
    unusable(() -> RecipientCms.open(rsa.getPrivate(), RecipientCms.envelope(rsa.getPublic(), new byte[16]), 32),
        "must be 32 bytes");
    unusable(() -> RecipientCms.open(null, RecipientCms.envelope(rsa.getPublic(), KEY)), "not an RSA");
  }

  private static AlgorithmIdentifier oaep(String hash) throws Exception {
    MGF1ParameterSpec mgf = hash.equals("SHA-1") ? MGF1ParameterSpec.SHA1 : MGF1ParameterSpec.SHA256;
    return new JcaAlgorithmParametersConverter().getAlgorithmIdentifier(PKCSObjectIdentifiers.id_RSAES_OAEP,
        new OAEPParameterSpec(hash, "MGF1", mgf, PSource.PSpecified.DEFAULT));
  }

  private static byte[] cms(ASN1ObjectIdentifier contentAlg, AlgorithmIdentifier keyAlg) throws Exception {
    PublicKey pub = rsa.getPublic();
    CMSEnvelopedDataGenerator gen = new CMSEnvelopedDataGenerator();
    JceKeyTransRecipientInfoGenerator recipient = keyAlg.getParameters() == null
        && keyAlg.getAlgorithm().equals(PKCSObjectIdentifiers.rsaEncryption)
        ? new JceKeyTransRecipientInfoGenerator(Bytes.sha256(pub.getEncoded()), pub)
        : new JceKeyTransRecipientInfoGenerator(Bytes.sha256(pub.getEncoded()),
            keyAlg.getParameters() == null ? oaep("SHA-256") : keyAlg, pub);
    gen.addRecipientInfoGenerator(recipient.setProvider(new BouncyCastleProvider()));
    byte[] der = gen.generate(new CMSProcessableByteArray(KEY),
        new JceCMSContentEncryptorBuilder(contentAlg).setProvider(new BouncyCastleProvider()).build()).getEncoded();
    if (keyAlg.getParameters() == null && keyAlg.getAlgorithm().equals(PKCSObjectIdentifiers.id_RSAES_OAEP)) {
      return stripOaepParameters(der);
    }
    return der;
  }

  /** Rewrites the KeyTransRecipientInfo's algorithm to bare id-RSAES-OAEP without parameters. */
  private static byte[] stripOaepParameters(byte[] der) throws Exception {
    org.bouncycastle.asn1.cms.ContentInfo info = org.bouncycastle.asn1.cms.ContentInfo.getInstance(der);
    org.bouncycastle.asn1.cms.EnvelopedData ed = org.bouncycastle.asn1.cms.EnvelopedData.getInstance(info.getContent());
    org.bouncycastle.asn1.cms.KeyTransRecipientInfo k = org.bouncycastle.asn1.cms.KeyTransRecipientInfo.getInstance(
        org.bouncycastle.asn1.cms.RecipientInfo.getInstance(ed.getRecipientInfos().getObjectAt(0)).getInfo());
    org.bouncycastle.asn1.cms.KeyTransRecipientInfo bare = new org.bouncycastle.asn1.cms.KeyTransRecipientInfo(
        k.getRecipientIdentifier(), new AlgorithmIdentifier(PKCSObjectIdentifiers.id_RSAES_OAEP), k.getEncryptedKey());
    org.bouncycastle.asn1.cms.EnvelopedData rebuilt = new org.bouncycastle.asn1.cms.EnvelopedData(
        ed.getOriginatorInfo(), new org.bouncycastle.asn1.DERSet(new org.bouncycastle.asn1.cms.RecipientInfo(bare)),
        ed.getEncryptedContentInfo(), ed.getUnprotectedAttrs());
    return new org.bouncycastle.asn1.cms.ContentInfo(info.getContentType(), rebuilt).getEncoded();
  }

  static void unusable(ThrowingCallable call, String says) {
    assertThatThrownBy(call).isInstanceOf(EnclaveException.class).hasMessageContaining("KMS answer unusable")
        .hasMessageContaining(says)
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.INTERNAL));
  }
}
