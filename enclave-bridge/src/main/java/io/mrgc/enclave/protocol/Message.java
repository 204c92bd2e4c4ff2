package io.mrgc.enclave.protocol;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import java.util.Objects;

/**
 * The protocol's messages, one record per {@link MessageType}. Byte arrays are not copied; {@code toString} never
 * shows their content (only lengths), so messages can be logged.
 */
public sealed interface Message {
  MessageType type();

  /** Parent -> enclave: open a request envelope bound to these expected values. */
  record Decrypt(String expectedTenant, String expectedModel, String expectedPath, byte[] envelope)
      implements Message {
    public Decrypt {
      Objects.requireNonNull(expectedTenant, "expectedTenant");
      Objects.requireNonNull(expectedModel, "expectedModel");
      Objects.requireNonNull(expectedPath, "expectedPath");
      Objects.requireNonNull(envelope, "envelope");
    }

    @Override
    public MessageType type() {
      return MessageType.DECRYPT;
    }

    @Override
    public String toString() {
      return "Decrypt[tenant=" + expectedTenant + ", model=" + expectedModel + ", path=" + expectedPath
          + ", envelope=" + envelope.length + " bytes]";
    }
  }

  /** Enclave -> parent: the opened request. */
  record Decrypted(String sessionId, String requestId, byte[] plaintext) implements Message {
    public Decrypted {
      Objects.requireNonNull(sessionId, "sessionId");
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(plaintext, "plaintext");
    }

    @Override
    public MessageType type() {
      return MessageType.DECRYPTED;
    }

    @Override
    public String toString() {
      return "Decrypted[requestId=" + requestId + ", plaintext=" + plaintext.length + " bytes]";
    }
  }

  /** Parent -> enclave: seal a response under a session's key. */
  record Encrypt(String sessionId, byte[] plaintext) implements Message {
    public Encrypt {
      Objects.requireNonNull(sessionId, "sessionId");
      Objects.requireNonNull(plaintext, "plaintext");
    }

    @Override
    public MessageType type() {
      return MessageType.ENCRYPT;
    }

    @Override
    public String toString() {
      return "Encrypt[plaintext=" + plaintext.length + " bytes]";
    }
  }

  /** Enclave -> parent: the response envelope. */
  record Encrypted(byte[] envelope) implements Message {
    public Encrypted {
      Objects.requireNonNull(envelope, "envelope");
    }

    @Override
    public MessageType type() {
      return MessageType.ENCRYPTED;
    }

    @Override
    public String toString() {
      return "Encrypted[envelope=" + envelope.length + " bytes]";
    }
  }

  /** Parent -> enclave: liveness check. */
  record Ping() implements Message {
    @Override
    public MessageType type() {
      return MessageType.PING;
    }
  }

  /** Enclave -> parent: answer to {@link Ping}. */
  record Pong() implements Message {
    @Override
    public MessageType type() {
      return MessageType.PONG;
    }
  }

  /** Enclave -> parent: the request (or, with request id 0, the connection) failed. */
  record Error(EnclaveErrorCode code, String message) implements Message {
    public Error {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public MessageType type() {
      return MessageType.ERROR;
    }
  }
}
