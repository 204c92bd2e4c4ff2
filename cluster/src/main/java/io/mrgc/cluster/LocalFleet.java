package io.mrgc.cluster;

import io.mrgc.autoscaler.fleet.Fleet;
import io.mrgc.autoscaler.fleet.FleetInstance;
import io.mrgc.autoscaler.fleet.InstanceLifecycle;
import io.mrgc.autoscaler.fleet.StateChange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The local cluster's stand-in for EC2: launching starts a node agent (with its enclave) in this JVM after a boot
 * delay standing for a GPU instance's cold start (3-8 minutes in AWS: image pull, driver, model load; seconds
 * locally by configuration), terminating stops it. Like EC2 it does what it is told: draining first is the loop's job.
 */
public final class LocalFleet implements Fleet {
  private final LocalCluster cluster;
  private final String region;
  private final Duration bootDelay;
  private final Map<String, FleetInstance> instances = new ConcurrentHashMap<>();
  private final Map<String, Long> bootTimers = new ConcurrentHashMap<>();

  public LocalFleet(LocalCluster cluster, String region, Duration bootDelay) {
    this.cluster = cluster;
    this.region = region;
    this.bootDelay = bootDelay;
  }

  @Override
  public List<String> launch(int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = cluster.nextInstanceId(region);
      instances.put(id, new FleetInstance(id, InstanceLifecycle.PENDING, Instant.now(), "127.0.0.1"));
      long timer = cluster.vertx().setTimer(Math.max(1, bootDelay.toMillis()), t -> boot(id));
      bootTimers.put(id, timer);
      ids.add(id);
    }
    return ids;
  }

  private void boot(String id) {
    bootTimers.remove(id);
    if (!instances.containsKey(id)) {
      return; // terminated while booting
    }
    cluster.addAgent(region, id)
        .onSuccess(agent -> instances.computeIfPresent(id, (k, v) -> with(v, InstanceLifecycle.RUNNING)))
        .onFailure(error -> instances.remove(id));
  }

  @Override
  public List<FleetInstance> describe() {
    return List.copyOf(instances.values());
  }

  @Override
  public List<StateChange> terminate(Collection<String> instanceIds) {
    List<StateChange> changes = new ArrayList<>();
    for (String id : instanceIds) {
      FleetInstance instance = instances.remove(id);
      if (instance == null) {
        continue;
      }
      Long timer = bootTimers.remove(id);
      if (timer != null) {
        cluster.vertx().cancelTimer(timer);
      } else if (instance.state() == InstanceLifecycle.RUNNING) {
        cluster.stopAgent(id);
      }
      changes.add(new StateChange(id, instance.state(), InstanceLifecycle.SHUTTING_DOWN));
    }
    return changes;
  }

  /** Adopts agents the cluster started itself (the initial ones), so the autoscaler may also drain them. */
  public void adopt(String instanceId) {
    instances.put(instanceId, new FleetInstance(instanceId, InstanceLifecycle.RUNNING, Instant.now(), "127.0.0.1"));
  }

  private static FleetInstance with(FleetInstance instance, InstanceLifecycle state) {
    return new FleetInstance(instance.id(), state, instance.launchedAt(), instance.privateIp());
  }
}
