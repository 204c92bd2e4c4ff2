package io.mrgc.enclave.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketTransportTest {
  @TempDir Path dir;

  @Test
  void listenPublishesAnOwnerOnlySocketAndCarriesBytes() throws IOException {
    Path p = dir.resolve("e.sock");
    UnixSocketTransport t = new UnixSocketTransport(p);
    try (Listener l = t.listen()) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
      assertThat(Files.list(dir)).containsExactly(p); // no temporary name left behind
      try (Connection c = t.connect(); Connection s = l.accept()) {
        c.output().write(new byte[] {1, 2, 3});
        byte[] b = new byte[3];
        assertThat(s.input().read(b, 0, 3)).isPositive();
        s.close();
        assertThat(s.isOpen()).isFalse();
      }
    }
    assertThat(p).doesNotExist();
  }

  @Test
  void staleSocketFileIsReplacedButALiveOneIsNot() throws IOException {
    Path p = dir.resolve("stale.sock");
    ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    old.bind(UnixDomainSocketAddress.of(p));
    UnixSocketTransport t = new UnixSocketTransport(p);
    assertThatThrownBy(t::listen).isInstanceOf(IOException.class).hasMessageContaining("in use");
    old.close(); // the file stays: now stale
    assertThat(p).exists();
    try (Listener l = t.listen()) {
      assertThat(l.isOpen()).isTrue();
    }
  }

  @Test
  void aRegularFileIsNeverReplaced() throws IOException {
    Path p = dir.resolve("file");
    Files.writeString(p, "keep");
    assertThatThrownBy(() -> new UnixSocketTransport(p).listen()).isInstanceOf(IOException.class);
    assertThat(Files.readString(p)).isEqualTo("keep");
  }

  @Test
  void connectToNothingFailsWithConnectException() {
    assertThatThrownBy(() -> new UnixSocketTransport(dir.resolve("none.sock")).connect())
        .isInstanceOf(ConnectException.class).hasMessageContaining("none.sock");
  }

  @Test
  void closingTheListenerEndsABlockedAccept() throws Exception {
    UnixSocketTransport t = new UnixSocketTransport(dir.resolve("a.sock"));
    Listener l = t.listen();
    Thread closer = new Thread(() -> {
      try {
        Thread.sleep(100);
      } catch (InterruptedException ignored) {
        // ignore
      }
      l.close();
    });
    closer.start();
    assertThatThrownBy(l::accept).isInstanceOf(IOException.class);
    closer.join();
  }
}
