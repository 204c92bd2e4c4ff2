package io.mrgc.enclave.protocol;

import io.mrgc.enclave.crypto.Scratch;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Payload encodings. Fields are written in a fixed order per type, each length-prefixed, big-endian:
 *
 * <ul>
 *   <li>str16: u16 byte length, then that many bytes of strict UTF-8 (no malformed or overlong sequences), at most
 *       the field's bound;
 *   <li>bytes32: u32 byte length, then the bytes; bounded by what is left of the payload (itself bounded by the
 *       frame bound).
 * </ul>
 *
 * <pre>
 * DECRYPT   str16 expectedTenant (&lt;=256) | str16 expectedModel (&lt;=256) | str16 expectedPath (&lt;=2048) | bytes32 envelope
 * DECRYPTED str16 sessionId (&lt;=128) | str16 requestId (&lt;=128) | bytes32 plaintext
 * ENCRYPT   str16 sessionId (&lt;=128) | bytes32 plaintext
 * ENCRYPTED bytes32 envelope
 * PING, PONG  empty payload
 * ERROR     str16 code (EnclaveErrorCode name, &lt;=64) | str16 message (&lt;=1024; longer messages are cut on encode)
 * </pre>
 *
 * Decoding is strict: every declared length must fit the remaining payload and the field bound, and no byte may
 * follow the last field. Any violation is a {@link ProtocolException} (MALFORMED_PAYLOAD), never an unchecked
 * exception; nothing is allocated beyond the payload's own size.
 */
public final class MessageCodec {
  public static final int MAX_TENANT_BYTES = 256;
  public static final int MAX_MODEL_BYTES = 256;
  public static final int MAX_PATH_BYTES = 2048;
  public static final int MAX_SESSION_ID_BYTES = 128;
  public static final int MAX_REQUEST_ID_BYTES = 128;
  public static final int MAX_ERROR_CODE_BYTES = 64;
  public static final int MAX_ERROR_MESSAGE_BYTES = 1024;

  private MessageCodec() {}

  /**
   * Encodes a message's payload.
   *
   * @throws ProtocolException (MALFORMED_PAYLOAD) a string field over its bound
   */
  public static byte[] encode(Message message) throws ProtocolException {
    Out out = new Out(encodedSize(message));
    if (message instanceof Message.Decrypt m) {
      out.str16("expectedTenant", m.expectedTenant(), MAX_TENANT_BYTES);
      out.str16("expectedModel", m.expectedModel(), MAX_MODEL_BYTES);
      out.str16("expectedPath", m.expectedPath(), MAX_PATH_BYTES);
      out.bytes32(m.envelope());
    } else if (message instanceof Message.Decrypted m) {
      out.str16("sessionId", m.sessionId(), MAX_SESSION_ID_BYTES);
      out.str16("requestId", m.requestId(), MAX_REQUEST_ID_BYTES);
      out.bytes32(m.plaintext());
    } else if (message instanceof Message.Encrypt m) {
      out.str16("sessionId", m.sessionId(), MAX_SESSION_ID_BYTES);
      out.bytes32(m.plaintext());
    } else if (message instanceof Message.Encrypted m) {
      out.bytes32(m.envelope());
    } else if (message instanceof Message.Error m) {
      out.str16("code", m.code().name(), MAX_ERROR_CODE_BYTES);
      out.str16("message", truncateUtf8(m.message(), MAX_ERROR_MESSAGE_BYTES), MAX_ERROR_MESSAGE_BYTES);
    } else if (!(message instanceof Message.Ping) && !(message instanceof Message.Pong)) {
      throw new ProtocolException(ProtocolException.Reason.MALFORMED_PAYLOAD, "no message");
    }
    return out.toByteArray();
  }

  /** A message's encoded size, so encoding writes into one exact array and never grows a copy. */
  private static int encodedSize(Message message) {
    long n;
    if (message instanceof Message.Decrypt m) {
      n = 6 + utf8(m.expectedTenant()) + utf8(m.expectedModel()) + utf8(m.expectedPath()) + 4
          + m.envelope().length;
    } else if (message instanceof Message.Decrypted m) {
      n = 4 + utf8(m.sessionId()) + utf8(m.requestId()) + 4 + m.plaintext().length;
    } else if (message instanceof Message.Encrypt m) {
      n = 2 + utf8(m.sessionId()) + 4 + m.plaintext().length;
    } else if (message instanceof Message.Encrypted m) {
      n = 4 + m.envelope().length;
    } else if (message instanceof Message.Error m) {
      n = 4 + utf8(m.code().name()) + utf8(truncateUtf8(m.message(), MAX_ERROR_MESSAGE_BYTES));
    } else {
      n = 0;
    }
    return (int) Math.min(n, Integer.MAX_VALUE - 8);
  }

