package io.mrgc.enclave.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.client.EnclaveClient;
import io.mrgc.enclave.crypto.Scratch;
import io.mrgc.enclave.service.EnclaveService;
import io.mrgc.enclave.service.Fixture;
import io.mrgc.enclave.transport.UnixSocketTransport;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.envelope.TenantEnvelopes;
import io.mrgc.wire.keys.DataKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 9 of issue #10: after a request/response round trip through the real client, server and enclave service
 * over a Unix socket, no scratch buffer of the enclave path (frame reader buffers and their growth copies, decoded
 * and encoded message payloads, combined frame writes, the sockets' direct buffers; vsock's native buffers register
 * the same way) holds the request's or the response's plaintext. The bodies are a few hundred KiB so frame buffers
 * grow and sockets carry many chunks. The controls: the same scan, run while each plaintext is in use (in the
 * enclave's seal call; in the parent before it zeroes the decrypted array as the node agent does), finds it. Any
 * one of the zeroing calls removed makes the final scan find a marker.
 */
class EnclaveBufferResidueTest {
  private static final int BODY_BYTES = 300 * 1024;

  @TempDir Path dir;
  private final List<Object> scratch = new ArrayList<>();
  private EnclaveServer server;
  private EnclaveClient client;

  @AfterEach
  void tearDown() {
    Scratch.watch(null);
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void noScratchBufferHoldsPlaintextAfterARoundTrip() throws Exception {
    Fixture f = new Fixture(dir);
    byte[] requestMarker = marker("REQUEST");
    byte[] responseMarker = marker("RESPONSE");
    Scratch.watch(this::watched);
    EnclaveService service = f.service();
    AtomicBoolean responseSeenWhileSealing = new AtomicBoolean();
    EnclaveHandler spy = new EnclaveHandler() {
      @Override
      public Decrypted decryptRequest(DecryptRequest request) throws EnclaveException {
        return service.decryptRequest(request);
      }

      @Override
      public byte[] encryptResponse(String sessionId, byte[] plaintext) throws EnclaveException {
        responseSeenWhileSealing.set(anyHolds(responseMarker));
        return service.encryptResponse(sessionId, plaintext);
      }

      @Override
      public void ping() throws EnclaveException {
        service.ping();
      }
    };
    UnixSocketTransport transport = new UnixSocketTransport(dir.resolve("enclave.sock"));
    server = new EnclaveServer(transport, spy);
    server.start();
    client = new EnclaveClient(transport);

    DataKey key = f.dataKey("acme", f.acmeKey);
    byte[] question = body(requestMarker);
    TenantEnvelopes.SealedRequest sealed = f.tenant.sealRequest(key.plaintext(), key.edk(),
        new EnvelopeHeader("acme", f.acmeKey, Fixture.MODEL, Fixture.PATH, "r-residue"), question);
    Decrypted opened = client.decryptRequest(Fixture.asTenant(sealed.envelope(), "acme"));
    assertThat(opened.plaintext()).isEqualTo(question);
    boolean requestSeenBeforeHandOff = anyHolds(requestMarker);
    Arrays.fill(opened.plaintext(), (byte) 0); // what the node agent does once it has copied it

    byte[] answer = body(responseMarker);
    byte[] toSeal = answer.clone();
    byte[] sealedAnswer = client.encryptResponse(opened.sessionId(), toSeal);
    Arrays.fill(toSeal, (byte) 0);
    assertThat(f.tenant.openResponse(key.plaintext(), sealed.binding(), sealedAnswer)).isEqualTo(answer);
    client.close();
    server.stop(); // waits for the workers, so their zeroing after the answer has run

    assertThat(requestSeenBeforeHandOff).as("control: the decrypted request is in a scratch buffer").isTrue();
    assertThat(responseSeenWhileSealing).as("control: the response is in a scratch buffer while sealed").isTrue();
    assertThat(scratch.stream().filter(ByteBuffer.class::isInstance).count())
        .as("the sockets' direct buffers are scanned").isGreaterThanOrEqualTo(4);
    assertThat(scratch.stream().filter(b -> b instanceof byte[] a && a.length > 64 * 1024).count())
        .as("grown frame buffers are scanned").isPositive();
    synchronized (scratch) {
      for (Object buffer : scratch) {
        assertThat(holds(buffer, requestMarker)).as("request plaintext in a %s", kind(buffer)).isFalse();
        assertThat(holds(buffer, responseMarker)).as("response plaintext in a %s", kind(buffer)).isFalse();
      }
    }
  }

  private void watched(Object buffer) {
    synchronized (scratch) {
      scratch.add(buffer);
    }
  }

  private boolean anyHolds(byte[] marker) {
    synchronized (scratch) {
      return scratch.stream().anyMatch(b -> holds(b, marker));
    }
  }

  /** A random marker (never a String constant, so no other copy of it exists) spread through a large body. */
  private static byte[] marker(String kind) {
    return (kind + "-MARKER-" + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] body(byte[] marker) {
    byte[] body = new byte[BODY_BYTES];
    Arrays.fill(body, (byte) ' ');
    for (int at = 0; at + marker.length <= body.length; at += 40 * 1024) {
      System.arraycopy(marker, 0, body, at, marker.length);
    }
    System.arraycopy(marker, 0, body, body.length - marker.length, marker.length);
    return body;
  }

  private static boolean holds(Object buffer, byte[] marker) {
    byte[] bytes;
    if (buffer instanceof byte[] a) {
      bytes = a;
    } else if (buffer instanceof ByteBuffer bb) {
      ByteBuffer all = bb.duplicate().clear();
      bytes = new byte[all.remaining()];
      all.get(bytes);
    } else if (buffer instanceof Memory m) {
      bytes = m.getByteArray(0, (int) m.size());
    } else {
      throw new AssertionError("unknown scratch buffer " + buffer.getClass());
    }
    return indexOf(bytes, marker) >= 0;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static String kind(Object buffer) {
    return buffer instanceof byte[] a ? "byte[" + a.length + "]" : buffer.getClass().getSimpleName();
  }
}
