package io.mrgc.enclave.attestation;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Parses the payload of attestation documents (real NSM or local ones). Does not verify signatures. */
public final class AttestationDocuments {
  private AttestationDocuments() {}

  /** Decodes the COSE_Sign1 and its payload; checks field presence and types, not the signature. */
  public static AttestationDocument parse(byte[] document) throws AttestationException {
    return parsePayload(Cose.decode(document).payload());
  }

  public static AttestationDocument parsePayload(byte[] payload) throws AttestationException {
    JsonNode p;
    try {
      p = Cose.CBOR.readTree(payload);
    } catch (IOException | RuntimeException e) {
      throw new AttestationException("attestation payload is not CBOR");
    }
    if (p == null || !p.isObject()) {
      throw new AttestationException("attestation payload must be a CBOR map");
    }
    try {
      JsonNode moduleId = p.get("module_id");
      JsonNode timestamp = p.get("timestamp");
      JsonNode digest = p.get("digest");
      JsonNode pcrs = p.get("pcrs");
      if (moduleId == null || !moduleId.isTextual() || moduleId.asText().isEmpty()) {
        throw new AttestationException("attestation payload needs a non-empty text module_id");
      }
      if (timestamp == null || !timestamp.isIntegralNumber() || timestamp.asLong() <= 0) {
        throw new AttestationException("attestation payload needs a positive integer timestamp");
      }
      if (digest == null || !"SHA384".equals(digest.asText())) {
        throw new AttestationException("attestation payload digest must be SHA384");
      }
      if (pcrs == null || !pcrs.isObject() || pcrs.isEmpty() || pcrs.size() > 32) {
        throw new AttestationException("attestation payload needs a map of 1 to 32 pcrs");
      }
      Map<Integer, byte[]> pcrMap = new TreeMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = pcrs.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        int index;
        try {
          index = Integer.parseInt(e.getKey());
        } catch (NumberFormatException ex) {
          throw new AttestationException("pcrs keys must be integers 0..31");
        }
        if (index < 0 || index > 31 || !e.getValue().isBinary()) {
          throw new AttestationException("pcrs must map 0..31 to byte strings");
        }
        byte[] value = e.getValue().binaryValue();
        if (value.length != 32 && value.length != 48 && value.length != 64) {
          throw new AttestationException("pcr " + index + " must be 32, 48 or 64 bytes");
        }
        pcrMap.put(index, value);
      }
      List<byte[]> cabundle = new ArrayList<>();
      JsonNode ca = p.get("cabundle");
      if (ca != null && !ca.isNull()) {
        if (!ca.isArray()) {
          throw new AttestationException("cabundle must be an array of byte strings");
        }
        for (JsonNode c : ca) {
          if (!c.isBinary()) {
            throw new AttestationException("cabundle must be an array of byte strings");
          }
          cabundle.add(c.binaryValue());
        }
      }
      return new AttestationDocument(moduleId.asText(), timestamp.asLong(), digest.asText(),
          Collections.unmodifiableMap(pcrMap), optionalBytes(p, "certificate", 4096), List.copyOf(cabundle),
          optionalBytes(p, "public_key", 1024), optionalBytes(p, "user_data", 1024), optionalBytes(p, "nonce", 1024));
    } catch (IOException e) {
      throw new AttestationException("attestation payload has a malformed byte string");
    }
  }

  private static byte[] optionalBytes(JsonNode p, String name, int max) throws AttestationException, IOException {
    JsonNode n = p.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isBinary()) {
      throw new AttestationException(name + " must be a byte string or null");
    }
    byte[] b = n.binaryValue();
    if (b.length == 0 || b.length > max) {
      throw new AttestationException(name + " must be 1 to " + max + " bytes");
    }
    return b;
  }
}
