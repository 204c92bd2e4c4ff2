package io.mrgc.state.local;

import io.mrgc.common.net.FreePorts;
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Connector; // Jetty comes with DynamoDB Local
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * DynamoDB Local running inside this JVM on a loopback HTTP port: the local cluster's stand-in for the global
 * tables. In memory unless a data directory is given (then state survives restarts). One shared database for all
 * regions and credentials, as global tables look to their readers once replicated.
 */
public final class EmbeddedDynamoDb implements AutoCloseable {
  private static final String LOOPBACK = "127.0.0.1";
  private static final String NATIVE_LIBRARY = "libsqlite4java-linux-amd64-1.0.392.so";
  private static final String LIBRARY_PATH_PROPERTY = "sqlite4java.library.path";

  private final String host;
  private final int port;
  private final Path dataDir;
  private DynamoDBProxyServer server;

  private EmbeddedDynamoDb(String host, int port, Path dataDir) {
    this.host = host;
    this.port = port;
    this.dataDir = dataDir;
  }

  /** Starts on loopback {@code port} (0 picks a free one), in memory when {@code dataDir} is null. */
  public static EmbeddedDynamoDb start(int port, Path dataDir) {
    return start(LOOPBACK, port, dataDir);
  }

  /**
   * Starts on {@code host}: loopback, or a private network's address where DynamoDB Local runs as its own service
   * (a container whose network only the deployment's containers share).
   */
  public static EmbeddedDynamoDb start(String host, int port, Path dataDir) {
    EmbeddedDynamoDb db = new EmbeddedDynamoDb(host, port == 0 ? FreePorts.loopback() : port, dataDir);
    db.restart();
    return db;
  }

  /** Starts again on the same port after {@link #stop()} (with a data dir, with the same tables and items). */
  public synchronized void restart() {
    if (server != null) {
      return;
    }
    ensureNativeLibrary();
    List<String> args = new ArrayList<>(List.of("-port", Integer.toString(port), "-sharedDb", "-disableTelemetry"));
    if (dataDir == null) {
      args.add("-inMemory");
    } else {
      try {
        Files.createDirectories(dataDir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create DynamoDB data dir " + dataDir, e);
      }
      args.addAll(List.of("-dbPath", dataDir.toAbsolutePath().toString()));
    }
    try {
      DynamoDBProxyServer started = ServerRunner.createServerFromCommandLineArgs(args.toArray(String[]::new));
      bindTo(started, host);
      started.start();
      server = started;
    } catch (Exception e) {
      throw new IllegalStateException("DynamoDB Local did not start on port " + port + ": " + e.getMessage(), e);
    }
  }

  public synchronized void stop() {
    if (server == null) {
      return;
    }
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("DynamoDB Local did not stop cleanly", e);
    } finally {
      server = null;
    }
  }

  public synchronized boolean running() {
    return server != null;
  }

  public URI endpoint() {
    return URI.create("http://" + LOOPBACK + ":" + port);
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    stop();
  }

  /**
   * DynamoDB Local's Jetty server listens on every interface and has no option to change that, which would open the
   * local tables (tenants' key hashes among them) to the network: its connector is bound to {@code host} (loopback
   * unless asked otherwise) before it starts.
   */
  private static void bindTo(DynamoDBProxyServer proxy, String host) {
    try {
      Field field = DynamoDBProxyServer.class.getDeclaredField("server");
      field.setAccessible(true);
      Server jetty = (Server) field.get(proxy);
      for (Connector connector : jetty.getConnectors()) {
        if (connector instanceof ServerConnector network) {
          network.setHost(host);
        }
      }
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException("cannot bind DynamoDB Local to " + host + " (has its server changed?): " + e,
          e);
    }
  }

  /** sqlite4java needs its .so in a directory on disk; the jar bundles it, so extract it once per JVM. */
  private static synchronized void ensureNativeLibrary() {
    if (System.getProperty(LIBRARY_PATH_PROPERTY) != null) {
      return;
    }
    try (InputStream library = EmbeddedDynamoDb.class.getResourceAsStream("native/" + NATIVE_LIBRARY)) {
      if (library == null) {
        throw new IllegalStateException("the sqlite4java native library " + NATIVE_LIBRARY
            + " is missing from the shared-state jar; rebuild with mvn package");
      }
      Path dir = Files.createTempDirectory("mrgc-sqlite4java");
      Path target = dir.resolve(NATIVE_LIBRARY);
      Files.copy(library, target, StandardCopyOption.REPLACE_EXISTING);
      target.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      System.setProperty(LIBRARY_PATH_PROPERTY, dir.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract sqlite4java native library", e);
    }
  }
}
