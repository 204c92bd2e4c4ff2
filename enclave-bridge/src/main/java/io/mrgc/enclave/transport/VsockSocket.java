package io.mrgc.enclave.transport;

import com.sun.jna.Memory;
import io.mrgc.enclave.crypto.Scratch;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;

/**
 * A thin layer over an AF_VSOCK stream socket file descriptor (JNA calls to libc). Failures become IOExceptions
 * carrying the call, the address and {@code strerror(errno)}. Blocking calls wait in {@code poll} slices so that
 * {@link #close} from another thread ends them within {@link #POLL_SLICE_MILLIS}; the descriptor itself is closed
 * only once no call is using it (no fd-reuse race).
 */
public final class VsockSocket implements AutoCloseable {
  /** Any CID (bind address). */
  public static final int VMADDR_CID_ANY = 0xFFFFFFFF;
  /** Any port (bind lets the kernel choose). */
  public static final int VMADDR_PORT_ANY = 0xFFFFFFFF;
  public static final int VMADDR_CID_HYPERVISOR = 0;
  public static final int VMADDR_CID_LOCAL = 1;
  public static final int VMADDR_CID_HOST = 2;
  /** The parent instance as seen from a Nitro Enclave. */
  public static final int PARENT_CID = 3;
  /** setsockopt level AF_VSOCK, option SO_VM_SOCKETS_CONNECT_TIMEOUT (struct timeval; 64-bit time_t). */
  static final int SO_VM_SOCKETS_CONNECT_TIMEOUT = 6;
  static final int POLL_SLICE_MILLIS = 200;
  private static final int BUF = 64 * 1024;

  private final Object lock = new Object();
  private int fd;
  private int users;
  private boolean closed;
  private final boolean listening;
  private Memory readBuf;
  private Memory writeBuf;

  private VsockSocket(int fd, boolean listening) {
    this.fd = fd;
    this.listening = listening;
  }

  private static LibC libc() throws IOException {
    try {
      return LibC.INSTANCE;
    } catch (LinkageError e) {
      throw new IOException("libc not loadable through JNA: " + e.getMessage(), e);
    }
  }

  static IOException errno(String call, int errno) {
    String text;
    try {
      text = LibC.INSTANCE.strerror(errno);
    } catch (RuntimeException | LinkageError e) {
      text = "error";
    }
    return new SocketException(call + ": " + text + " (errno " + errno + ")");
  }

  /** Creates a stream socket to connect with. */
  public static VsockSocket open() throws IOException {
    return create(false);
  }

