package io.mrgc.cluster.models;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.LocalState;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.StateClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One DynamoDB Local per test class, with the models registry and gpu_instances the publish commands use. */
public abstract class RegistryTestBase {
  protected static LocalState state;
  protected static StateClient client;
  protected static ModelRegistry registry;
  protected static GpuInstanceRepository instances;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
    registry = new ModelRegistry(client);
    instances = new GpuInstanceRepository(client);
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }
}
