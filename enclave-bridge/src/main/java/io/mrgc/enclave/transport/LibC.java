package io.mrgc.enclave.transport;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/** The few libc calls vsock needs. errno is read with {@link Native#getLastError()} after a -1 return. */
interface LibC extends Library {
  LibC INSTANCE = Native.load("c", LibC.class);

  int SOCK_STREAM = 1;
  int SOCK_NONBLOCK = 0x800;
  int SOCK_CLOEXEC = 0x80000;
  int SHUT_RDWR = 2;
  int MSG_NOSIGNAL = 0x4000;
  short POLLIN = 0x1;
  short POLLOUT = 0x4;
  int EINTR = 4;
  int EAGAIN = 11;

  int socket(int domain, int type, int protocol);

  int bind(int fd, byte[] addr, int addrlen);

  int listen(int fd, int backlog);

  int accept4(int fd, Pointer addr, Pointer addrlen, int flags);

  int connect(int fd, byte[] addr, int addrlen);

  NativeLong recv(int fd, Pointer buf, NativeLong len, int flags);

  NativeLong send(int fd, Pointer buf, NativeLong len, int flags);

  int shutdown(int fd, int how);

  int close(int fd);

  int poll(Pointer fds, NativeLong nfds, int timeoutMillis);

  int setsockopt(int fd, int level, int optname, Pointer optval, int optlen);

  int getsockname(int fd, byte[] addr, int[] addrlen);

  String strerror(int errnum);
}
