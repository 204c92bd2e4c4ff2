package io.mrgc.wire.envelope;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.mrgc.wire.MediaTypes;
import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Strict reader and writer of envelope JSON ({@value MediaTypes#ENVELOPE}, see docs/protocol.md).
 *
 * <p>Request: {@code {"v":2,"tenant":..,"kid":..,"edk":b64,"iv":b64,"ts":ms,"model":..,"path":..,"rid":..,
 * "ct":b64}}; response: the same without {@code edk}. v=1 is the same without {@code ts}; this codec reads and
 * writes both, whether v=1 is accepted is the enclave's setting. Parsing refuses: more than the configured size
 * (default 2 MiB), input that is not UTF-8, anything but one JSON object, unknown or duplicate fields, missing
 * fields, a version other than 1 or 2, a {@code ts} in v=1 or a {@code ts} that is not an integer of 0 to
 * {@value #MAX_TS}, header values outside their length and character set, base64 that is not canonical standard
 * base64 with padding, an IV that is not 12 bytes, a ciphertext shorter than the 16-byte tag, an EDK over 6144 bytes. Every
 * refusal is an {@link EnclaveException} with code {@link EnclaveErrorCode#MALFORMED} and a message saying what to
 * fix (it never repeats a field value; a JSON syntax error may quote up to 200 characters of the offending
 * token). Parsing is linear in the input size.
 */
public final class EnvelopeCodec {
  /** The version new envelopes are sealed with. */
  public static final int VERSION = 2;
  /** The versions this codec reads. */
  public static final Set<Integer> VERSIONS = Set.of(1, 2);
  /** Largest {@code ts} accepted: 9999-12-31T23:59:59.999Z in epoch milliseconds. */
  public static final long MAX_TS = 253_402_300_799_999L;
  public static final int DEFAULT_MAX_ENVELOPE_BYTES = 2 * 1024 * 1024;
  /** Largest EDK accepted (KMS ciphertext blobs are at most 6144 bytes). */
  public static final int MAX_EDK_BYTES = 6144;

  static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  static final Pattern KID = Pattern.compile("[A-Za-z0-9:/_.+=@-]{1,256}");
  static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");
  /**
   * The canonical request path (io.mrgc.common.CanonicalPath, which the router and the agent enforce): segments of
   * unreserved characters, none empty, {@code .} or {@code ..}, no trailing slash; or just {@code /}.
   */
  static final Pattern PATH = Pattern.compile("/|(?:/(?!\\.\\.?(?:/|$))[A-Za-z0-9._~-]+)+");
  static final Pattern RID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private static final java.util.List<String> FIELD_ORDER =
      java.util.List.of("v", "tenant", "kid", "edk", "iv", "ts", "model", "path", "rid", "ct");
  private static final Set<String> REQUEST_FIELDS =
      Set.of("v", "tenant", "kid", "edk", "iv", "ts", "model", "path", "rid", "ct");
  private static final Set<String> RESPONSE_FIELDS = Set.of("v", "tenant", "kid", "iv", "ts", "model", "path", "rid", "ct");

  private final int maxEnvelopeBytes;
  private final JsonFactory json;

  public EnvelopeCodec() {
    this(DEFAULT_MAX_ENVELOPE_BYTES);
  }

  /** @param maxEnvelopeBytes the largest envelope accepted, 1 KiB to 64 MiB */
  public EnvelopeCodec(int maxEnvelopeBytes) {
    if (maxEnvelopeBytes < 1024 || maxEnvelopeBytes > 64 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "maxEnvelopeBytes must be between 1024 and 67108864, but was " + maxEnvelopeBytes);
    }
    this.maxEnvelopeBytes = maxEnvelopeBytes;
    this.json = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(4)
            .maxNumberLength(20)
            .maxStringLength(maxEnvelopeBytes)
            .maxNameLength(64)
            .build())
        .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
  }

  public int maxEnvelopeBytes() {
    return maxEnvelopeBytes;
  }

  public RequestEnvelope parseRequest(byte[] bytes) throws EnclaveException {
    Map<String, Object> f = readObject(bytes, REQUEST_FIELDS, "request");
    EnvelopeHeader header = header(f);
    byte[] edk = base64(f, "edk");
    if (edk.length == 0 || edk.length > MAX_EDK_BYTES) {
      throw malformed("field \"edk\" must decode to 1 to " + MAX_EDK_BYTES + " bytes, but decodes to " + edk.length);
    }
    return new RequestEnvelope(header, edk, iv(f), ct(f));
  }

  public ResponseEnvelope parseResponse(byte[] bytes) throws EnclaveException {
    Map<String, Object> f = readObject(bytes, RESPONSE_FIELDS, "response");
    return new ResponseEnvelope(header(f), iv(f), ct(f));
  }

  public byte[] encode(RequestEnvelope e) {
    return write(e.header(), e.edk(), e.iv(), e.ct());
  }

  public byte[] encode(ResponseEnvelope e) {
    return write(e.header(), null, e.iv(), e.ct());
  }

  /** Checks each header field's presence, length and character set (the rules in docs/protocol.md). */
  public static void checkHeader(EnvelopeHeader h) throws EnclaveException {
    if (h == null) {
      throw malformed("envelope header is missing");
    }
    if (!VERSIONS.contains(h.version())) {
      throw malformed("unsupported envelope version " + h.version() + "; this enclave supports v=1 and v=2");
    }
    if (h.version() == 1 && h.ts() != EnvelopeHeader.NO_TIMESTAMP) {
      throw malformed("a v=1 envelope has no field \"ts\"; seal v=2 to send a timestamp");
    }
    if (h.version() >= 2 && (h.ts() < 0 || h.ts() > MAX_TS)) {
      throw malformed("field \"ts\" must be the sealing time in epoch milliseconds, 0 to " + MAX_TS);
    }
    check("tenant", h.tenant(), TENANT, "1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit");
    check("kid", h.kid(), KID, "1-256 characters of A-Z a-z 0-9 : / _ . + = @ -");
    check("model", h.model(), MODEL, "1-128 characters of A-Z a-z 0-9 . _ : / -, starting with a letter or digit");
    check("path", h.path(), PATH, "a canonical path of 1-256 characters of A-Z a-z 0-9 / . _ ~ -, starting with / "
        + "(no empty, . or .. segments, no trailing /)");
    check("rid", h.rid(), RID, "1-64 characters of A-Z a-z 0-9 . _ : -");
  }

  private static void check(String name, String value, Pattern p, String rule) throws EnclaveException {
    if (value == null) {
      throw malformed("field \"" + name + "\" is required");
    }
    if (value.length() > 256 || !p.matcher(value).matches()) {
      throw malformed("field \"" + name + "\" must be " + rule);
    }
  }

  private Map<String, Object> readObject(byte[] bytes, Set<String> allowed, String kind) throws EnclaveException {
    if (bytes == null || bytes.length == 0) {
      throw malformed("envelope is empty; send a JSON object with content type " + MediaTypes.ENVELOPE);
    }
    if (bytes.length > maxEnvelopeBytes) {
      throw malformed("envelope is " + bytes.length + " bytes; the limit is " + maxEnvelopeBytes);
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed("envelope must be UTF-8 JSON");
    }
    Map<String, Object> fields = new HashMap<>();
    try (JsonParser p = json.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw malformed("envelope must be a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        if (!allowed.contains(name)) {
          throw malformed("unknown field in " + kind + " envelope (allowed: " + String.join(", ", ordered(allowed))
              + ")");
        }
        JsonToken v = p.nextToken();
        if (name.equals("v")) {
          if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
            throw malformed("field \"v\" must be the integer " + VERSION);
          }
          fields.put(name, p.getIntValue());
        } else if (name.equals("ts")) {
          if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              || p.getLongValue() < 0 || p.getLongValue() > MAX_TS) {
            throw malformed("field \"ts\" must be the sealing time as an integer of epoch milliseconds, 0 to "
                + MAX_TS);
          }
          fields.put(name, p.getLongValue());
        } else {
          if (v != JsonToken.VALUE_STRING) {
            throw malformed("field \"" + name + "\" must be a JSON string");
          }
          fields.put(name, p.getText());
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw malformed("envelope must be a single flat JSON object");
      }
      if (p.nextToken() != null) {
        throw malformed("envelope has data after the JSON object");
      }
    } catch (JsonProcessingException e) {
      String why = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
      if (why.length() > 200) {
        why = why.substring(0, 200);
      }
      throw malformed("envelope is not valid JSON: " + why
          + (e.getLocation() != null ? " at character " + e.getLocation().getCharOffset() : ""));
    } catch (IOException | RuntimeException e) {
      throw malformed("envelope could not be read as JSON");
    }
    Object v = fields.get("v");
    if (v == null) {
      throw malformed("field \"v\" is required (this enclave speaks v=1 and v=2)");
    }
    if (!VERSIONS.contains((Integer) v)) {
      throw malformed("unsupported envelope version " + v + "; this enclave supports v=1 and v=2");
    }
    if ((Integer) v == 1 && fields.containsKey("ts")) {
      throw malformed("field \"ts\" is not part of a v=1 envelope; seal v=2 to send a timestamp");
    }
    for (String name : ordered(allowed)) {
      if (name.equals("ts") && (Integer) v == 1) {
        continue;
      }
      if (!fields.containsKey(name)) {
        throw malformed("field \"" + name + "\" is required in a " + kind + " envelope");
      }
    }
    return fields;
  }

  private static java.util.List<String> ordered(Set<String> allowed) {
    return FIELD_ORDER.stream().filter(allowed::contains).toList();
  }

  private static EnvelopeHeader header(Map<String, Object> f) throws EnclaveException {
    Object ts = f.get("ts");
    EnvelopeHeader h = new EnvelopeHeader((Integer) f.get("v"), (String) f.get("tenant"), (String) f.get("kid"),
        (String) f.get("model"), (String) f.get("path"), (String) f.get("rid"),
        ts == null ? EnvelopeHeader.NO_TIMESTAMP : (Long) ts);
    checkHeader(h);
    return h;
  }

  private static byte[] iv(Map<String, Object> f) throws EnclaveException {
    byte[] iv = base64(f, "iv");
    if (iv.length != AesGcm.IV_BYTES) {
      throw malformed("field \"iv\" must decode to exactly " + AesGcm.IV_BYTES + " bytes, but decodes to "
          + iv.length);
    }
    return iv;
  }

  private static byte[] ct(Map<String, Object> f) throws EnclaveException {
    byte[] ct = base64(f, "ct");
    if (ct.length < AesGcm.TAG_BYTES) {
      throw malformed("field \"ct\" must hold the ciphertext and its 16-byte GCM tag, but decodes to " + ct.length
          + " bytes");
    }
    return ct;
  }

  private static byte[] base64(Map<String, Object> f, String name) throws EnclaveException {
    String s = (String) f.get(name);
    byte[] out;
    try {
      out = Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw malformed("field \"" + name + "\" must be standard base64 (A-Z a-z 0-9 + /, = padding, no whitespace)");
    }
    // Canonical only: padding required, no stray bits; one byte string has exactly one accepted encoding.
    if (!Base64.getEncoder().encodeToString(out).equals(s)) {
      throw malformed("field \"" + name + "\" must be canonical padded standard base64");
    }
    return out;
  }

  private byte[] write(EnvelopeHeader h, byte[] edk, byte[] iv, byte[] ct) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + ct.length * 4 / 3 + (edk == null ? 0 : edk.length * 2));
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", h.version());
      g.writeStringField("tenant", h.tenant());
      g.writeStringField("kid", h.kid());
      if (edk != null) {
        g.writeStringField("edk", Base64.getEncoder().encodeToString(edk));
      }
      g.writeStringField("iv", Base64.getEncoder().encodeToString(iv));
      if (h.version() >= 2) {
        g.writeNumberField("ts", h.ts());
      }
      g.writeStringField("model", h.model());
      g.writeStringField("path", h.path());
      g.writeStringField("rid", h.rid());
      g.writeStringField("ct", Base64.getEncoder().encodeToString(ct));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static EnclaveException malformed(String message) {
    return new EnclaveException(EnclaveErrorCode.MALFORMED, message);
  }
}
