package io.mrgc.agent.buffers;

import io.mrgc.carwash.steps.Scrubbable;
import io.mrgc.carwash.steps.ScrubbableByteBuffers;
import java.util.List;

/**
 * The agent's reusable buffers for tenant data, which every per-request wash zeroes and verifies:
 * {@code request-bytes} (heap: request bodies, decrypted plaintext, response plaintext before sealing) and
 * {@code tensor-buffers} (direct, native order: token ids, attention masks and every ONNX Runtime input tensor, plus
 * the pinned embedding output). Only the request that holds the instance uses them (one request at a time).
 */
public final class AgentBuffers {
  /** Enough for one request's body, its decrypted copy and its response, with room to grow. */
  private static final int MAX_REQUEST_BUFFERS = 16;
  /** Inputs, masks, types and outputs of a request's session runs. */
  private static final int MAX_TENSOR_BUFFERS = 64;
  private static final int SMALLEST = 4096;

  private final ScrubbableByteBuffers requestBytes;
  private final ScrubbableByteBuffers tensors;

  public AgentBuffers() {
    this.requestBytes = new ScrubbableByteBuffers("request-bytes", SMALLEST, MAX_REQUEST_BUFFERS, false);
    this.tensors = new ScrubbableByteBuffers("tensor-buffers", SMALLEST, MAX_TENSOR_BUFFERS, true);
  }

  /** What the wash scrubs and verifies. */
  public List<Scrubbable> scrubbables() {
    return List.of(requestBytes, tensors);
  }

  /** The buffers of one request, released together before its wash. */
  public RequestBuffers lease() {
    return new RequestBuffers(requestBytes, tensors);
  }

  /** Whether any buffer of either pool holds {@code pattern} (residue audits). */
  public boolean contains(byte[] pattern) {
    return requestBytes.contains(pattern) || tensors.contains(pattern);
  }

  public ScrubbableByteBuffers requestBytes() {
    return requestBytes;
  }

  public ScrubbableByteBuffers tensors() {
    return tensors;
  }
}
