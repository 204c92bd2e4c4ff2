package io.mrgc.router.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.router.IngressLimits;
import io.mrgc.state.ApiKeys;
import io.mrgc.state.items.TenantItem;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The API key cache against a fake table: TTLs, negative caching, bounds, and DynamoDB failures. */
@ExtendWith(VertxExtension.class)
class TenantAuthenticatorTest {
  private final Map<String, TenantItem> table = new HashMap<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private Context context;

  @BeforeEach
  void setUp(Vertx vertx) {
    context = vertx.getOrCreateContext();
  }

  private CompletableFuture<TenantItem> lookup(String hash) {
    reads.incrementAndGet();
    if (down.get()) {
      return CompletableFuture.failedFuture(new IllegalStateException("DynamoDB is down"));
    }
    synchronized (table) {
      return CompletableFuture.completedFuture(table.get(hash));
    }
  }

  private TenantAuthenticator authenticator(int maxEntries) {
    return new TenantAuthenticator(context, this::lookup, Duration.ofSeconds(30), Duration.ofSeconds(5), maxEntries,
        nanos::get);
  }

  private String tenant(String id, boolean disabled) {
    String key = ApiKeys.generate();
    TenantItem item = new TenantItem();
    item.setTenantId(id);
    item.setApiKeyHash(ApiKeys.hash(key));
    item.setDisabled(disabled);
    synchronized (table) {
      table.put(item.getApiKeyHash(), item);
    }
    return key;
  }

  private static TenantAuthenticator.Result await(Future<TenantAuthenticator.Result> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void foundTenantsAreCachedForTheTtlAndUnknownKeysBriefly() throws Exception {
    TenantAuthenticator auth = authenticator(100);
    String key = tenant("t1", false);
    assertThat(await(auth.authenticate(key)).tenant().getTenantId()).isEqualTo("t1");
    assertThat(await(auth.authenticate(key)).outcome()).isEqualTo(TenantAuthenticator.Outcome.FOUND);
    assertThat(reads.get()).isEqualTo(1);
    nanos.addAndGet(Duration.ofSeconds(31).toNanos());
    assertThat(await(auth.authenticate(key)).outcome()).isEqualTo(TenantAuthenticator.Outcome.FOUND);
    assertThat(reads.get()).as("read again after the TTL").isEqualTo(2);

    String unknown = ApiKeys.generate();
    assertThat(await(auth.authenticate(unknown)).outcome()).isEqualTo(TenantAuthenticator.Outcome.UNKNOWN);
    assertThat(await(auth.authenticate(unknown)).outcome()).isEqualTo(TenantAuthenticator.Outcome.UNKNOWN);
    assertThat(reads.get()).as("negative-cached").isEqualTo(3);
    nanos.addAndGet(Duration.ofSeconds(6).toNanos());
    await(auth.authenticate(unknown));
    assertThat(reads.get()).isEqualTo(4);

    assertThat(await(auth.authenticate("not-a-key")).outcome()).isEqualTo(TenantAuthenticator.Outcome.UNKNOWN);
    assertThat(await(auth.authenticate(null)).outcome()).isEqualTo(TenantAuthenticator.Outcome.UNKNOWN);
    assertThat(reads.get()).as("malformed keys are refused without a read").isEqualTo(4);

    String disabled = tenant("t2", true);
    assertThat(await(auth.authenticate(disabled)).outcome()).isEqualTo(TenantAuthenticator.Outcome.UNKNOWN);
  }

  @Test
  void aCachedTenantIsServedWhileDynamoDbFailsAndAnUncachedOneGetsUnavailable() throws Exception {
    TenantAuthenticator auth = authenticator(100);
    String key = tenant("t1", false);
    String neverSeen = tenant("t2", false);
    await(auth.authenticate(key));
    down.set(true);
    nanos.addAndGet(Duration.ofSeconds(60).toNanos()); // the entry is stale: a read is tried and fails
    assertThat(await(auth.authenticate(key)).tenant().getTenantId()).isEqualTo("t1");
    int readsAfterFailure = reads.get();
    assertThat(await(auth.authenticate(key)).outcome()).isEqualTo(TenantAuthenticator.Outcome.FOUND);
    assertThat(reads.get()).as("a failed read is not retried on every request").isEqualTo(readsAfterFailure);
    assertThat(await(auth.authenticate(neverSeen)).outcome()).isEqualTo(TenantAuthenticator.Outcome.UNAVAILABLE);
    down.set(false);
    assertThat(await(auth.authenticate(neverSeen)).tenant().getTenantId()).isEqualTo("t2");
  }

  @Test
  void aFloodOfRandomKeysStaysWithinTheBoundAndDoesNotEvictRealTenants() throws Exception {
    TenantAuthenticator auth = authenticator(1_000);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      keys.add(tenant("t" + i, false));
    }
    for (String key : keys) {
      await(auth.authenticate(key));
    }
    int readsBefore = reads.get();
    for (int i = 0; i < 20_000; i++) {
      assertThat(await(auth.authenticate(ApiKeys.generate())).outcome())
          .isEqualTo(TenantAuthenticator.Outcome.UNKNOWN);
    }
    assertThat(auth.cachedUnknownKeys()).isEqualTo(1_000);
    assertThat(auth.cachedTenants()).isEqualTo(50);
    assertThat(reads.get() - readsBefore).isEqualTo(20_000);
    for (String key : keys) {
      assertThat(await(auth.authenticate(key)).outcome()).isEqualTo(TenantAuthenticator.Outcome.FOUND);
    }
    assertThat(reads.get() - readsBefore).as("real tenants were not evicted by the flood").isEqualTo(20_000);

    // Concurrent floods are bounded too: past MAX_CONCURRENT_LOOKUPS reads in flight, uncached keys wait in their
    // source's queue (here all from one unknown source, at most DEFAULT_AUTH_LOOKUPS_PER_SOURCE), then are refused.
    CompletableFuture<TenantItem> never = new CompletableFuture<>();
    TenantAuthenticator stalled = new TenantAuthenticator(context, hash -> never, Duration.ofSeconds(30),
        Duration.ofSeconds(5), 1_000, nanos::get);
    int unavailable = 0;
    for (int i = 0; i < 1_000; i++) {
      Future<TenantAuthenticator.Result> result = stalled.authenticate(ApiKeys.generate());
      if (result.isComplete() && result.result().outcome() == TenantAuthenticator.Outcome.UNAVAILABLE) {
        unavailable++;
      }
    }
    assertThat(stalled.reads()).isEqualTo(TenantAuthenticator.MAX_CONCURRENT_LOOKUPS);
    assertThat(unavailable).isEqualTo(1_000 - TenantAuthenticator.MAX_CONCURRENT_LOOKUPS
        - IngressLimits.DEFAULT_AUTH_LOOKUPS_PER_SOURCE);
    assertThat(stalled.waitingLookups()).isEqualTo(IngressLimits.DEFAULT_AUTH_LOOKUPS_PER_SOURCE);
  }

