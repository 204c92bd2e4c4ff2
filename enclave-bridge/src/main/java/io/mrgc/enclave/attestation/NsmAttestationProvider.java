package io.mrgc.enclave.attestation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Attestation from the Nitro Security Module, {@code /dev/nsm}, by ioctl through JNA (reference/enclave.md §4;
 * aws-nitro-enclaves-nsm-api src/driver/mod.rs). The request is the CBOR
 * {@code {"Attestation": {"user_data": null, "nonce": null, "public_key": <bytes>}}} in an iovec, the response
 * (at most 0x3000 bytes) is {@code {"Attestation": {"document": <COSE_Sign1 bytes>}}} or {@code {"Error": ..}}.
 * The ioctl is {@code _IOWR(0x0A, 0, struct nsm_message)} with {@code struct nsm_message { struct iovec request;
 * struct iovec response; }} (32 bytes on 64-bit Linux). Only works inside a Nitro Enclave.
 */
public final class NsmAttestationProvider implements AttestationProvider {
  public static final Path DEFAULT_DEVICE = Path.of("/dev/nsm");
  static final int MAX_REQUEST = 0x1000;
  static final int MAX_RESPONSE = 0x3000;
  /** _IOWR(0x0A, 0, 32): dir 3 << 30 | size 32 << 16 | magic 0x0A << 8 | nr 0. */
  static final long NSM_IOCTL_REQUEST = (3L << 30) | (32L << 16) | (0x0AL << 8);
  private static final int O_RDWR = 2;

  interface LibC extends Library {
    int open(String path, int flags) throws LastErrorException;

    int ioctl(int fd, NativeLong request, Pointer arg) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  private final Path device;
  private volatile LibC libc;

  /** Uses {@code /dev/nsm}. */
  public NsmAttestationProvider() throws EnclaveException {
    this(DEFAULT_DEVICE);
  }

  /**
   * @throws EnclaveException INTERNAL when the device does not exist (not inside a Nitro Enclave)
   */
  public NsmAttestationProvider(Path device) throws EnclaveException {
    this.device = device;
    if (!Files.exists(device)) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, device + " does not exist: NsmAttestationProvider "
          + "works only inside a Nitro Enclave. Outside AWS use LocalAttestationProvider (local mode, INSECURE).");
    }
  }

  @Override
  public byte[] attestationDocument(byte[] publicKeyDer) throws EnclaveException {
    if (publicKeyDer == null || publicKeyDer.length == 0 || publicKeyDer.length > 1024) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "NSM public_key must be 1 to 1024 bytes");
    }
    byte[] request = attestationRequest(publicKeyDer);
    byte[] response = call(request);
    return parseAttestationResponse(response);
  }

  /** CBOR of {"Attestation": {"user_data": null, "nonce": null, "public_key": bytes}} (serde's enum encoding). */
  static byte[] attestationRequest(byte[] publicKeyDer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(publicKeyDer.length + 64);
    try (CBORGenerator g = Cose.FACTORY.createGenerator(out)) {
      g.writeStartObject(null, 1);
      g.writeFieldName("Attestation");
      g.writeStartObject(null, 3);
      g.writeNullField("user_data");
      g.writeNullField("nonce");
      g.writeBinaryField("public_key", publicKeyDer);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  static byte[] parseAttestationResponse(byte[] response) throws EnclaveException {
    JsonNode root;
    try {
      root = Cose.CBOR.readTree(response);
    } catch (IOException | RuntimeException e) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "NSM answered with something that is not CBOR");
    }
    if (root != null && root.has("Error")) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "NSM refused the attestation request: "
          + root.get("Error").asText());
    }
    JsonNode doc = root == null ? null : root.path("Attestation").get("document");
    if (doc == null || !doc.isBinary()) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "NSM response has no Attestation.document");
    }
    try {
      return doc.binaryValue();
    } catch (IOException e) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "NSM attestation document is unreadable");
    }
  }

  private byte[] call(byte[] request) throws EnclaveException {
    if (request.length > MAX_REQUEST) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "NSM request over 4096 bytes");
    }
    LibC c = libc();
    int fd;
    try {
      fd = c.open(device.toString(), O_RDWR);
    } catch (LastErrorException e) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "cannot open " + device + ": errno " + e.getErrorCode());
    }
    try (Memory req = new Memory(request.length);
        Memory resp = new Memory(MAX_RESPONSE);
        Memory msg = new Memory(32)) {
      req.write(0, request, 0, request.length);
      resp.clear();
      msg.setPointer(0, req);
      msg.setLong(8, request.length);
      msg.setPointer(16, resp);
      msg.setLong(24, MAX_RESPONSE);
      try {
        c.ioctl(fd, new NativeLong(NSM_IOCTL_REQUEST), msg);
      } catch (LastErrorException e) {
        throw new EnclaveException(EnclaveErrorCode.INTERNAL, "NSM ioctl failed: errno " + e.getErrorCode());
      }
      long n = msg.getLong(24);
      if (n <= 0 || n > MAX_RESPONSE) {
        throw new EnclaveException(EnclaveErrorCode.INTERNAL, "NSM returned a response of " + n + " bytes");
      }
      return resp.getByteArray(0, (int) n);
    } finally {
      try {
        c.close(fd);
      } catch (LastErrorException ignored) {
        // nothing to do
      }
    }
  }

  private LibC libc() throws EnclaveException {
    LibC c = libc;
    if (c == null) {
      try {
        c = Native.load("c", LibC.class);
      } catch (UnsatisfiedLinkError e) {
        throw new EnclaveException(EnclaveErrorCode.INTERNAL, "cannot load libc through JNA for NSM ioctl");
      }
      libc = c;
    }
    return c;
  }
}
