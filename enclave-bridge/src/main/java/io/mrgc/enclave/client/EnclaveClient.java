package io.mrgc.enclave.client;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.crypto.Scratch;
import io.mrgc.enclave.protocol.Frame;
import io.mrgc.enclave.protocol.FramedConnection;
import io.mrgc.enclave.protocol.Message;
import io.mrgc.enclave.protocol.MessageCodec;
import io.mrgc.enclave.protocol.MessageType;
import io.mrgc.enclave.protocol.ProtocolException;
import io.mrgc.enclave.protocol.StallWatchdog;
import io.mrgc.enclave.transport.Connection;
import io.mrgc.enclave.transport.Transport;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The parent side of the protocol: an {@link EnclaveHandler} whose calls go to the enclave. Thread-safe; calls from
 * many threads share a few multiplexed connections (answers matched by request id). Connections are opened on first
 * use and reopened after they fail (enclave restart), so the client survives enclave restarts without help.
 *
 * <p>Errors: an ERROR answer becomes {@code EnclaveException} with the code the enclave sent; any transport failure,
 * protocol violation by the enclave, or a call exceeding the call timeout becomes {@code
 * EnclaveException(ENCLAVE_UNAVAILABLE)}; a request that cannot be encoded (a field over its bound, a payload over
 * the frame bound, a null field) becomes {@code EnclaveException(MALFORMED)} without being sent. A call that timed
 * out may still have been carried out by the enclave (its late answer is dropped); a request whose write failed is
 * retried once on a fresh connection (a frame that was not completely written cannot have been processed).
 *
 * <p>Plaintext: the encoded ENCRYPT payload and every answer frame are zeroed once used; the plaintext array of a
 * {@link Decrypted} belongs to the caller, who zeroes it when done.
 */
