package io.mrgc.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RateLimitRepositoryTest {
  private static final long SECOND = 1_000_000;
  private static LocalState state;
  private static StateClient client;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @Test
  void aLeaseWhoseCallsTookSecondsJudgesTheBucketByTheTimeItWritesNotTheTimeItBegan() {
    // 10 rps, burst 10: tau = 1 s. Another router took a token just now (t0 + 2 s): the bucket holds 9.
    long t0 = 100_000 * SECOND;
    new RateLimitRepository(client).lease("slow", "us-east-1", 10, 10, 1, t0 + 2 * SECOND, 0).join();
    // This router's lease began at t0 (its first write sent then), and its calls took 2 s under load: by the time it
    // reads the row and writes again it is t0 + 2 s, when 9 tokens are there.
    AtomicLong nanos = new AtomicLong();
    RateLimitRepository slow = new RateLimitRepository(client, () -> nanos.getAndAdd(1_000_000_000L));
    RateLimitRepository.Lease lease = slow.lease("slow", "us-east-1", 10, 10, 5, t0, 0).join();
    assertThat(lease.granted()).as("tokens granted (none: the bucket judged empty at the lease's start time)")
        .isEqualTo(5);
  }

  @Test
  void anEmptyBucketGrantsNothingAndSaysWhenATokenComes() {
    long now = 200_000 * SECOND;
    RateLimitRepository repository = new RateLimitRepository(client, () -> 0L);
    assertThat(repository.lease("empty", "us-east-1", 10, 10, 10, now, 0).join().granted()).isEqualTo(10);
    RateLimitRepository.Lease lease = repository.lease("empty", "us-east-1", 10, 10, 5, now, 0).join();
    assertThat(lease.granted()).isZero();
    assertThat(lease.retryAfterMicros()).isEqualTo(SECOND / 10);
  }
}
