package io.mrgc.enclave.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Unix domain stream sockets (JDK 16+ {@link SocketChannel} with {@link UnixDomainSocketAddress}). Used locally and
 * in tests in place of vsock. {@link #listen} removes a stale socket file (one nobody accepts on), refuses to replace
 * a live one or a non-socket file, and publishes the socket with owner-only permissions (bound under a temporary
 * name, chmod 0600, then renamed into place, so the path never exists with wider permissions).
 */
public final class UnixSocketTransport implements Transport {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UnixSocketTransport.class);
  private final Path path;
  private final int backlog;

  public UnixSocketTransport(Path path) {
    this(path, 64);
  }

  public UnixSocketTransport(Path path, int backlog) {
    this.path = Objects.requireNonNull(path, "path").toAbsolutePath();
    if (backlog < 1) {
      throw new IllegalArgumentException("backlog must be >= 1");
    }
    this.backlog = backlog;
  }

  public Path path() {
    return path;
  }

  @Override
  public Connection connect() throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(path));
      return new UnixConnection(ch, "unix:" + path + " (client)");
    } catch (IOException e) {
      ch.close();
      ConnectException ce = new ConnectException("cannot connect to unix:" + path + ": " + e.getMessage());
      ce.initCause(e);
      throw ce;
    }
  }

  @Override
  public Listener listen() throws IOException {
    removeStale();
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    ServerSocketChannel ssc = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ssc.bind(UnixDomainSocketAddress.of(tmp), backlog);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      ssc.close();
      Files.deleteIfExists(tmp);
      throw e;
    }
    return new UnixListener(ssc, path);
  }

  private void removeStale() throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
        || Files.isSymbolicLink(path)) {
      throw new AccessDeniedException(path.toString(), null, "exists and is not a socket; not replacing it");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      throw new IOException("unix:" + path + " is in use by a live listener");
    } catch (ConnectException stale) {
      LOG.info("removing stale socket file {}", path);
      Files.deleteIfExists(path);
    }
  }

  @Override
  public String describe() {
    return "unix:" + path;
  }

  @Override
  public String toString() {
    return describe();
  }

  private static final class UnixListener implements Listener {
    private final ServerSocketChannel ssc;
    private final Path path;

    UnixListener(ServerSocketChannel ssc, Path path) {
      this.ssc = ssc;
      this.path = path;
    }

    @Override
    public Connection accept() throws IOException {
      SocketChannel ch = ssc.accept();
      return new UnixConnection(ch, "unix:" + path + " (server)");
    }

    @Override
    public boolean isOpen() {
      return ssc.isOpen();
    }

    @Override
    public void close() {
      if (!ssc.isOpen()) {
        return;
      }
      try {
        ssc.close();
      } catch (IOException e) {
        LOG.debug("closing listener on {}: {}", path, e.toString());
      }
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        LOG.warn("cannot remove socket file {}: {}", path, e.toString());
      }
    }

    @Override
    public String describe() {
      return "unix:" + path;
    }
  }

  /** A connection over a blocking SocketChannel; streams call the channel directly (no shared blocking lock). */
  static final class UnixConnection implements Connection {
    private final SocketChannel ch;
    private final String description;
    private final InputStream in;
    private final OutputStream out;

    UnixConnection(SocketChannel ch, String description) {
      this.ch = ch;
      this.description = description;
      ScrubbedChannelIo io = new ScrubbedChannelIo(ch);
      this.in = RawStreams.input(io::read);
      this.out = RawStreams.output(io::write);
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
      return ch.isOpen();
    }

    @Override
    public void close() {
      try {
        ch.close();
      } catch (IOException e) {
        LOG.debug("closing {}: {}", description, e.toString());
      }
    }

    @Override
    public String describe() {
      return description;
    }
  }
}