  /** Creates a bound, listening socket on (cid, port); cid is usually {@link #VMADDR_CID_ANY}. */
  public static VsockSocket listen(int cid, int port, int backlog) throws IOException {
    VsockSocket s = create(true);
    try {
      s.bind(cid, port);
      int fd = s.acquire();
      try {
        if (libc().listen(fd, backlog) != 0) {
          throw errno("vsock listen(" + addr(cid, port) + ")", Native.getLastError());
        }
      } finally {
        s.release();
      }
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  private static VsockSocket create(boolean listening) throws IOException {
    int type = LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC | (listening ? LibC.SOCK_NONBLOCK : 0);
    int fd = libc().socket(SockaddrVm.AF_VSOCK, type, 0);
    if (fd < 0) {
      throw errno("vsock socket(AF_VSOCK, SOCK_STREAM)", Native.getLastError());
    }
    return new VsockSocket(fd, listening);
  }

  static String addr(int cid, int port) {
    return "cid=" + Integer.toUnsignedString(cid) + ", port=" + Integer.toUnsignedString(port);
  }

  void bind(int cid, int port) throws IOException {
    int fd = acquire();
    try {
      byte[] a = SockaddrVm.encode(cid, port);
      if (libc().bind(fd, a, a.length) != 0) {
        throw errno("vsock bind(" + addr(cid, port) + ")", Native.getLastError());
      }
    } finally {
      release();
    }
  }

  /** The bound local address as a sockaddr_vm. */
  public byte[] localAddress() throws IOException {
    int fd = acquire();
    try {
      byte[] a = new byte[SockaddrVm.SIZE];
      int[] len = {a.length};
      if (libc().getsockname(fd, a, len) != 0) {
        throw errno("vsock getsockname", Native.getLastError());
      }
      return a;
    } finally {
      release();
    }
  }

  /**
   * Connects to (cid, port), waiting at most {@code timeout} (SO_VM_SOCKETS_CONNECT_TIMEOUT; the kernel default of 2
   * s applies if the option is refused).
   *
   * @throws ConnectException refused, timed out, no such CID...
   */
  public void connect(int cid, int port, Duration timeout) throws IOException {
    int fd = acquire();
    try {
      if (timeout != null) {
        Memory tv = new Memory(16);
        tv.setLong(0, timeout.toSeconds());
        tv.setLong(8, timeout.toMillisPart() * 1000L);
        libc().setsockopt(fd, SockaddrVm.AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, tv, 16); // best effort
      }
      byte[] a = SockaddrVm.encode(cid, port);
      int rc;
      int err;
      do {
        rc = libc().connect(fd, a, a.length);
        err = rc == 0 ? 0 : Native.getLastError();
      } while (rc != 0 && err == LibC.EINTR && !isClosed());
      if (rc != 0) {
        IOException e = errno("vsock connect(" + addr(cid, port) + ")", err);
        ConnectException ce = new ConnectException(e.getMessage());
        ce.initCause(e);
        throw ce;
      }
    } finally {
      release();
    }
  }

  /** Waits for a connection; ends with an IOException once this socket is closed. */
  public VsockSocket accept() throws IOException {
    if (!listening) {
      throw new SocketException("vsock accept: not a listening socket");
    }
    while (true) {
      int fd = acquire();
      try {
        if (!pollOnce(fd, LibC.POLLIN)) {
          continue;
        }
        int c = libc().accept4(fd, Pointer.NULL, Pointer.NULL, LibC.SOCK_CLOEXEC);
        if (c >= 0) {
          return new VsockSocket(c, false);
        }
        int err = Native.getLastError();
        if (err != LibC.EAGAIN && err != LibC.EINTR) {
          throw errno("vsock accept", err);
        }
      } finally {
        release();
      }
    }
  }

  /** Reads up to len bytes; -1 at end of stream. */
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int fd = acquire();
    try {
      while (!pollOnce(fd, LibC.POLLIN)) {
        checkOpen();
      }
      Memory buf = readBuffer();
      int want = Math.min(len, BUF);
      while (true) {
        long n = libc().recv(fd, buf, new NativeLong(want), 0).longValue();
        if (n > 0) {
          buf.read(0, b, off, (int) n);
          buf.clear(n); // native copy of what may be plaintext
          return (int) n;
        }
        if (n == 0) {
          return -1;
        }
        int err = Native.getLastError();
        if (err != LibC.EINTR) {
          checkOpen();
          throw errno("vsock recv", err);
        }
      }
    } finally {
      release();
    }
  }

  /** Writes all len bytes. */
  public void write(byte[] b, int off, int len) throws IOException {
    int fd = acquire();
    try {
      Memory buf = writeBuffer();
      while (len > 0) {
        while (!pollOnce(fd, LibC.POLLOUT)) {
          checkOpen();
        }
        int chunk = Math.min(len, BUF);
        buf.write(0, b, off, chunk);
        try {
          sendAll(fd, buf, chunk);
        } finally {
          buf.clear(chunk); // native copy of what may be plaintext
        }
        off += chunk;
        len -= chunk;
      }
    } finally {
      release();
    }
  }

  private void sendAll(int fd, Memory buf, int chunk) throws IOException {
    int done = 0;
    while (done < chunk) {
      long n = libc().send(fd, buf.share(done), new NativeLong(chunk - done), LibC.MSG_NOSIGNAL).longValue();
      if (n < 0) {
        int err = Native.getLastError();
        if (err == LibC.EINTR) {
          continue;
        }
        checkOpen();
        throw errno("vsock send", err);
      }
      done += (int) n;
    }
  }

  private boolean pollOnce(int fd, short events) throws IOException {
    Memory pfd = new Memory(8);
    pfd.setInt(0, fd);
    pfd.setShort(4, events);
    pfd.setShort(6, (short) 0);
    int rc = libc().poll(pfd, new NativeLong(1), POLL_SLICE_MILLIS);
    if (rc < 0) {
      int err = Native.getLastError();
      if (err == LibC.EINTR) {
        return false;
      }
      throw errno("vsock poll", err);
    }
    checkOpen();
    return rc > 0; // readable/writable, or an error/hangup that the following call reports
  }

  private Memory readBuffer() {
    if (readBuf == null) {
      readBuf = Scratch.track(new Memory(BUF));
    }
    return readBuf;
  }

  private Memory writeBuffer() {
    if (writeBuf == null) {
      writeBuf = Scratch.track(new Memory(BUF));
    }
    return writeBuf;
  }

  private int acquire() throws IOException {
    synchronized (lock) {
      if (closed) {
        throw new SocketException("vsock socket closed");
      }
      users++;
      return fd;
    }
  }

  private void release() {
    synchronized (lock) {
      users--;
      if (closed && users == 0 && fd >= 0) {
        LibC.INSTANCE.close(fd);
        fd = -1;
      }
    }
  }

  private void checkOpen() throws IOException {
    if (isClosed()) {
      throw new SocketException("vsock socket closed");
    }
  }

  public boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /** Closes the socket; calls blocked in other threads end within the poll slice. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (fd < 0) {
        return;
      }
      if (users == 0) {
        LibC.INSTANCE.close(fd);
        fd = -1;
      } else if (!listening) {
        LibC.INSTANCE.shutdown(fd, LibC.SHUT_RDWR); // wakes a peer and blocked calls now; fd closed on release
      }
    }
  }
}
