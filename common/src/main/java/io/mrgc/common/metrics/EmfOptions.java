package io.mrgc.common.metrics;

import io.mrgc.common.Check;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What {@link EmfPublisher} writes and how often. One namespace and one dimension set for the whole system (see
 * docs/observability.md): {@value #SERVICE} and {@value #REGION} always, {@value #INSTANCE_ID} only for node agents.
 * CloudWatch bills every combination of dimension values as a metric, so the set is closed: no other dimension name is
 * accepted, and Micrometer tags never become dimensions (except {@code region}, which sets {@value #REGION}).
 *
 * @param namespace the CloudWatch namespace ({@value #NAMESPACE}); EMF's rule: 1 to 256 of {@code a-zA-Z0-9._#:/-}
 * @param dimensions dimension name to value, in the order written: {@value #SERVICE} (one of {@link #SERVICES}),
 *     {@value #REGION}, optionally {@value #INSTANCE_ID}; values 1 to 1024 characters
 * @param interval time between two flushes (default 60 s, CloudWatch's standard resolution), 1 s to 1 h
 * @param nameTags Micrometer tag keys whose value is appended to the metric name ({@code RouterRequests.5xx}): only
 *     tags with a small fixed set of values; every other tag is dropped and its meters aggregated
 * @param out where the EMF lines go: {@code System.out} in production (the awslogs driver or the CloudWatch agent
 *     ships them), a buffer in tests
 */
public record EmfOptions(String namespace, Map<String, String> dimensions, Duration interval, Set<String> nameTags,
    PrintStream out) {
  public static final String NAMESPACE = "MRGC";
  public static final String SERVICE = "Service";
  public static final String REGION = "Region";
  public static final String INSTANCE_ID = "InstanceId";
  public static final List<String> SERVICES =
      List.of("router", "agent", "enclave", "autoscaler", "failover-controller", "control", "front-door");
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);
  /** The bounded tags of today's meters: router status class, rejection code, queue rejection reason, hold state;
   *  wash result; failover evaluation outcome and transition target. */
  public static final Set<String> DEFAULT_NAME_TAGS =
      Set.of("status_class", "code", "reason", "state", "result", "outcome", "to");
  private static final Pattern NAMESPACE_RULE = Pattern.compile("[a-zA-Z0-9._#:/-]{1,256}");
  private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
  private static final Duration MAX_INTERVAL = Duration.ofHours(1);

  public EmfOptions {
    if (namespace == null || !NAMESPACE_RULE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("namespace must be 1 to 256 of the characters a-zA-Z0-9._#:/-, but was "
          + namespace);
    }
    dimensions = checkDimensions(dimensions);
    if (interval == null || interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
      throw new IllegalArgumentException("interval must be between PT1S and PT1H, but was " + interval);
    }
    nameTags = Set.copyOf(Check.notNull("nameTags", nameTags));
    Check.notNull("out", out);
  }

  /** Namespace {@value #NAMESPACE}, dimensions Service and Region, every 60 s, to {@code System.out}. */
  public static EmfOptions of(String service, String region) {
    Map<String, String> dimensions = new LinkedHashMap<>();
    dimensions.put(SERVICE, service);
    dimensions.put(REGION, region);
    return new EmfOptions(NAMESPACE, dimensions, DEFAULT_INTERVAL, DEFAULT_NAME_TAGS, System.out);
  }

  /** The same with dimension {@value #INSTANCE_ID} (node agents: one EC2 instance each). */
  public EmfOptions withInstanceId(String instanceId) {
    Map<String, String> more = new LinkedHashMap<>(dimensions);
    more.put(INSTANCE_ID, instanceId);
    return new EmfOptions(namespace, more, interval, nameTags, out);
  }

  public EmfOptions withInterval(Duration value) {
    return new EmfOptions(namespace, dimensions, value, nameTags, out);
  }

  public EmfOptions withOut(PrintStream value) {
    return new EmfOptions(namespace, dimensions, interval, nameTags, value);
  }

  public EmfOptions withNameTags(Set<String> value) {
    return new EmfOptions(namespace, dimensions, interval, value, out);
  }

  private static Map<String, String> checkDimensions(Map<String, String> dimensions) {
    Check.notNull("dimensions", dimensions);
    for (String name : dimensions.keySet()) {
      if (!List.of(SERVICE, REGION, INSTANCE_ID).contains(name)) {
        throw new IllegalArgumentException("dimensions may only be Service, Region and InstanceId, but had " + name);
      }
      String value = dimensions.get(name);
      if (value == null || value.isBlank() || value.length() > 1024) {
        throw new IllegalArgumentException("dimension " + name + " must be 1 to 1024 characters, but was " + value);
      }
    }
    if (!dimensions.containsKey(SERVICE) || !dimensions.containsKey(REGION)) {
      throw new IllegalArgumentException("dimensions must include Service and Region, but were "
          + dimensions.keySet());
    }
    if (!SERVICES.contains(dimensions.get(SERVICE))) {
      throw new IllegalArgumentException("dimension Service must be one of " + SERVICES + ", but was "
          + dimensions.get(SERVICE));
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
  }
}
