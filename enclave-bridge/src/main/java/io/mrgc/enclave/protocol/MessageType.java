package io.mrgc.enclave.protocol;

/** Message types and their one-byte wire codes. Requests go parent -> enclave, answers enclave -> parent. */
public enum MessageType {
  DECRYPT(0x01, true),
  DECRYPTED(0x02, false),
  ENCRYPT(0x03, true),
  ENCRYPTED(0x04, false),
  PING(0x05, true),
  PONG(0x06, false),
  ERROR(0x7F, false);

  private final int code;
  private final boolean request;

  MessageType(int code, boolean request) {
    this.code = code;
    this.request = request;
  }

  /** The byte on the wire. */
  public int code() {
    return code;
  }

  /** Whether the parent sends this type (the enclave answers it). */
  public boolean isRequest() {
    return request;
  }

  /** The type for a wire code, or null if unknown. */
  public static MessageType fromCode(int code) {
    return switch (code) {
      case 0x01 -> DECRYPT;
      case 0x02 -> DECRYPTED;
      case 0x03 -> ENCRYPT;
      case 0x04 -> ENCRYPTED;
      case 0x05 -> PING;
      case 0x06 -> PONG;
      case 0x7F -> ERROR;
      default -> null;
    };
  }
}
