package io.mrgc.agent.buffers;

import io.mrgc.carwash.steps.Scrubbable;
import io.mrgc.carwash.steps.ScrubbableByteBuffers;
import java.util.List;

/**
 * The agent's reusable buffers for tenant data, which every request's scrub zeroes and the wash between tenants verifies:
 * {@code request-bytes} (heap: request bodies, decrypted plaintext, response plaintext before sealing) and
 * {@code tensor-buffers} (direct, native order: token ids, attention masks and every ONNX Runtime input tensor, plus
 * the pinned embedding output). Only requests of the tenant that holds the instance use them (at most
 * {@code concurrentRequests} at a time, plus the model workers' batches); each request's are zeroed when it is
 * answered, and the wash between tenants scrubs and verifies the pools.
 */
public final class AgentBuffers {
  /** Per request: enough for its body, its decrypted copy and its response, with room to grow. */
  private static final int REQUEST_BUFFERS_PER_REQUEST = 16;
  /** Inputs, masks, types and outputs of the session runs under way (a batch's, or an OIP request's). */
  private static final int MAX_TENSOR_BUFFERS = 64;
  private static final int TENSOR_BUFFERS_PER_REQUEST = 8;
  private static final int SMALLEST = 4096;

  private final ScrubbableByteBuffers requestBytes;
  private final ScrubbableByteBuffers tensors;

  public AgentBuffers(int concurrentRequests) {
    this.requestBytes = new ScrubbableByteBuffers("request-bytes", SMALLEST,
        REQUEST_BUFFERS_PER_REQUEST * concurrentRequests, false);
    this.tensors = new ScrubbableByteBuffers("tensor-buffers", SMALLEST,
        MAX_TENSOR_BUFFERS + TENSOR_BUFFERS_PER_REQUEST * concurrentRequests, true);
  }

  /** What the wash scrubs and verifies. */
  public List<Scrubbable> scrubbables() {
    return List.of(requestBytes, tensors);
  }

  /** The buffers of one request (or one batch), zeroed and released together. */
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
