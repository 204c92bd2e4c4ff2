package io.mrgc.cluster;

import io.mrgc.state.local.EmbeddedDynamoDb;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mrgc dynamodb-local}: DynamoDB Local as a service of its own, the stand-in for the global tables in the
 * containers deployment (its own container on every region's network). Runs until SIGTERM or Ctrl-C.
 */
@Command(name = "dynamodb-local", description = "Run DynamoDB Local (the local stand-in for the global tables) until "
    + "SIGTERM: the containers deployment's state service. NOT SECURE: no authentication, local only.")
final class DynamoDbLocalCommand implements Callable<Integer> {
  @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 only inside a "
      + "container whose networks only the deployment shares).")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "Port (default: ${DEFAULT-VALUE}).")
  int port = LocalClusterOptions.DEFAULT_DYNAMODB_PORT;

  @Option(names = "--data-dir", description = "Keep the tables in this directory (default: in memory).")
  Path dataDir;

  @Override
  public Integer call() throws InterruptedException {
    EmbeddedDynamoDb db = EmbeddedDynamoDb.start(host, port, dataDir);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      db.close();
      stopped.countDown();
    }, "dynamodb-local-stop"));
    System.out.println("mrgc dynamodb-local: listening on " + host + ":" + db.port()
        + (dataDir == null ? " (in memory)" : " (tables in " + dataDir + ")"));
    System.out.flush();
    stopped.await();
    return 0;
  }
}
