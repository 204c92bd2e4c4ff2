package io.mrgc.carwash;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.state.CleanupValidationRepository;
import io.mrgc.state.StateClient;
import io.mrgc.state.Tables;
import io.mrgc.state.items.CleanupValidationItem;
import io.mrgc.state.local.EmbeddedDynamoDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/**
 * Finding 11: cleanup_validation rows written during a DynamoDB outage (DynamoDB Local really stopped) are kept in
 * memory and a spill file and all written, once each, when it comes back; an agent restart during the outage loses
 * none; beyond both bounds the loss is counted. Before the outbox, a failed write was dropped.
 */
class WashRecordOutboxTest {
  @TempDir
  static Path dir;
  private static EmbeddedDynamoDb db;
  private static SdkAsyncHttpClient http;
  private static StateClient client;
  private static CleanupValidationRepository repository;

  @BeforeAll
  static void startDb() {
    db = EmbeddedDynamoDb.start(0, dir.resolve("dynamodb")); // on disk: tables survive stop/restart
    http = NettyNioAsyncHttpClient.builder().build();
    client = StateClient.local(db.endpoint(), "us-east-1", http);
    Tables.createAll(client.dynamo()).join();
    repository = new CleanupValidationRepository(client);
  }

  @AfterAll
  static void stopDb() {
    client.close();
    http.close();
    db.close();
  }

  private static WashReport report(String requestId, long at) {
    return new WashReport(requestId, 1, at - 3, at, List.of(new StepReport("buffer-scrub", 1000,
        StepReport.Outcome.PASSED, "2 buffer(s) zeroed")), 3000, WashReport.Outcome.PASSED);
  }

  private static WashRecordOutbox outbox(String instanceId, Path spill, int maxInMemory) {
    return new WashRecordOutbox(new WashRecorder(repository, instanceId, "us-east-1"),
        new WashRecordOutbox.Options(spill, maxInMemory, 1 << 20, Duration.ofMillis(50), Duration.ofMillis(300)));
  }

  private static List<String> recordedIds(String instanceId) {
    return repository.listRecent(instanceId, 100).join().stream().map(CleanupValidationItem::getRequestId).toList();
  }

  @Test
  void everyWashOfAnOutageIsRecordedOnceWhenDynamoDbReturns() throws Exception {
    Path spill = dir.resolve("agent-a/wash-records.jsonl");
    long t0 = System.currentTimeMillis();
    try (WashRecordOutbox outbox = outbox("i-outage", spill, 5)) {
      db.stop();
      try {
        for (int i = 0; i < 20; i++) {
          outbox.submit(report("req-" + i, t0 + i));
        }
        eventually("writes failed during the outage", () -> outbox.failedWrites() > 0 && outbox.pending() == 20);
        List<String> lines = Files.readAllLines(spill);
        assertThat(lines).as("beyond 5 in memory, rows spill as JSON lines").hasSize(15);
        assertThat(lines).allSatisfy(line -> assertThat(line).startsWith("{").contains("\"instance_id\":\"i-outage\""));
      } finally {
        db.restart();
      }
      eventually("all rows written", () -> outbox.pending() == 0 && outbox.written() == 20);
      assertThat(outbox.unrecorded()).isZero();
    }
    assertThat(recordedIds("i-outage")).hasSize(20).doesNotHaveDuplicates()
        .containsAll(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "req-" + i).toList());
  }

  @Test
  void rowsWaitingWhenTheAgentStopsAreWrittenAfterItsRestart() throws Exception {
    Path spill = dir.resolve("agent-b/wash-records.jsonl");
    long t0 = System.currentTimeMillis();
    db.stop();
    try {
      WashRecordOutbox before = outbox("i-restart", spill, 5);
      for (int i = 0; i < 8; i++) {
        before.submit(report("req-" + i, t0 + i));
      }
      eventually("writes failed", () -> before.failedWrites() > 0 && before.pending() == 8);
      before.close();
      assertThat(Files.readAllLines(spill)).as("memory rows saved before the spilled ones").hasSize(8)
          .first().asString().contains("req-0");
      assertThat(before.unrecorded()).isZero();
    } finally {
      db.restart();
    }
    try (WashRecordOutbox after = outbox("i-restart", spill, 5)) {
      eventually("the previous run's rows written", () -> after.written() == 8 && after.pending() == 0);
    }
    assertThat(recordedIds("i-restart")).hasSize(8);
    assertThat(Files.readAllLines(spill)).isEmpty();
  }

  @Test
  void beyondMemoryAndSpillTheLossIsCounted() {
    long t0 = System.currentTimeMillis();
    try (WashRecordOutbox outbox = outbox("i-bounded", null, 2)) {
      db.stop();
      try {
        for (int i = 0; i < 5; i++) {
          outbox.submit(report("req-" + i, t0 + i));
        }
        eventually("rows beyond the bound counted", () -> outbox.unrecorded() == 3 && outbox.pending() == 2);
      } finally {
        db.restart();
      }
      eventually("the kept rows written", () -> outbox.written() == 2 && outbox.pending() == 0);
    }
    assertThat(recordedIds("i-bounded")).containsExactlyInAnyOrder("req-0", "req-1");
  }

  /** Polls until {@code condition} holds (bounded, 60 s); not a timing assertion. */
  private static void eventually(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
