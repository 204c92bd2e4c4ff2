package io.mrgc.state.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The embedded DynamoDB Local answers on loopback only: nothing else on the network reaches the local tables. */
class EmbeddedDynamoDbTest {

  @Test
  void itListensOn127001AndNoOtherAddress() throws IOException {
    try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(0, null)) {
      try (Socket loopback = new Socket()) {
        loopback.connect(new InetSocketAddress("127.0.0.1", db.port()), 2_000);
        assertThat(loopback.isConnected()).isTrue();
      }
      // 127.0.0.2 is this host too (all of 127/8 is): a server listening on every interface would accept here, as
      // it would on the host's network addresses.
      assertThatThrownBy(() -> {
        try (Socket other = new Socket()) {
          other.connect(new InetSocketAddress("127.0.0.2", db.port()), 2_000);
        }
      }).isInstanceOf(ConnectException.class);
    }
  }
}
