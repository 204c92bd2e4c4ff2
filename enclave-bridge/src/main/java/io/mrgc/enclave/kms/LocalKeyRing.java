package io.mrgc.enclave.kms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mrgc.enclave.attestation.AttestationDocument;
import io.mrgc.enclave.attestation.AttestationException;
import io.mrgc.enclave.attestation.AttestationVerifier;
import io.mrgc.enclave.attestation.LocalAttestationVerifier;
import io.mrgc.enclave.crypto.RecipientCms;
import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.crypto.LengthPrefixed;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.DataKeySource;
import io.mrgc.wire.keys.EncryptionContexts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's KMS, NOT SECURE: AES-256 master keys per tenant, kept in plaintext in a JSON file with owner-only
 * permissions. It behaves like KMS for MRGC's calls: {@link #generateDataKey} returns a random data key and its EDK;
 * {@link #decryptForRecipient} verifies the attestation document, applies the key policy (image measurement PCR0
 * equal to the allowed one and never all zeros) and returns the data key only as a CMS EnvelopedData to the RSA
 * key in the document (RSAES-OAEP SHA-256 / AES-256-CBC, as KMS does).
 *
 * <p>File: {@code {"format":"mrgc-local-keyring/1","warning":..,"keys":[{"keyId":"local:<tenant>:<n>",
 * "tenant":..,"createdAt":ISO-8601,"material":b64 32 bytes}]}}, written atomically (temp file + rename) with mode
 * 0600, re-read when it changes on disk (so keys created by another process are seen), and refused when group or
 * others may read it.
 *
 * <p>EDK: {@code 0x01 | u16 keyId length | keyId UTF-8 | 12-byte IV | AES-256-GCM(master, dataKey) (48 bytes)},
 * AAD = length-prefixed ("mrgc-local-edk/1", keyId, canonical encryption context).
 */
public final class LocalKeyRing implements DataKeySource, RecipientKms {
  public static final String FORMAT = "mrgc-local-keyring/1";
  private static final Logger LOG = LoggerFactory.getLogger(LocalKeyRing.class);
  private static final byte EDK_VERSION = 1;
  private static final String EDK_AAD_TAG = "mrgc-local-edk/1";
  private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Object CREATE_LOCK = new Object();
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Which enclave may receive data keys: the allowed image measurement (PCR0, 48 bytes, never all zeros) and the
   * verifier of attestation documents.
   */
  public record EnclavePolicy(byte[] allowedImageSha384, AttestationVerifier verifier) {
    public EnclavePolicy {
      if (allowedImageSha384 == null || allowedImageSha384.length != 48) {
        throw new IllegalArgumentException("allowedImageSha384 must be 48 bytes (96 hex digits)");
      }
      if (Bytes.allZero(allowedImageSha384)) {
        throw new IllegalArgumentException(
            "allowedImageSha384 must not be all zeros: that is the measurement of every debug-mode enclave");
      }
      if (verifier == null) {
        throw new IllegalArgumentException("verifier must be set");
      }
      allowedImageSha384 = allowedImageSha384.clone();
    }
  }

  /** What {@link #keys()} tells about a key; no key material. */
  public record KeyInfo(String keyId, String tenant, Instant createdAt) {}

  private record Entry(KeyInfo info, byte[] material) {}

  private final Path file;
  private final EnclavePolicy policy;
  private Map<String, Entry> keys = new LinkedHashMap<>();
  private long loadedStamp = Long.MIN_VALUE;

  /**
   * Opens (or creates, empty) the key ring at {@code file}.
   *
   * @param policy the enclave policy; null for a tenant-side ring that only generates data keys (then every
   *     decryptForRecipient is refused)
   * @throws IOException when the file cannot be read or written, is not a key ring, or is readable by others
   */
  public LocalKeyRing(Path file, EnclavePolicy policy) throws IOException {
    this.file = file.toAbsolutePath();
    this.policy = policy;
    Path dir = this.file.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    if (!Files.exists(this.file)) { // only a ring being made needs the lock: a reader (an enclave) may be read-only
      synchronized (CREATE_LOCK) {
        try (LockHandle ignored = lockFile()) {
          if (!Files.exists(this.file)) {
            write(new LinkedHashMap<>());
          }
        }
      }
    }
    reloadIfChanged();
    LOG.warn("NOT SECURE: LocalKeyRing {} keeps tenant master keys in a plaintext file; local mode and tests only",
        this.file);
  }

  /** The enclave side with a {@link LocalAttestationVerifier} trusting {@code trustedAttestationKey}. */
  public LocalKeyRing(Path file, byte[] allowedImageSha384, PublicKey trustedAttestationKey) throws IOException {
    this(file, new EnclavePolicy(allowedImageSha384, new LocalAttestationVerifier(trustedAttestationKey)));
  }

  public Path file() {
    return file;
  }

