package io.mrgc.carwash.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BufferScrubAndCleanStateTest {
  private static final WashContext CONTEXT = new WashContext("req-1", 1, 0);
  private static final byte[] MARKER = "MRGC-TENANT-MARKER-7f3a9c".getBytes(StandardCharsets.US_ASCII);

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {true, false})
  void aMarkerPayloadIsGoneAfterTheScrub(boolean direct) {
    ScrubbableByteBuffers pool = new ScrubbableByteBuffers("request-bodies", 64 * 1024 + 3, 4, direct);
    ByteBuffer body = pool.acquire();
    ByteBuffer output = pool.acquire();
    while (body.remaining() >= MARKER.length) {
      body.put(MARKER);
    }
    output.position(output.capacity() - MARKER.length);
    output.put(MARKER); // the very last bytes, past the last full zeroing chunk
    assertThat(pool.inUse()).isEqualTo(2);
    assertThat(pool.isClean()).isFalse();
    pool.release(body);
    pool.release(output);
    assertThat(pool.isClean()).as("released but not scrubbed").isFalse();
    assertThat(countMarkers(pool)).isGreaterThan(1);

    StepResult scrub = new BufferScrubStep(List.of(pool)).run(CONTEXT);
    assertThat(scrub.isPassed()).isTrue();
    assertThat(scrub.detail()).isEqualTo("zeroed 1 scrubbable(s): request-bodies");
    assertThat(countMarkers(pool)).isZero();
    assertThat(pool.isClean()).isTrue();
    assertThat(new CleanStateStep(List.of(pool)).run(CONTEXT))
        .isEqualTo(StepResult.passed("1 scrubbable(s) clean"));

    // The buffers are reused: same two, cleared, all zero.
    ByteBuffer again = pool.acquire();
    assertThat(pool.created()).isEqualTo(2);
    assertThat(again.position()).isZero();
    assertThat(again.limit()).isEqualTo(again.capacity());
    pool.release(again);
  }

  @Test
  void aHandedOutBufferWithASmallLimitIsScannedAndScrubbedInFull() {
    ScrubbableByteBuffers pool = new ScrubbableByteBuffers("tensors", 256, 2, true);
    ByteBuffer held = pool.acquire(8);
    held.duplicate().clear().put(100, MARKER); // a holder may write past the limit it was given
    assertThat(held.limit()).isEqualTo(8);
    assertThat(pool.contains(MARKER)).isTrue();
    pool.scrub();
    assertThat(pool.contains(MARKER)).isFalse();
    pool.release(held);
    assertThat(pool.isClean()).isTrue();
  }

  @Test
  void aBufferStillHandedOutIsScrubbedButNotClean() {
    ScrubbableByteBuffers pool = new ScrubbableByteBuffers("outputs", 128, 2, false);
    ByteBuffer held = pool.acquire();
    held.put(MARKER);
    pool.scrub();
    assertThat(held.get(0)).isZero();
    assertThat(pool.isClean()).isFalse();
    assertThat(new CleanStateStep(List.of(pool)).run(CONTEXT)).isEqualTo(StepResult.failed("not clean: outputs"));
    pool.release(held);
    assertThat(pool.isClean()).isTrue();
  }

  @Test
  void thePoolIsBoundedAndOnlyTakesItsOwnBuffers() {
    ScrubbableByteBuffers pool = new ScrubbableByteBuffers("p", 16, 1, true);
    ByteBuffer one = pool.acquire();
    assertThatThrownBy(pool::acquire).hasMessage("buffer pool p exhausted: 1 buffers of 16 bytes in use");
    assertThatThrownBy(() -> pool.release(ByteBuffer.allocate(16)))
        .hasMessage("buffer is not handed out by pool p");
    pool.release(one);
    assertThatThrownBy(() -> pool.release(one)).hasMessage("buffer is not handed out by pool p");
    assertThatThrownBy(() -> new ScrubbableByteBuffers("q", 0, 1, true))
        .hasMessage("bufferSize must be positive, got 0");
    assertThatThrownBy(() -> new ScrubbableByteBuffers("q", 1, 0, true))
        .hasMessage("maxBuffers must be positive, got 0");
  }

  @Test
  void sizedBuffersAreReusedSmallestFirstAndAFullPoolDropsAFreeBufferZeroed() {
    ScrubbableByteBuffers pool = new ScrubbableByteBuffers("tensors", 64, 2, true);
    ByteBuffer small = pool.acquire(10);
    assertThat(small.capacity()).isEqualTo(64);
    assertThat(small.limit()).isEqualTo(10);
    ByteBuffer large = pool.acquire(1000);
    assertThat(large.capacity()).isEqualTo(1024);
    large.put(0, MARKER);
    pool.release(large);
    pool.release(small);
    assertThat(pool.acquire(64)).isSameAs(small);
    pool.release(small);
    assertThat(pool.contains(MARKER)).isTrue();
    // Full (2 buffers) and nothing free fits 5000 bytes: a free buffer is zeroed and dropped to make room.
    ByteBuffer huge = pool.acquire(5000);
    assertThat(huge.capacity()).isEqualTo(8192);
    assertThat(pool.created()).isEqualTo(2);
    pool.release(huge);
    assertThatThrownBy(() -> pool.acquire(0)).hasMessage("buffer pool tensors: cannot hand out 0 bytes (1..1073741824)");
  }

  @Test
  void onlyBuffersUsedSinceTheLastScrubAreZeroedAndAReleasedButUnscrubbedBufferIsNotClean() {
    ScrubbableByteBuffers pool = new ScrubbableByteBuffers("bytes", 64, 4, false);
    ByteBuffer first = pool.acquire();
    ByteBuffer second = pool.acquire();
    pool.release(first);
    pool.release(second);
    pool.scrub();
    assertThat(pool.isClean()).isTrue();
    // Only "second" is used by the next request; a scrub zeroes it and verifies it.
    ByteBuffer again = pool.acquire();
    again.put(MARKER);
    pool.release(again);
    assertThat(pool.isClean()).isFalse();
    assertThat(pool.contains(MARKER)).isTrue();
    pool.scrub();
    assertThat(pool.contains(MARKER)).isFalse();
    assertThat(pool.isClean()).isTrue();
  }

  @Test
  void aFailingScrubbableFailsTheStepButTheOthersAreStillScrubbed() {
    ScrubbableByteBuffers pool = new ScrubbableByteBuffers("good", 32, 1, false);
    ByteBuffer buffer = pool.acquire();
    buffer.put(MARKER);
    pool.release(buffer);
    Scrubbable broken = new Scrubbable() {
      @Override
      public String name() {
        return "gpu-io";
      }

      @Override
      public void scrub() {
        throw new IllegalStateException("device lost");
      }

      @Override
      public boolean isClean() {
        throw new IllegalStateException("device lost");
      }
    };
    StepResult result = new BufferScrubStep(List.of(broken, pool)).run(CONTEXT);
    assertThat(result).isEqualTo(StepResult.failed("scrub failed for gpu-io (IllegalStateException)"));
    assertThat(pool.isClean()).isTrue();
    assertThat(new CleanStateStep(List.of(broken, pool)).run(CONTEXT))
        .isEqualTo(StepResult.failed("not clean: gpu-io"));
  }

  /** Looks through every buffer of the pool (as the agent's next request would see them) for the marker. */
  private static int countMarkers(ScrubbableByteBuffers pool) {
    java.util.List<ByteBuffer> held = new java.util.ArrayList<>();
    int found = 0;
    for (int i = 0; i < pool.created(); i++) {
      ByteBuffer buffer = pool.acquire();
      held.add(buffer);
      byte[] bytes = new byte[buffer.capacity()];
      buffer.get(0, bytes);
      found += occurrences(bytes, MARKER);
    }
    held.forEach(pool::release);
    return found;
  }

  static int occurrences(byte[] haystack, byte[] needle) {
    int count = 0;
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      count++;
    }
    return count;
  }
}
