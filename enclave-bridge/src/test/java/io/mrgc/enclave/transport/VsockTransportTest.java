package io.mrgc.enclave.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The vsock socket layer, as far as the kernel of the test machine allows: AF_VSOCK sockets can usually be created
 * and bound, but there may be no peer (loopback CID 1 needs the vsock_loopback module); what the kernel refuses is
 * skipped with an assumption message.
 */
class VsockTransportTest {

  @Test
  void sockaddrVmLayout() {
    byte[] le = SockaddrVm.encode(0x11223344, 0x00001388, ByteOrder.LITTLE_ENDIAN);
    assertThat(le).containsExactly(
        40, 0, // svm_family AF_VSOCK, host order
        0, 0, // svm_reserved1
        (byte) 0x88, 0x13, 0, 0, // svm_port 5000
        0x44, 0x33, 0x22, 0x11, // svm_cid
        0, 0, 0, 0); // svm_zero
    byte[] be = SockaddrVm.encode(3, 5000, ByteOrder.BIG_ENDIAN);
    assertThat(be).containsExactly(0, 40, 0, 0, 0, 0, 0x13, (byte) 0x88, 0, 0, 0, 3, 0, 0, 0, 0);
    byte[] any = SockaddrVm.encode(VsockSocket.VMADDR_CID_ANY, 5000);
    assertThat(any).hasSize(SockaddrVm.SIZE);
    assertThat(SockaddrVm.family(any)).isEqualTo(40);
    assertThat(SockaddrVm.cid(any)).isEqualTo(0xFFFFFFFF);
    assertThat(SockaddrVm.port(any)).isEqualTo(5000);
    assertThat(VsockSocket.PARENT_CID).isEqualTo(3);
  }

  private static VsockSocket openOrSkip() {
    try {
      return VsockSocket.open();
    } catch (IOException e) {
      assumeTrue(false, "AF_VSOCK sockets cannot be created here: " + e.getMessage());
      throw new AssertionError();
    }
  }

  @Test
  void socketCanBeCreatedAndClosedTwice() {
    VsockSocket s = openOrSkip();
    assertThat(s.isClosed()).isFalse();
    s.close();
    s.close();
    assertThat(s.isClosed()).isTrue();
    assertThatThrownBy(() -> s.read(new byte[1], 0, 1)).isInstanceOf(IOException.class)
        .hasMessageContaining("closed");
  }

  private static VsockSocket listenOrSkip(int port) {
    openOrSkip().close();
    try {
      return VsockSocket.listen(VsockSocket.VMADDR_CID_ANY, port, 4);
    } catch (IOException e) {
      assumeTrue(false, "the kernel refuses bind/listen on VMADDR_CID_ANY:" + port + ": " + e.getMessage());
      throw new AssertionError();
    }
  }

  @Test
  void bindAndListenOnAnyCid() throws IOException {
    int port = 20000 + ThreadLocalRandom.current().nextInt(20000);
    try (VsockSocket l = listenOrSkip(port)) {
      byte[] local = l.localAddress();
      assertThat(SockaddrVm.family(local)).isEqualTo(40);
      assertThat(SockaddrVm.port(local)).isEqualTo(port);
      // a second listener on the same port is refused with errno text
      assertThatThrownBy(() -> VsockSocket.listen(VsockSocket.VMADDR_CID_ANY, port, 4))
          .isInstanceOf(IOException.class).hasMessageContaining("bind").hasMessageContaining("errno");
    }
  }

  @Test
  void portAnyGetsAKernelChosenPort() throws IOException {
    try (VsockSocket l = listenOrSkip(VsockSocket.VMADDR_PORT_ANY)) {
      assertThat(SockaddrVm.port(l.localAddress())).isNotEqualTo(VsockSocket.VMADDR_PORT_ANY);
    }
  }

  @Test
  void closeEndsABlockedAccept() throws Exception {
    VsockSocket l = listenOrSkip(VsockSocket.VMADDR_PORT_ANY);
    Thread closer = new Thread(() -> {
      try {
        Thread.sleep(100);
      } catch (InterruptedException ignored) {
        // ignore
      }
      l.close();
    });
    long t0 = System.nanoTime();
    closer.start();
    assertThatThrownBy(l::accept).isInstanceOf(IOException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    closer.join();
  }

  @Test
  void connectToAnAbsentPeerFailsWithAClearIOException() {
    openOrSkip().close();
    int port = 40000 + ThreadLocalRandom.current().nextInt(10000); // nobody listens there
    VsockTransport t = new VsockTransport(VsockSocket.VMADDR_CID_LOCAL, port, Duration.ofMillis(300), 4);
    long t0 = System.nanoTime();
    try (Connection c = t.connect()) {
      assumeTrue(false, "something answered on vsock loopback port " + port);
    } catch (IOException e) {
      assertThat(e).isInstanceOf(ConnectException.class).hasMessageContaining("vsock connect(cid=1, port=" + port)
          .hasMessageContaining("errno");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void connectToCidAnyIsRefusedLocally() {
    assertThatThrownBy(() -> VsockTransport.enclaveListener(5000).connect()).isInstanceOf(IOException.class)
        .hasMessageContaining("VMADDR_CID_ANY");
  }

  @Test
  void endToEndOverVsockLoopbackWhenTheKernelHasIt() throws Exception {
    openOrSkip().close();
    int port = 20000 + ThreadLocalRandom.current().nextInt(20000);
    io.mrgc.enclave.server.EnclaveServer server = new io.mrgc.enclave.server.EnclaveServer(
        VsockTransport.enclaveListener(port), new io.mrgc.enclave.EnclaveHandler() {
          @Override
          public io.mrgc.enclave.Decrypted decryptRequest(io.mrgc.enclave.DecryptRequest r) {
            return new io.mrgc.enclave.Decrypted("s", r.envelope(), "r");
          }

          @Override
          public byte[] encryptResponse(String sessionId, byte[] plaintext) {
            return plaintext;
          }

          @Override
          public void ping() {}
        });
    try {
      server.start();
    } catch (IOException e) {
      assumeTrue(false, "the kernel refuses to listen on vsock port " + port + ": " + e.getMessage());
    }
    try {
      VsockTransport toLoopback = new VsockTransport(VsockSocket.VMADDR_CID_LOCAL, port, Duration.ofMillis(300), 4);
      try (Connection probe = toLoopback.connect()) {
        // loopback works: fall through to the real test
      } catch (IOException e) {
        assumeTrue(false, "vsock loopback (CID 1) does not connect on this kernel: " + e.getMessage());
      }
      try (io.mrgc.enclave.client.EnclaveClient client = new io.mrgc.enclave.client.EnclaveClient(toLoopback)) {
        client.ping();
        byte[] body = new byte[200_000];
        body[199_999] = 5;
        assertThat(client.decryptRequest(new io.mrgc.enclave.DecryptRequest(body, "t", "m", "/p")).plaintext())
            .isEqualTo(body);
        assertThat(client.encryptResponse("s", body)).isEqualTo(body);
      }
    } finally {
      server.stop();
    }
  }
}
