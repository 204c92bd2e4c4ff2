package io.mrgc.router.pick;

import io.mrgc.state.InstanceState;
import java.util.Set;

/** Test snapshots. */
final class Backends {
  static final long LONG_AGO = 1;
  /** The tenant of the tests' requests when only one matters. */
  static final String TENANT = "tenant-a";

  private Backends() {}

  static Backend ready(String id, int load, long heartbeatAt) {
    return new Backend(id, "127.0.0.1", 9000, InstanceState.READY, load, 10, 100, Set.of("m1"), heartbeatAt,
        LONG_AGO);
  }

  static Backend withState(Backend b, InstanceState state) {
    return new Backend(b.instanceId(), b.host(), b.port(), state, b.reportedLoad(), b.latencyEwmaMs(), b.health(),
        b.models(), b.heartbeatAtMillis(), b.startedAtMillis());
  }

  static Backend startedAt(Backend b, long startedAt) {
    return new Backend(b.instanceId(), b.host(), b.port(), b.state(), b.reportedLoad(), b.latencyEwmaMs(),
        b.health(), b.models(), b.heartbeatAtMillis(), startedAt);
  }

  static Backend models(Backend b, Set<String> models) {
    return new Backend(b.instanceId(), b.host(), b.port(), b.state(), b.reportedLoad(), b.latencyEwmaMs(),
        b.health(), models, b.heartbeatAtMillis(), b.startedAtMillis());
  }

  static Backend noEndpoint(Backend b) {
    return new Backend(b.instanceId(), null, -1, b.state(), b.reportedLoad(), b.latencyEwmaMs(), b.health(),
        b.models(), b.heartbeatAtMillis(), b.startedAtMillis());
  }
}
