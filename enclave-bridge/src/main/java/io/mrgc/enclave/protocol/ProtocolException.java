package io.mrgc.enclave.protocol;

import java.io.IOException;

/**
 * A typed protocol error: the bytes on the wire are not a well-formed frame or message of this protocol. Decoders
 * throw only this (or a plain {@link IOException} from the stream underneath), never an unchecked exception. Messages
 * describe the structure that was wrong, never payload bytes.
 */
public final class ProtocolException extends IOException {
  /** What was wrong. */
  public enum Reason {
    /** The first four bytes are not the protocol magic. */
    BAD_MAGIC,
    /** The header names a protocol version this side does not speak. */
    UNSUPPORTED_VERSION,
    /** The header names an unknown message type. */
    UNKNOWN_TYPE,
    /** Reserved flag bits are set. */
    BAD_FLAGS,
    /** The header announces a payload over the frame size bound, or a message does not fit in one. */
    FRAME_TOO_LARGE,
    /** The stream ended in the middle of a frame. */
    TRUNCATED,
    /** The payload does not decode as its message type (field length, bound, UTF-8, trailing bytes...). */
    MALFORMED_PAYLOAD,
    /** A well-formed message that this side does not accept here (a response sent to the server...). */
    UNEXPECTED_MESSAGE
  }

  private final Reason reason;
  private final long requestId;

  public ProtocolException(Reason reason, String message) {
    this(reason, 0L, message);
  }

  public ProtocolException(Reason reason, long requestId, String message) {
    super(reason + ": " + message);
    this.reason = reason;
    this.requestId = requestId;
  }

  public Reason reason() {
    return reason;
  }

  /** The request id of the frame at fault, when its header could be read; 0 otherwise. */
  public long requestId() {
    return requestId;
  }

  /** Returns a copy carrying the request id of the frame whose payload was at fault. */
  public ProtocolException withRequestId(long id) {
    return new ProtocolException(reason, id, getMessage().substring(reason.name().length() + 2));
  }
}
