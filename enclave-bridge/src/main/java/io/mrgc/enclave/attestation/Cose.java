package io.mrgc.enclave.attestation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** COSE_Sign1 (RFC 9052) pieces used by Nitro attestation documents: ES384 only. */
public final class Cose {
  /** COSE algorithm id of ECDSA with SHA-384 (ES384). */
  public static final int ES384 = -35;
  public static final int MAX_DOCUMENT_BYTES = 262_144;
  static final CBORMapper CBOR = new CBORMapper();
  static final CBORFactory FACTORY = CBOR.getFactory();

  private Cose() {}

  /** The four parts of a COSE_Sign1 structure. */
  public record Sign1(byte[] protectedHeader, byte[] payload, byte[] signature) {
    /** Sig_structure = ["Signature1", protected, external_aad = h'', payload], the bytes that are signed. */
    public byte[] toBeSigned() {
      ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 64);
      try (CBORGenerator g = FACTORY.createGenerator(out)) {
        g.writeStartArray(null, 4);
        g.writeString("Signature1");
        g.writeBinary(protectedHeader);
        g.writeBinary(new byte[0]);
        g.writeBinary(payload);
        g.writeEndArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }

    /** The tagged (18) COSE_Sign1 encoding with an empty unprotected header. */
    public byte[] encode() {
      ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 160);
      try (CBORGenerator g = FACTORY.createGenerator(out)) {
        g.writeTag(18);
        g.writeStartArray(null, 4);
        g.writeBinary(protectedHeader);
        g.writeStartObject(0);
        g.writeEndObject();
        g.writeBinary(payload);
        g.writeBinary(signature);
        g.writeEndArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }
  }

  /** The protected header {1: -35}. */
  public static byte[] es384ProtectedHeader() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8);
    try (CBORGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject(1);
      g.writeFieldId(1);
      g.writeNumber(ES384);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Decodes a (tagged or untagged) COSE_Sign1 array. */
  public static Sign1 decode(byte[] document) throws AttestationException {
    if (document == null || document.length == 0 || document.length > MAX_DOCUMENT_BYTES) {
      throw new AttestationException("attestation document must be 1 to " + MAX_DOCUMENT_BYTES + " bytes");
    }
    JsonNode root;
    try {
      root = CBOR.readTree(document);
    } catch (IOException | RuntimeException e) {
      throw new AttestationException("attestation document is not CBOR");
    }
    if (root == null || !root.isArray() || root.size() != 4) {
      throw new AttestationException("attestation document is not a COSE_Sign1 array of 4 items");
    }
    if (!root.get(0).isBinary() || !root.get(1).isObject() || !root.get(2).isBinary() || !root.get(3).isBinary()) {
      throw new AttestationException("COSE_Sign1 items must be [bstr, map, bstr, bstr]");
    }
    try {
      byte[] prot = root.get(0).binaryValue();
      JsonNode header = CBOR.readTree(prot);
      if (header == null || !header.isObject() || header.path("1").asInt(0) != ES384) {
        throw new AttestationException("COSE_Sign1 protected header must say alg ES384 (-35)");
      }
      return new Sign1(prot, root.get(2).binaryValue(), root.get(3).binaryValue());
    } catch (IOException e) {
      throw new AttestationException("COSE_Sign1 protected header is not CBOR");
    }
  }
}
