package io.mrgc.enclave.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.time.Duration;
import java.util.Objects;

/**
 * AF_VSOCK stream sockets between the EC2 parent and its Nitro Enclave. The enclave listens on {@code
 * VMADDR_CID_ANY:port} ({@link #enclaveListener}); the parent connects to the enclave's CID (from {@code nitro-cli
 * run-enclave}/{@code describe-enclaves}, field EnclaveCID) on the same port ({@link #toEnclave}). Default port
 * {@link #DEFAULT_PORT}.
 */
public final class VsockTransport implements Transport {
  public static final int DEFAULT_PORT = 5000;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private final int cid;
  private final int port;
  private final Duration connectTimeout;
  private final int backlog;

  /**
   * @param cid the CID to connect to, or to bind when listening (usually {@link VsockSocket#VMADDR_CID_ANY})
   * @param port the vsock port
   */
  public VsockTransport(int cid, int port) {
    this(cid, port, DEFAULT_CONNECT_TIMEOUT, 64);
  }

  public VsockTransport(int cid, int port, Duration connectTimeout, int backlog) {
    this.cid = cid;
    this.port = port;
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be > 0");
    }
    if (backlog < 1) {
      throw new IllegalArgumentException("backlog must be >= 1");
    }
    this.backlog = backlog;
  }

  /** The enclave side: listen on VMADDR_CID_ANY:port. */
  public static VsockTransport enclaveListener(int port) {
    return new VsockTransport(VsockSocket.VMADDR_CID_ANY, port);
  }

  /** The parent side: connect to enclaveCid:port. */
  public static VsockTransport toEnclave(int enclaveCid, int port) {
    return new VsockTransport(enclaveCid, port);
  }

  public int cid() {
    return cid;
  }

  public int port() {
    return port;
  }

  @Override
  public Connection connect() throws IOException {
    if (cid == VsockSocket.VMADDR_CID_ANY) {
      throw new SocketException("vsock connect: VMADDR_CID_ANY is a bind address, not a peer");
    }
    VsockSocket s = VsockSocket.open();
    try {
      s.connect(cid, port, connectTimeout);
    } catch (IOException e) {
      s.close();
      throw e;
    }
    return new VsockConnection(s, "vsock:" + VsockSocket.addr(cid, port) + " (client)");
  }

  @Override
  public Listener listen() throws IOException {
    VsockSocket s = VsockSocket.listen(cid, port, backlog);
    String name = "vsock:" + VsockSocket.addr(cid, port);
    return new Listener() {
      @Override
      public Connection accept() throws IOException {
        return new VsockConnection(s.accept(), name + " (server)");
      }

      @Override
      public boolean isOpen() {
        return !s.isClosed();
      }

      @Override
      public void close() {
        s.close();
      }

      @Override
      public String describe() {
        return name;
      }
    };
  }

  @Override
  public String describe() {
    return "vsock:" + VsockSocket.addr(cid, port);
  }

  @Override
  public String toString() {
    return describe();
  }

  static final class VsockConnection implements Connection {
    private final VsockSocket s;
    private final String description;
    private final InputStream in;
    private final OutputStream out;

    VsockConnection(VsockSocket s, String description) {
      this.s = s;
      this.description = description;
      this.in = RawStreams.input(s::read);
      this.out = RawStreams.output(s::write);
    }

    @Override
    public InputStream input() {
      return in;
    }

    @Override
    public OutputStream output() {
      return out;
    }

    @Override
    public boolean isOpen() {
      return !s.isClosed();
    }

    @Override
    public void close() {
      s.close();
    }

    @Override
    public String describe() {
      return description;
    }
  }
}
