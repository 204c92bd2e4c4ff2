package io.mrgc.agent.batch;

import java.util.List;

/** What a model's worker tells the agent, and asks of it. Called from the worker's thread. */
public interface BatchObserver {
  /** One session run: {@code inputs} inputs of the requests {@code requestIds}, all of tenant {@code tenant}. */
  void batch(String model, String tenant, List<String> requestIds, int inputs);

  /**
   * Requests the instance is serving now (all of one tenant): a batch waits for more requests only while it has
   * fewer than this, so a lone request never waits.
   */
  int serving();
}
