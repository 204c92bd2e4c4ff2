package io.mrgc.enclave.server;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.crypto.Scratch;
import io.mrgc.enclave.protocol.Frame;
import io.mrgc.enclave.protocol.FramedConnection;
import io.mrgc.enclave.protocol.Message;
import io.mrgc.enclave.protocol.MessageCodec;
import io.mrgc.enclave.protocol.ProtocolException;
import io.mrgc.enclave.protocol.StallWatchdog;
import io.mrgc.enclave.transport.Connection;
import io.mrgc.enclave.transport.Listener;
import io.mrgc.enclave.transport.Transport;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.io.IOException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The enclave side of the protocol: accepts connections on a {@link Transport}, reads request frames and answers
 * each through an {@link EnclaveHandler}. Requests of one connection run concurrently on a shared bounded worker
 * pool and are answered by request id, in completion order; PING is answered at once by the connection's reader.
 *
 * <p>A protocol error (bad frame, unknown type or version, malformed payload, a response type sent as a request) is
 * answered with ERROR(MALFORMED) carrying the frame's request id (0 if the header was unreadable), then the
 * connection is closed. A frame half-sent for longer than the frame read timeout, or an answer the peer does not
 * read within the write timeout, closes the connection; other connections are not affected.
 */
public final class EnclaveServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnclaveServer.class);

  private final Transport transport;
  private final EnclaveHandler handler;
  private final EnclaveServerConfig config;
  private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionSeq = new AtomicInteger();
  private volatile boolean running;
  private Listener listener;
  private Thread acceptThread;
  private ThreadPoolExecutor workers;
  private StallWatchdog watchdog;

  public EnclaveServer(Transport transport, EnclaveHandler handler) {
    this(transport, handler, EnclaveServerConfig.defaults());
  }

  public EnclaveServer(Transport transport, EnclaveHandler handler, EnclaveServerConfig config) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.config = Objects.requireNonNull(config, "config");
  }

  /** Starts listening and serving; returns once the endpoint accepts connections. */
  public synchronized void start() throws IOException {
    if (running) {
      throw new IllegalStateException("already started");
    }
    listener = transport.listen();
    AtomicInteger workerSeq = new AtomicInteger();
    workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(config.maxQueuedRequests()), r -> {
          Thread t = new Thread(r, "enclave-worker-" + workerSeq.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    watchdog = new StallWatchdog("enclave-server-watchdog",
        StallWatchdog.tickFor(config.frameReadTimeout(), config.writeTimeout()));
    running = true;
    acceptThread = new Thread(this::acceptLoop, "enclave-accept");
    acceptThread.setDaemon(true);
    acceptThread.start();
    LOG.info("enclave server listening on {}", listener.describe());
  }

  public boolean isRunning() {
    return running;
  }

  /** Connections being served now. */
  public int connectionCount() {
    return connections.size();
  }

  private void acceptLoop() {
    while (running) {
      Connection c;
      try {
        c = listener.accept();
      } catch (IOException e) {
        if (!running) {
          break;
        }
        LOG.warn("accept on {} failed: {}", listener.describe(), e.toString());
        sleepQuietly(100);
        continue;
      }
      FramedConnection fc = new FramedConnection(c, config.maxPayloadBytes(), config.frameReadTimeout(),
          config.writeTimeout());
      if (!running) {
        fc.close();
        break;
      }
      if (connections.size() >= config.maxConnections()) {
        LOG.warn("refusing a connection on {}: {} connections open", listener.describe(), connections.size());
        watchdog.watch(fc);
        try {
          fc.send(0, new Message.Error(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "too many connections"));
        } catch (IOException ignored) {
          // closing anyway
        }
        fc.close();
        continue;
      }
      ServerConnection sc = new ServerConnection(fc, connectionSeq.incrementAndGet());
      connections.add(sc);
      watchdog.watch(fc);
      Thread t = new Thread(sc::readLoop, "enclave-conn-" + sc.id);
      t.setDaemon(true);
      sc.thread = t;
      t.start();
      if (!running) {
        sc.close();
      }
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops accepting, closes all connections, lets running handler calls finish for the stop grace, then interrupts
   * them. Idempotent.
   */
  public void stop() {
    synchronized (this) {
      if (!running) {
        return;
      }
      running = false;
    }
    listener.close();
    java.util.List<ServerConnection> open = java.util.List.copyOf(connections);
    for (ServerConnection sc : open) {
      sc.close();
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(config.stopGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
      acceptThread.join(1000);
      for (ServerConnection sc : open) {
        Thread t = sc.thread;
        if (t != null) {
          t.join(1000);
        }
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    watchdog.close();
    LOG.info("enclave server on {} stopped", listener.describe());
  }

  @Override
  public void close() {
    stop();
  }

  private final class ServerConnection {
    final FramedConnection fc;
    final int id;
    final Semaphore inFlight = new Semaphore(config.maxInFlightPerConnection());
    volatile Thread thread;

    ServerConnection(FramedConnection fc, int id) {
      this.fc = fc;
      this.id = id;
    }

    void readLoop() {
      try {
        while (running) {
          Frame frame = fc.read();
          if (frame == null) {
            LOG.debug("{} #{}: peer closed", fc.describe(), id);
            break;
          }
          long requestId = frame.requestId();
          Message msg;
          try {
            msg = MessageCodec.decode(frame);
          } finally {
            frame.scrub(); // the message holds its own copies; the payload may be a response's plaintext
          }
          if (!frame.type().isRequest()) {
            throw new ProtocolException(ProtocolException.Reason.UNEXPECTED_MESSAGE, requestId,
                frame.type() + " is not a request");
          }
          if (msg instanceof Message.Ping) {
            fc.send(requestId, new Message.Pong());
            continue;
          }
          inFlight.acquire();
          try {
            workers.execute(() -> handle(requestId, msg));
          } catch (RejectedExecutionException e) {
            inFlight.release();
            fc.send(requestId, new Message.Error(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "enclave busy"));
          }
        }
      } catch (ProtocolException e) {
        LOG.warn("{} #{}: protocol error ({}), request id {}; closing", fc.describe(), id, e.getMessage(),
            Long.toUnsignedString(e.requestId()));
        try {
          fc.send(e.requestId(), new Message.Error(EnclaveErrorCode.MALFORMED, "protocol error: " + e.reason()));
        } catch (IOException ignored) {
          // the peer is gone or not reading; closing anyway
        }
      } catch (IOException e) {
        if (running) {
          String why = fc.closeReason();
          LOG.info("{} #{}: connection ended: {}", fc.describe(), id, why != null ? why : e.toString());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        close();
      }
    }

    void handle(long requestId, Message msg) {
      Message reply;
      try {
        reply = answer(msg);
      } catch (EnclaveException e) {
        reply = new Message.Error(e.code(), e.getMessage() == null ? "" : e.getMessage());
      } catch (RuntimeException | Error e) {
        LOG.error("{} #{}: handler failed on request {} ({})", fc.describe(), id, Long.toUnsignedString(requestId),
            msg.type(), e);
        reply = new Message.Error(EnclaveErrorCode.INTERNAL, "internal error");
      } finally {
        if (msg instanceof Message.Encrypt e) {
          Scratch.zero(e.plaintext()); // the response's plaintext, sealed now (or refused)
        }
      }
      try {
        send(requestId, reply);
      } finally {
        if (reply instanceof Message.Decrypted d) {
          Scratch.zero(d.plaintext()); // the request's plaintext, handed to the parent now
        }
        inFlight.release();
      }
    }

    private Message answer(Message msg) throws EnclaveException {
      if (msg instanceof Message.Decrypt d) {
        Decrypted r = handler.decryptRequest(
            new DecryptRequest(d.envelope(), d.expectedTenant(), d.expectedModel(), d.expectedPath()));
        if (r == null) {
          throw new IllegalStateException("handler returned null");
        }
        return new Message.Decrypted(r.sessionId(), r.requestId(), r.plaintext());
      } else if (msg instanceof Message.Encrypt e) {
        return new Message.Encrypted(handler.encryptResponse(e.sessionId(), e.plaintext()));
      }
      throw new IllegalStateException("not a handler request: " + msg.type());
    }

    private void send(long requestId, Message reply) {
      try {
        try {
          fc.send(requestId, reply);
        } catch (ProtocolException e) {
          LOG.error("{} #{}: answer to request {} does not fit the protocol: {}", fc.describe(), id,
              Long.toUnsignedString(requestId), e.getMessage());
          fc.send(requestId, new Message.Error(EnclaveErrorCode.INTERNAL, "answer exceeds protocol bounds"));
        }
      } catch (IOException e) {
        LOG.info("{} #{}: cannot send the answer to request {}: {}", fc.describe(), id,
            Long.toUnsignedString(requestId), e.toString());
        close();
      }
    }

    void close() {
      fc.close();
      watchdog.forget(fc);
      connections.remove(this);
    }
  }
}
