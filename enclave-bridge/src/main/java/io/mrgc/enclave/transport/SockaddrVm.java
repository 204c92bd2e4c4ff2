package io.mrgc.enclave.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_vm} from linux/vm_sockets.h, 16 bytes, all fields in host byte order (unlike sockaddr_in,
 * vsock does not use network order):
 *
 * <pre>
 * offset size field
 *  0     2    svm_family     AF_VSOCK (40)
 *  2     2    svm_reserved1  0
 *  4     4    svm_port       u32
 *  8     4    svm_cid        u32
 * 12     4    svm_zero       0 (svm_flags u8 + 3 zero bytes on newer kernels; we always send 0)
 * </pre>
 */
public final class SockaddrVm {
  public static final int SIZE = 16;
  public static final int AF_VSOCK = 40;

  private SockaddrVm() {}

  /** Encodes an address in host byte order. {@code cid} and {@code port} are u32 (e.g. -1 = 0xFFFFFFFF). */
  public static byte[] encode(int cid, int port) {
    return encode(cid, port, ByteOrder.nativeOrder());
  }

  static byte[] encode(int cid, int port, ByteOrder order) {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(order);
    b.putShort((short) AF_VSOCK);
    b.putShort((short) 0);
    b.putInt(port);
    b.putInt(cid);
    b.putInt(0);
    return b.array();
  }

  /** The family field of an encoded address. */
  public static int family(byte[] addr) {
    return ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).getShort(0) & 0xFFFF;
  }

  /** The port field (u32 as int). */
  public static int port(byte[] addr) {
    return ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).getInt(4);
  }

  /** The cid field (u32 as int). */
  public static int cid(byte[] addr) {
    return ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).getInt(8);
  }
}