  private static long utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Decodes a payload of the given type.
   *
   * @throws ProtocolException (MALFORMED_PAYLOAD) the payload is not a well-formed message of that type
   */
  public static Message decode(MessageType type, byte[] payload) throws ProtocolException {
    if (type == null || payload == null) {
      throw new ProtocolException(ProtocolException.Reason.MALFORMED_PAYLOAD, "no type or payload");
    }
    In in = new In(payload, type);
    Message m = switch (type) {
      case DECRYPT -> new Message.Decrypt(
          in.str16("expectedTenant", MAX_TENANT_BYTES),
          in.str16("expectedModel", MAX_MODEL_BYTES),
          in.str16("expectedPath", MAX_PATH_BYTES),
          in.bytes32("envelope"));
      case DECRYPTED -> new Message.Decrypted(
          in.str16("sessionId", MAX_SESSION_ID_BYTES),
          in.str16("requestId", MAX_REQUEST_ID_BYTES),
          in.bytes32("plaintext"));
      case ENCRYPT -> new Message.Encrypt(in.str16("sessionId", MAX_SESSION_ID_BYTES), in.bytes32("plaintext"));
      case ENCRYPTED -> new Message.Encrypted(in.bytes32("envelope"));
      case PING -> new Message.Ping();
      case PONG -> new Message.Pong();
      case ERROR -> {
        String codeName = in.str16("code", MAX_ERROR_CODE_BYTES);
        EnclaveErrorCode code = errorCode(codeName);
        yield new Message.Error(code, in.str16("message", MAX_ERROR_MESSAGE_BYTES));
      }
    };
    in.end();
    return m;
  }

  /** Decodes a frame's payload per its type. */
  public static Message decode(Frame frame) throws ProtocolException {
    try {
      return decode(frame.type(), frame.payload());
    } catch (ProtocolException e) {
      throw e.withRequestId(frame.requestId());
    }
  }

  private static EnclaveErrorCode errorCode(String name) throws ProtocolException {
    for (EnclaveErrorCode c : EnclaveErrorCode.values()) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    throw new ProtocolException(ProtocolException.Reason.MALFORMED_PAYLOAD, "unknown error code");
  }

  /** Cuts a string so its UTF-8 form fits maxBytes, never inside a surrogate pair. */
  static String truncateUtf8(String s, int maxBytes) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= maxBytes) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (Character.isSurrogate((char) cp)) {
        n = 3; // a lone surrogate is encoded as '?' by getBytes; count generously
      }
      if (bytes + n > maxBytes) {
        break;
      }
      sb.appendCodePoint(cp);
      bytes += n;
      i += Character.charCount(cp);
    }
    return sb.toString();
  }

  /** Writes fields into one scratch array of the exact encoded size (no growth copies of plaintext). */
  private static final class Out {
    private final byte[] buf;
    private int pos;

    Out(int capacity) {
      buf = Scratch.bytes(capacity);
    }

    void str16(String field, String s, int bound) throws ProtocolException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length > bound) {
        Scratch.zero(buf);
        throw new ProtocolException(ProtocolException.Reason.MALFORMED_PAYLOAD,
            field + " is " + b.length + " bytes, bound is " + bound);
      }
      buf[pos++] = (byte) (b.length >>> 8);
      buf[pos++] = (byte) b.length;
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    void bytes32(byte[] b) {
      buf[pos++] = (byte) (b.length >>> 24);
      buf[pos++] = (byte) (b.length >>> 16);
      buf[pos++] = (byte) (b.length >>> 8);
      buf[pos++] = (byte) b.length;
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    byte[] toByteArray() {
      if (pos != buf.length) {
        Scratch.zero(buf);
        throw new IllegalStateException("encoded " + pos + " bytes into " + buf.length);
      }
      return buf;
    }
  }

  private static final class In {
    private final byte[] b;
    private final MessageType type;
    private int pos;

    In(byte[] b, MessageType type) {
      this.b = b;
      this.type = type;
    }

    private ProtocolException malformed(String what) {
      return new ProtocolException(ProtocolException.Reason.MALFORMED_PAYLOAD, type + " payload: " + what);
    }

    String str16(String field, int bound) throws ProtocolException {
      if (b.length - pos < 2) {
        throw malformed(field + " length missing");
      }
      int len = ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
      pos += 2;
      if (len > bound) {
        throw malformed(field + " is " + len + " bytes, bound is " + bound);
      }
      if (len > b.length - pos) {
        throw malformed(field + " runs past the payload end");
      }
      CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      try {
        CharBuffer cb = dec.decode(ByteBuffer.wrap(b, pos, len));
        pos += len;
        return cb.toString();
      } catch (CharacterCodingException e) {
        throw malformed(field + " is not valid UTF-8");
      }
    }

    byte[] bytes32(String field) throws ProtocolException {
      if (b.length - pos < 4) {
        throw malformed(field + " length missing");
      }
      long len = (((long) (b[pos] & 0xFF)) << 24) | ((b[pos + 1] & 0xFF) << 16) | ((b[pos + 2] & 0xFF) << 8)
          | (b[pos + 3] & 0xFF);
      pos += 4;
      if (len > b.length - pos) {
        throw malformed(field + " of " + len + " bytes runs past the payload end");
      }
      byte[] out = Scratch.bytes((int) len);
      System.arraycopy(b, pos, out, 0, (int) len);
      pos += (int) len;
      return out;
    }

    void end() throws ProtocolException {
      if (pos != b.length) {
        throw malformed((b.length - pos) + " trailing bytes");
      }
    }
  }
}