  /**
   * Creates a new AES-256 master key for the tenant and persists it.
   *
   * @return the key id, {@code local:<tenant>:<n>} with n = 1, 2, ... per tenant
   */
  public String createKey(String tenant) throws IOException {
    if (tenant == null || !TENANT.matcher(tenant).matches()) {
      throw new IllegalArgumentException(
          "tenant must be 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit");
    }
    String keyId;
    synchronized (CREATE_LOCK) {
      try (LockHandle ignored = lockFile()) {
        synchronized (this) {
          loadedStamp = Long.MIN_VALUE;
          reloadIfChanged();
          long n = keys.values().stream().filter(e -> e.info().tenant().equals(tenant)).count() + 1;
          keyId = "local:" + tenant + ":" + n;
          while (keys.containsKey(keyId)) {
            keyId = "local:" + tenant + ":" + (++n);
          }
          Map<String, Entry> next = new LinkedHashMap<>(keys);
          next.put(keyId, new Entry(new KeyInfo(keyId, tenant, Instant.now()), AesGcm.randomKey()));
          write(next);
          keys = next;
          loadedStamp = stamp();
        }
      }
    }
    LOG.info("local key ring: created key {} for tenant {}", keyId, tenant);
    return keyId;
  }

  public synchronized List<KeyInfo> keys() throws IOException {
    reloadIfChanged();
    return keys.values().stream().map(Entry::info).toList();
  }

  @Override
  public DataKey generateDataKey(String keyId, Map<String, String> encryptionContext) throws EnclaveException {
    Entry key = tenantKey(keyId, encryptionContext);
    byte[] dataKey = AesGcm.randomKey();
    byte[] idBytes = keyId.getBytes(StandardCharsets.UTF_8);
    byte[] iv = AesGcm.randomIv();
    byte[] sealed = AesGcm.seal(key.material(), iv, edkAad(keyId, encryptionContext), dataKey);
    ByteBuffer edk = ByteBuffer.allocate(1 + 2 + idBytes.length + iv.length + sealed.length);
    edk.put(EDK_VERSION).putShort((short) idBytes.length).put(idBytes).put(iv).put(sealed);
    return new DataKey(keyId, dataKey, edk.array());
  }

  @Override
  public byte[] decryptForRecipient(byte[] edk, String keyId, Map<String, String> encryptionContext,
      byte[] attestationDocument) throws EnclaveException {
    if (policy == null) {
      throw refused("this key ring has no enclave policy (tenant side only); it releases no data key");
    }
    ByteBuffer b = ByteBuffer.wrap(edk == null ? new byte[0] : edk);
    String edkKeyId;
    byte[] iv = new byte[AesGcm.IV_BYTES];
    byte[] sealed;
    try {
      if (b.get() != EDK_VERSION) {
        throw refused("invalid ciphertext: not a local key ring EDK");
      }
      int n = b.getShort() & 0xFFFF;
      if (n == 0 || n > 300) {
        throw refused("invalid ciphertext: bad key id length");
      }
      byte[] id = new byte[n];
      b.get(id).get(iv);
      edkKeyId = new String(id, StandardCharsets.UTF_8);
      sealed = new byte[b.remaining()];
      b.get(sealed);
    } catch (java.nio.BufferUnderflowException e) {
      throw refused("invalid ciphertext: truncated EDK");
    }
    if (keyId != null && !keyId.equals(edkKeyId)) {
      throw refused("incorrect key: the EDK is not under key " + keyId);
    }
    Entry key = tenantKey(edkKeyId, encryptionContext);
    RSAPublicKey recipient = checkAttestation(attestationDocument);
    byte[] dataKey = null;
    try {
      dataKey = AesGcm.open(key.material(), iv, edkAad(edkKeyId, encryptionContext), sealed);
      return RecipientCms.envelope(recipient, dataKey);
    } catch (AEADBadTagException | IllegalArgumentException e) {
      throw refused("invalid ciphertext: the EDK does not open under key " + edkKeyId
          + " with this encryption context");
    } finally {
      Bytes.zero(dataKey);
    }
  }

