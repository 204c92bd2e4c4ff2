package io.mrgc.cluster.frontdoor;

import io.mrgc.state.LocalState;
import io.mrgc.state.RoutingStateRepository;
import io.mrgc.state.StateClient;
import java.net.URI;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Test fixture for a test class ({@code @RegisterExtension static}): DynamoDB Local with every table, and a NORMAL,
 * dial-100 routing_state row per region, created as LocalCluster creates them.
 */
final class RoutingStateFixture implements BeforeAllCallback, AfterAllCallback {
  private LocalState state;
  private StateClient client;

  @Override
  public void beforeAll(ExtensionContext context) {
    state = LocalState.start();
    client = state.client(Regions.US_EAST_1);
    RoutingStateRepository routing = routing();
    Regions.ALL.forEach(region -> routing.createIfAbsent(region, System.currentTimeMillis()).join());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    client.close();
    state.close();
  }

  StateClient client() {
    return client;
  }

  RoutingStateRepository routing() {
    return new RoutingStateRepository(client);
  }

  /** DynamoDB Local's URL, for a service that opens its own client from its configuration file. */
  URI endpoint() {
    return state.db().endpoint();
  }
}