public final class EnclaveClient implements EnclaveHandler, AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnclaveClient.class);

  private final Transport transport;
  private final EnclaveClientConfig config;
  private final Slot[] slots;
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final AtomicLong nextRequestId = new AtomicLong();
  private final AtomicInteger connectionSeq = new AtomicInteger();
  private final StallWatchdog watchdog;
  private volatile boolean closed;

  public EnclaveClient(Transport transport) {
    this(transport, EnclaveClientConfig.defaults());
  }

  public EnclaveClient(Transport transport, EnclaveClientConfig config) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.config = Objects.requireNonNull(config, "config");
    this.slots = new Slot[config.connections()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = new Slot();
    }
    this.watchdog = new StallWatchdog("enclave-client-watchdog",
        StallWatchdog.tickFor(config.frameReadTimeout(), config.writeTimeout()));
  }

  @Override
  public Decrypted decryptRequest(DecryptRequest request) throws EnclaveException {
    if (request == null || request.envelope() == null || request.expectedTenant() == null
        || request.expectedModel() == null || request.expectedPath() == null) {
      throw new EnclaveException(EnclaveErrorCode.MALFORMED, "decrypt request has a missing field");
    }
    Message.Decrypted m = (Message.Decrypted) call(new Message.Decrypt(request.expectedTenant(),
        request.expectedModel(), request.expectedPath(), request.envelope()), MessageType.DECRYPTED);
    return new Decrypted(m.sessionId(), m.plaintext(), m.requestId());
  }

  @Override
  public byte[] encryptResponse(String sessionId, byte[] plaintext) throws EnclaveException {
    if (sessionId == null || plaintext == null) {
      throw new EnclaveException(EnclaveErrorCode.MALFORMED, "encrypt request has a missing field");
    }
    Message.Encrypted m = (Message.Encrypted) call(new Message.Encrypt(sessionId, plaintext), MessageType.ENCRYPTED);
    return m.envelope();
  }

  @Override
  public void ping() throws EnclaveException {
    call(new Message.Ping(), MessageType.PONG);
  }

  /** Connections open now (for health reporting and tests). */
  public int openConnections() {
    int n = 0;
    for (Slot s : slots) {
      ClientConnection c = s.current;
      if (c != null && c.alive()) {
        n++;
      }
    }
    return n;
  }

  private Message call(Message request, MessageType expected) throws EnclaveException {
    if (closed) {
      throw unavailable("client closed", null);
    }
    byte[] payload;
    try {
      payload = MessageCodec.encode(request);
    } catch (ProtocolException e) {
      throw new EnclaveException(EnclaveErrorCode.MALFORMED, "request does not fit the protocol: " + e.getMessage());
    }
    if (payload.length > config.maxPayloadBytes()) {
      throw new EnclaveException(EnclaveErrorCode.MALFORMED,
          "request of " + payload.length + " bytes exceeds the frame bound of " + config.maxPayloadBytes());
    }
    try {
      return send(request, expected, payload);
    } finally {
      Scratch.zero(payload); // an ENCRYPT payload is the response's plaintext
    }
  }

  private Message send(Message request, MessageType expected, byte[] payload) throws EnclaveException {
    long deadline = System.nanoTime() + config.callTimeout().toNanos();
    Slot slot = slots[Math.floorMod(roundRobin.getAndIncrement(), slots.length)];
    for (int attempt = 0; ; attempt++) {
      ClientConnection c = slot.connection();
      long id = newRequestId();
      CompletableFuture<Frame> answer = c.register(id);
      try {
        c.fc.writer().write(request.type(), id, payload);
      } catch (IOException e) {
        c.pending.remove(id);
        c.fail("write failed: " + e);
        if (attempt == 0 && !closed && System.nanoTime() < deadline) {
          LOG.debug("{}: write of request {} failed ({}); retrying on a new connection", transport.describe(),
              id, e.toString());
          continue;
        }
        throw unavailable("cannot send to the enclave: " + e.getMessage(), e);
      }
      Frame frame = await(c, id, answer, deadline);
      return interpret(c, frame, expected);
    }
  }

  private long newRequestId() {
    long id;
    do {
      id = nextRequestId.incrementAndGet();
    } while (id == 0);
    return id;
  }

  private Frame await(ClientConnection c, long id, CompletableFuture<Frame> answer, long deadline)
      throws EnclaveException {
    try {
      long left = deadline - System.nanoTime();
      return answer.get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      c.pending.remove(id);
      throw unavailable("the enclave did not answer within " + config.callTimeout().toMillis() + " ms", null);
    } catch (InterruptedException e) {
      c.pending.remove(id);
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while waiting for the enclave", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw unavailable("connection to the enclave lost: " + (cause == null ? "?" : cause.getMessage()), cause);
    }
  }

  private Message interpret(ClientConnection c, Frame frame, MessageType expected) throws EnclaveException {
    Message m;
    try {
      m = MessageCodec.decode(frame);
    } catch (ProtocolException e) {
      c.fail("malformed answer: " + e.getMessage());
      throw unavailable("malformed answer from the enclave: " + e.getMessage(), e);
    } finally {
      frame.scrub(); // a DECRYPTED payload is the request's plaintext; the message has its own copy
    }
    if (m instanceof Message.Error err) {
      throw new EnclaveException(err.code(), err.message());
    }
    if (frame.type() != expected) {
      c.fail("answer of type " + frame.type() + " to a request expecting " + expected);
      throw unavailable("unexpected answer type " + frame.type() + " from the enclave", null);
    }
    return m;
  }

  private static EnclaveException unavailable(String message, Throwable cause) {
    return new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, message, cause);
  }

  /** Closes all connections; calls waiting for an answer fail with ENCLAVE_UNAVAILABLE. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (Slot s : slots) {
      s.closeCurrent();
    }
    watchdog.close();
  }

  private final class Slot {
    private volatile ClientConnection current;

    synchronized ClientConnection connection() throws EnclaveException {
      ClientConnection c = current;
      if (c != null && c.alive()) {
        return c;
      }
      if (closed) {
        throw unavailable("client closed", null);
      }
      Connection raw;
      try {
        raw = transport.connect();
      } catch (IOException e) {
        throw unavailable("cannot connect to the enclave at " + transport.describe() + ": " + e.getMessage(), e);
      }
      c = new ClientConnection(new FramedConnection(raw, config.maxPayloadBytes(), config.frameReadTimeout(),
          config.writeTimeout()), connectionSeq.incrementAndGet());
      current = c;
      watchdog.watch(c.fc);
      c.start();
      if (closed) {
        c.fail("client closed");
      }
      LOG.debug("connected to {} (#{})", transport.describe(), c.id);
      return c;
    }

    void closeCurrent() {
      ClientConnection c = current;
      if (c != null) {
        c.fail("client closed");
      }
    }
  }

  private final class ClientConnection {
    final FramedConnection fc;
    final int id;
    final Map<Long, CompletableFuture<Frame>> pending = new ConcurrentHashMap<>();
    private volatile boolean dead;

    ClientConnection(FramedConnection fc, int id) {
      this.fc = fc;
      this.id = id;
    }

    boolean alive() {
      return !dead && fc.isOpen();
    }

    CompletableFuture<Frame> register(long requestId) throws EnclaveException {
      if (pending.size() >= config.maxPendingPerConnection()) {
        throw unavailable("too many calls waiting for the enclave", null);
      }
      CompletableFuture<Frame> f = new CompletableFuture<>();
      pending.put(requestId, f);
      if (dead) { // lost a race with fail(): do not leave the call waiting for its timeout
        pending.remove(requestId);
        f.completeExceptionally(new IOException("connection closed"));
      }
      return f;
    }

    void start() {
      Thread t = new Thread(this::readLoop, "enclave-client-conn-" + id);
      t.setDaemon(true);
      t.start();
    }

    private void readLoop() {
      String why = "connection closed by the enclave";
      try {
        while (true) {
          Frame frame = fc.read();
          if (frame == null) {
            break;
          }
          if (frame.requestId() == 0) {
            why = "the enclave refused the connection";
            if (frame.type() == MessageType.ERROR) {
              try {
                Message.Error err = (Message.Error) MessageCodec.decode(frame);
                why = "the enclave refused the connection: " + err.code() + " " + err.message();
              } catch (ProtocolException ignored) {
                // keep the generic reason
              }
            }
            LOG.warn("{} #{}: {}", transport.describe(), id, why);
            break;
          }
          CompletableFuture<Frame> f = pending.remove(frame.requestId());
          if (f == null) {
            LOG.debug("{} #{}: dropping a late answer to request {}", transport.describe(), id,
                Long.toUnsignedString(frame.requestId()));
            frame.scrub(); // nobody will read it; it may be a request's plaintext
            continue;
          }
          f.complete(frame);
        }
      } catch (IOException e) {
        String reason = fc.closeReason();
        why = reason != null ? reason : e.getMessage();
        if (!dead) {
          LOG.info("{} #{}: connection lost: {}", transport.describe(), id, why);
        }
      } finally {
        fail(why);
      }
    }

    void fail(String why) {
      dead = true;
      fc.close(why);
      watchdog.forget(fc);
      IOException e = new IOException(why);
      for (Long key : pending.keySet()) {
        CompletableFuture<Frame> f = pending.remove(key);
        if (f != null) {
          f.completeExceptionally(e);
        }
      }
    }
  }
}
