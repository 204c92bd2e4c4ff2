package io.mrgc.enclave.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameAndMessageCodecTest {

  static byte[] frameBytes(Message m, long id) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new FrameWriter(out).write(m.type(), id, MessageCodec.encode(m));
    return out.toByteArray();
  }

  static Message roundTrip(Message m) throws IOException {
    FrameReader r = new FrameReader(new ByteArrayInputStream(frameBytes(m, 42)));
    Frame f = r.read();
    assertThat(f.requestId()).isEqualTo(42);
    assertThat(f.type()).isEqualTo(m.type());
    assertThat(r.read()).isNull();
    return MessageCodec.decode(f);
  }

  @Test
  void headerLayoutIsBigEndianAndFixed() throws IOException {
    byte[] b = frameBytes(new Message.Ping(), 0x0102030405060708L);
    assertThat(b).containsExactly(
        0x4D, 0x52, 0x47, 0x45, // magic MRGE
        0x02, // version
        0x05, // PING
        0x00, 0x00, // flags
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // request id
        0x00, 0x00, 0x00, 0x00); // payload length
  }

  @Test
  void encryptPayloadLayout() throws IOException {
    byte[] p = MessageCodec.encode(new Message.Encrypt("s1", new byte[] {9, 8, 7}));
    assertThat(p).containsExactly(0, 2, 's', '1', 0, 0, 0, 3, 9, 8, 7);
  }

  @Test
  void everyMessageRoundTrips() throws IOException {
    byte[] env = "envelope-bytes".getBytes(StandardCharsets.UTF_8);
    Message.Decrypt d = (Message.Decrypt) roundTrip(new Message.Decrypt("tenant-é", "llama-70b", "/v1/chat", env));
    assertThat(d.expectedTenant()).isEqualTo("tenant-é");
    assertThat(d.expectedModel()).isEqualTo("llama-70b");
    assertThat(d.expectedPath()).isEqualTo("/v1/chat");
    assertThat(d.envelope()).isEqualTo(env);

    Message.Decrypted dd = (Message.Decrypted) roundTrip(new Message.Decrypted("sess", "req-1", new byte[0]));
    assertThat(dd.sessionId()).isEqualTo("sess");
    assertThat(dd.requestId()).isEqualTo("req-1");
    assertThat(dd.plaintext()).isEmpty();

    Message.Encrypt e = (Message.Encrypt) roundTrip(new Message.Encrypt("sess", new byte[] {1, 2}));
    assertThat(e.plaintext()).containsExactly(1, 2);
    assertThat(((Message.Encrypted) roundTrip(new Message.Encrypted(env))).envelope()).isEqualTo(env);
    assertThat(roundTrip(new Message.Ping())).isInstanceOf(Message.Ping.class);
    assertThat(roundTrip(new Message.Pong())).isInstanceOf(Message.Pong.class);
    for (EnclaveErrorCode c : EnclaveErrorCode.values()) {
      Message.Error err = (Message.Error) roundTrip(new Message.Error(c, "why"));
      assertThat(err.code()).isEqualTo(c);
      assertThat(err.message()).isEqualTo("why");
    }
  }

  @Test
  void toStringNeverShowsPayloadBytes() {
    byte[] secret = "SECRET-PLAINTEXT".getBytes(StandardCharsets.UTF_8);
    for (Object o : List.of(new Message.Decrypted("s", "r", secret), new Message.Encrypt("s", secret),
        new Message.Encrypted(secret), new Message.Decrypt("t", "m", "p", secret),
        new Frame(MessageType.ENCRYPT, 1, secret))) {
      assertThat(o.toString()).doesNotContain("SECRET").doesNotContain("83, 69, 67");
    }
  }

  @Test
  void severalFramesOnOneStream() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(frameBytes(new Message.Ping(), 1));
    out.write(frameBytes(new Message.Encrypted(new byte[100_000]), 2));
    out.write(frameBytes(new Message.Pong(), 3));
    FrameReader r = new FrameReader(new ByteArrayInputStream(out.toByteArray()));
    assertThat(r.read().requestId()).isEqualTo(1);
    Frame big = r.read();
    assertThat(big.payload()).hasSize(100_004);
    assertThat(r.read().requestId()).isEqualTo(3);
    assertThat(r.read()).isNull();
  }

  private static ProtocolException readError(byte[] bytes, int max) {
    try {
      FrameReader r = new FrameReader(new ByteArrayInputStream(bytes), max);
      while (r.read() != null) {
        // drain
      }
    } catch (ProtocolException e) {
      return e;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no protocol error");
  }

  @Test
  void headerErrorsAreTyped() throws IOException {
    byte[] ok = frameBytes(new Message.Ping(), 7);
    byte[] b = ok.clone();
    b[0] = 'X';
    assertThat(readError(b, 4096).reason()).isEqualTo(ProtocolException.Reason.BAD_MAGIC);
    b = ok.clone();
    b[4] = 1; // the version before the issue #10 error codes
    ProtocolException v = readError(b, 4096);
    assertThat(v.reason()).isEqualTo(ProtocolException.Reason.UNSUPPORTED_VERSION);
    assertThat(v.requestId()).isEqualTo(7);
    b = ok.clone();
    b[5] = 0x33;
    assertThat(readError(b, 4096).reason()).isEqualTo(ProtocolException.Reason.UNKNOWN_TYPE);
    b = ok.clone();
    b[7] = 1;
    assertThat(readError(b, 4096).reason()).isEqualTo(ProtocolException.Reason.BAD_FLAGS);
    assertThat(readError(java.util.Arrays.copyOf(ok, 11), 4096).reason())
        .isEqualTo(ProtocolException.Reason.TRUNCATED);
    byte[] withPayload = frameBytes(new Message.Encrypted(new byte[50]), 9);
    assertThat(readError(java.util.Arrays.copyOf(withPayload, withPayload.length - 1), 4096).reason())
        .isEqualTo(ProtocolException.Reason.TRUNCATED);
  }

  @Test
  void badMagicIsRefusedAfterFourBytesWithoutWaitingForTheRest() {
    InputStream in = new InputStream() {
      int n;

      @Override
      public int read() throws IOException {
        if (n >= 4) {
          throw new AssertionError("read past the magic");
        }
        n++;
        return 'G';
      }
    };
    assertThatThrownBy(() -> new FrameReader(in).read()).isInstanceOf(ProtocolException.class)
        .extracting(e -> ((ProtocolException) e).reason()).isEqualTo(ProtocolException.Reason.BAD_MAGIC);
  }

  @Test
  void oversizeLengthIsRefusedBeforeReadingOrAllocatingThePayload() throws IOException {
    byte[] h = FrameFormat.header(MessageType.ENCRYPTED, 5, 0);
    for (int len : new int[] {4097, 0x7FFFFFFF, 0xFFFFFFFF}) {
      FrameFormat.putInt(h, 16, len);
      byte[] header = h.clone();
      InputStream in = new InputStream() {
        int pos;

        @Override
        public int read() {
          if (pos >= header.length) {
            throw new AssertionError("read past the header");
          }
          return header[pos++] & 0xFF;
        }
      };
      assertThatThrownBy(() -> new FrameReader(in, 4096).read()).isInstanceOf(ProtocolException.class)
          .extracting(e -> ((ProtocolException) e).reason()).isEqualTo(ProtocolException.Reason.FRAME_TOO_LARGE);
    }
  }

  @Test
  void writerRefusesOversizePayloadBeforeWriting() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FrameWriter w = new FrameWriter(out, 4096);
    assertThatThrownBy(() -> w.write(MessageType.ENCRYPTED, 1, new byte[4097]))
        .isInstanceOf(ProtocolException.class);
    assertThat(out.size()).isZero();
  }

  @Test
  void payloadErrorsAreTyped() {
    // trailing bytes after PING
    assertMalformed(MessageType.PING, new byte[] {0});
    // ENCRYPT with a string length past the end
    assertMalformed(MessageType.ENCRYPT, new byte[] {0, 10, 'a'});
    // bytes32 length past the end
    assertMalformed(MessageType.ENCRYPTED, new byte[] {0, 0, 0, 5, 1});
    assertMalformed(MessageType.ENCRYPTED, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
    // invalid UTF-8 (overlong '/')
    assertMalformed(MessageType.ENCRYPT, new byte[] {0, 2, (byte) 0xC0, (byte) 0xAF, 0, 0, 0, 0});
    // session id over its bound
    byte[] p = new byte[2 + 129 + 4];
    p[1] = (byte) 129;
    java.util.Arrays.fill(p, 2, 131, (byte) 'a');
    assertMalformed(MessageType.ENCRYPT, p);
    // unknown error code
    assertMalformed(MessageType.ERROR, new byte[] {0, 3, 'F', 'O', 'O', 0, 0});
  }

  private static void assertMalformed(MessageType t, byte[] payload) {
    assertThatThrownBy(() -> MessageCodec.decode(t, payload)).isInstanceOf(ProtocolException.class)
        .extracting(e -> ((ProtocolException) e).reason()).isEqualTo(ProtocolException.Reason.MALFORMED_PAYLOAD);
  }

  @Test
  void encoderEnforcesFieldBoundsAndCutsLongErrorMessages() throws IOException {
    assertThatThrownBy(() -> MessageCodec.encode(new Message.Encrypt("x".repeat(129), new byte[0])))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> MessageCodec.encode(new Message.Decrypt("t".repeat(257), "m", "p", new byte[0])))
        .isInstanceOf(ProtocolException.class);
    String longMsg = "é".repeat(2000);
    Message.Error e = (Message.Error) roundTrip(new Message.Error(EnclaveErrorCode.INTERNAL, longMsg));
    assertThat(e.message().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
    assertThat(longMsg).startsWith(e.message());
  }

  @Test
  void channelReaderAndWriterWork() throws IOException {
    java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
    FrameWriter.of(pipe.sink(), 4096).write(MessageType.PONG, 3, new byte[0]);
    Frame f = FrameReader.of(pipe.source(), 4096).read();
    assertThat(f.type()).isEqualTo(MessageType.PONG);
    assertThat(f.requestId()).isEqualTo(3);
  }
}
