package io.mrgc.autoscaler.loop;

import io.mrgc.autoscaler.policy.Decision;
import io.mrgc.autoscaler.policy.Direction;
import io.mrgc.autoscaler.policy.PolicyState;
import io.mrgc.autoscaler.policy.RpsSample;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * PolicyState as the compact JSON string kept in autoscaling_state's {@code policy_state}: times as epoch ms, the
 * window as {@code [[ms, rps], ...]}; the last decision without its reason (the row keeps that in
 * {@code last_reason}). Unreadable text decodes to the initial state (the windows restart: never a scale-down).
 */
public final class PolicyStateCodec {
  private PolicyStateCodec() {}

  public static String encode(PolicyState s) {
    JsonArray window = new JsonArray();
    for (RpsSample sample : s.window()) {
      window.add(new JsonArray().add(sample.at().toEpochMilli()).add(sample.rps()));
    }
    JsonObject json = new JsonObject().put("w", window);
    putTime(json, "above", s.aboveSince());
    putTime(json, "below", s.belowSince());
    putTime(json, "down", s.lastScaleDownAt());
    putTime(json, "action", s.lastActionAt());
    if (s.desired() != null) {
      json.put("desired", s.desired());
    }
    if (s.lastDecision() != null) {
      Decision d = s.lastDecision();
      json.put("d", new JsonArray().add(d.at().toEpochMilli()).add(d.desired()).add(d.direction().name()));
    }
    return json.encode();
  }

  public static PolicyState decode(String text, String lastReason) {
    if (text == null || text.isBlank()) {
      return PolicyState.initial();
    }
    try {
      JsonObject json = new JsonObject(text);
      List<RpsSample> window = new ArrayList<>();
      JsonArray w = json.getJsonArray("w", new JsonArray());
      for (int i = 0; i < w.size(); i++) {
        JsonArray sample = w.getJsonArray(i);
        window.add(new RpsSample(Instant.ofEpochMilli(sample.getLong(0)), sample.getDouble(1)));
      }
      Decision decision = null;
      JsonArray d = json.getJsonArray("d");
      if (d != null) {
        decision = new Decision(Instant.ofEpochMilli(d.getLong(0)), d.getInteger(1), Direction.valueOf(d.getString(2)),
            lastReason == null ? "" : lastReason);
      }
      return new PolicyState(window, time(json, "above"), time(json, "below"), time(json, "down"),
          time(json, "action"), json.getInteger("desired"), decision);
    } catch (RuntimeException e) {
      return PolicyState.initial();
    }
  }

  private static void putTime(JsonObject json, String key, Instant at) {
    if (at != null) {
      json.put(key, at.toEpochMilli());
    }
  }

  private static Instant time(JsonObject json, String key) {
    Long ms = json.getLong(key);
    return ms == null ? null : Instant.ofEpochMilli(ms);
  }
}