  private RSAPublicKey checkAttestation(byte[] document) throws EnclaveException {
    AttestationDocument doc;
    try {
      doc = policy.verifier().verify(document);
    } catch (AttestationException e) {
      throw refused("attestation document refused: " + e.getMessage());
    }
    byte[] pcr0 = doc.pcr0();
    if (pcr0 == null || Bytes.allZero(pcr0)) {
      throw refused("key policy: image measurement (PCR0) is all zeros, a debug-mode enclave; refused");
    }
    if (!Bytes.constantTimeEquals(pcr0, policy.allowedImageSha384())) {
      throw refused("key policy: image measurement (PCR0) is not the allowed enclave image");
    }
    try {
      PublicKey pk = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(doc.publicKey()));
      RSAPublicKey rsa = (RSAPublicKey) pk;
      if (rsa.getModulus().bitLength() != 2048) {
        throw refused("attestation public_key must be RSA-2048");
      }
      return rsa;
    } catch (java.security.GeneralSecurityException | ClassCastException e) {
      throw refused("attestation public_key is not a DER RSA SubjectPublicKeyInfo");
    }
  }

  private Entry tenantKey(String keyId, Map<String, String> encryptionContext) throws EnclaveException {
    Entry key;
    synchronized (this) {
      try {
        reloadIfChanged();
      } catch (IOException e) {
        throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE, "local key ring file cannot be read: "
            + e.getMessage());
      }
      key = keyId == null ? null : keys.get(keyId);
    }
    if (key == null) {
      throw refused("not found: no key " + keyId + " in the local key ring");
    }
    String tenant = EncryptionContexts.tenantOf(encryptionContext);
    if (tenant == null || !tenant.equals(key.info().tenant())) {
      throw refused("access denied: key " + keyId + " does not belong to the encryption context's tenant");
    }
    return key;
  }

  private static byte[] edkAad(String keyId, Map<String, String> encryptionContext) {
    return new LengthPrefixed().add(EDK_AAD_TAG).add(keyId).add(EncryptionContexts.canonical(encryptionContext))
        .toByteArray();
  }

  private static EnclaveException refused(String message) {
    return new EnclaveException(EnclaveErrorCode.KEY_REFUSED, message);
  }

  // ---- persistence ----

  /** Holds an exclusive lock on {@code <file>.lock} (between processes) until closed. */
  private record LockHandle(FileChannel channel) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  private LockHandle lockFile() throws IOException {
    Path lock = file.resolveSibling(file.getFileName() + ".lock");
    FileChannel ch = FileChannel.open(lock, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), ownerOnly());
    try {
      ch.lock();
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return new LockHandle(ch);
  }

  private long stamp() throws IOException {
    return Files.getLastModifiedTime(file).toMillis() * 31 + Files.size(file);
  }

  private void reloadIfChanged() throws IOException {
    long s = stamp();
    if (s == loadedStamp) {
      return;
    }
    if (isPosix()) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      for (PosixFilePermission p : perms) {
        if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
          throw new IOException("local key ring " + file + " is accessible by group or others; chmod 600 it");
        }
      }
    }
    JsonNode root = JSON.readTree(file.toFile());
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IOException(file + " is not a local key ring (format " + FORMAT + ")");
    }
    Map<String, Entry> loaded = new LinkedHashMap<>();
    for (JsonNode k : root.path("keys")) {
      String keyId = k.path("keyId").asText();
      String tenant = k.path("tenant").asText();
      byte[] material;
      try {
        material = Base64.getDecoder().decode(k.path("material").asText());
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": key " + keyId + " has material that is not base64");
      }
      if (material.length != AesGcm.KEY_BYTES || !keyId.startsWith("local:" + tenant + ":")) {
        throw new IOException(file + ": key " + keyId + " is malformed");
      }
      loaded.put(keyId, new Entry(new KeyInfo(keyId, tenant, Instant.parse(k.path("createdAt").asText())), material));
    }
    keys = loaded;
    loadedStamp = s;
  }

  /**
   * The replacement keeps the owner of the file it replaces: a key ring handed to another user (the containers'
   * service user, which the enclaves run as) stays readable by it after the tenant admin adds a key.
   */
  private void keepOwner(Path replacement) throws IOException {
    if (!isPosix() || !Files.exists(file)) {
      return;
    }
    Object uid = Files.getAttribute(file, "unix:uid");
    Object gid = Files.getAttribute(file, "unix:gid");
    if (!uid.equals(Files.getAttribute(replacement, "unix:uid"))
        || !gid.equals(Files.getAttribute(replacement, "unix:gid"))) {
      Files.setAttribute(replacement, "unix:uid", uid); // only root may; others own what they write anyway
      Files.setAttribute(replacement, "unix:gid", gid);
    }
  }

  private void write(Map<String, Entry> entries) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("warning", "NOT SECURE: local-mode key ring with plaintext master keys. Never use for real data.");
    ArrayNode arr = root.putArray("keys");
    for (Entry e : entries.values()) {
      arr.addObject()
          .put("keyId", e.info().keyId())
          .put("tenant", e.info().tenant())
          .put("createdAt", e.info().createdAt().toString())
          .put("material", Base64.getEncoder().encodeToString(e.material()));
    }
    Path dir = file.getParent();
    Path tmp = isPosix()
        ? Files.createTempFile(dir, file.getFileName().toString(), ".tmp", ownerOnly())
        : Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
      keepOwner(tmp);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private boolean isPosix() {
    return file.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private FileAttribute<?>[] ownerOnly() {
    return isPosix() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
        : new FileAttribute<?>[0];
  }

  @Override
  public String toString() {
    return "LocalKeyRing[" + file + "]";
  }
}