  @Test
  void aFloodFromManySourcesQueuesARealTenantsFirstLookupInsteadOfRefusingIt() throws Exception {
    // Proves finding 8's queue: before it, every lookup past MAX_CONCURRENT_LOOKUPS got UNAVAILABLE (503), so a
    // flood of random keys made a real tenant's first request fail. Now it waits in its own source's queue, served
    // round-robin, so it is answered after at most one read per flooding source.
    java.util.concurrent.ConcurrentLinkedQueue<Map.Entry<String, CompletableFuture<TenantItem>>> pending =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    int perSource = 8;
    int sources = 100;
    TenantAuthenticator auth = new TenantAuthenticator(context, hash -> {
      CompletableFuture<TenantItem> read = new CompletableFuture<>();
      pending.add(Map.entry(hash, read));
      return read;
    }, Duration.ofSeconds(30), Duration.ofSeconds(5), 10_000, nanos::get, null, perSource, 1_000);
    for (int s = 0; s < sources; s++) {
      for (int i = 0; i < perSource; i++) {
        Future<TenantAuthenticator.Result> flood = auth.authenticate(ApiKeys.generate(), "10.0.0." + s);
        assertThat(flood.isComplete()).as("queued, not refused").isFalse();
      }
    }
    assertThat(await(auth.authenticate(ApiKeys.generate(), "10.0.0.50")).outcome())
        .as("one source's queue is bounded").isEqualTo(TenantAuthenticator.Outcome.UNAVAILABLE);
    String real = tenant("t-real", false);
    Future<TenantAuthenticator.Result> realLookup = auth.authenticate(real, "192.0.2.1");
    assertThat(realLookup.isComplete()).as("the real tenant's lookup waits, it is not refused").isFalse();

    int readsAnswered = 0;
    int realReadAt = 0;
    long deadline = System.currentTimeMillis() + 10_000;
    while (!realLookup.isComplete() && System.currentTimeMillis() < deadline) {
      Map.Entry<String, CompletableFuture<TenantItem>> read = pending.poll();
      if (read == null) {
        Thread.sleep(1);
        continue;
      }
      readsAnswered++;
      if (read.getKey().equals(ApiKeys.hash(real))) {
        realReadAt = readsAnswered;
      }
      synchronized (table) {
        read.getValue().complete(table.get(read.getKey()));
      }
    }
    assertThat(await(realLookup).outcome()).isEqualTo(TenantAuthenticator.Outcome.FOUND);
    assertThat(realReadAt).as("reads before it: those running, then one per flooding source at most")
        .isBetween(1, TenantAuthenticator.MAX_CONCURRENT_LOOKUPS + sources + 1);
  }

  @Test
  void concurrentLookupsOfOneKeyShareOneRead(Vertx vertx) throws Exception {
    CompletableFuture<TenantItem> slow = new CompletableFuture<>();
    AtomicInteger slowReads = new AtomicInteger();
    TenantAuthenticator auth = new TenantAuthenticator(context, hash -> {
      slowReads.incrementAndGet();
      return slow;
    }, Duration.ofSeconds(30), Duration.ofSeconds(5), 100, nanos::get);
    String key = ApiKeys.generate();
    List<Future<TenantAuthenticator.Result>> waiting = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      waiting.add(auth.authenticate(key));
    }
    TenantItem item = new TenantItem();
    item.setTenantId("t");
    item.setApiKeyHash(ApiKeys.hash(key));
    slow.complete(item);
    for (Future<TenantAuthenticator.Result> result : waiting) {
      assertThat(await(result).tenant().getTenantId()).isEqualTo("t");
    }
    assertThat(slowReads.get()).isEqualTo(1);
  }
}
