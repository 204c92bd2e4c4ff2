package io.mrgc.failover.service;

import io.mrgc.failover.machine.Hold;
import io.mrgc.failover.machine.MachineConfig;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.common.service.ControlSettings;
import io.mrgc.failover.health.HealthThresholds;
import io.mrgc.failover.loop.ControllerConfig;
import io.mrgc.failover.prescale.PrescalerConfig;
import io.mrgc.state.config.Deployment;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One region's failover controller as an operator configures it. Read by {@link #read} from the top of
 * {@code mrgc serve failover-controller}'s file and from the {@code failover:} section of {@code mrgc serve control}'s.
 *
 * @param routers per region, the {@code /healthz/region} URLs of its routers' admin listeners (a region serves when
 *     one of them does); a region without any is judged without the probe
 * @param endpointGroupArns per region, its Global Accelerator endpoint group (dials {@code global-accelerator} only)
 */
public record FailoverSettings(Duration evaluationPeriod, Duration leaseTtl, List<String> regions,
    Map<String, List<URI>> routers, Duration probeTimeout, Optional<Path> probeCaFile, HealthThresholds health,
    MachineConfig machine, DialsType dials, Map<String, String> endpointGroupArns, Duration startDelay) {

  public enum DialsType {
    ROUTING_STATE,
    GLOBAL_ACCELERATOR
  }

  public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(2);
  /** Observations last three evaluations, so one slow evaluation does not drop an observer. */
  private static final int PERIODS_OF_FRESHNESS = 3;
  private static final String ARN_EXAMPLE =
      "arn:aws:globalaccelerator::123456789012:accelerator/<id>/listener/<id>/endpoint-group/<id>";

  /** Reads the keys under {@code reader}; {@code deployment} decides what is allowed (dials in mode local). */
  public static FailoverSettings read(ConfigReader reader, Deployment deployment) {
    ControllerConfig d = ControllerConfig.defaults("us-east-1", "defaults", Deployment.REGIONS);
    Duration period = reader.duration("evaluationPeriod", d.evaluationPeriod(),
        "how often the controller observes every region and decides for the regions it leads");
    Duration ttl = ControlSettings.leaseTtl(reader, "leaseTtl", d.leaseTtl(), "evaluationPeriod", period,
        "the leases failover/<region>, renewed every evaluation: a standby takes over this long after a leader "
            + "dies (at once after a graceful stop, which releases them); more than evaluationPeriod");
    List<String> regions = reader.list("regions", Deployment.REGIONS,
        "every region of the deployment: each is observed every evaluation; this controller decides for the others");
    ConfigReader probe = reader.section("probe");
    Map<String, List<URI>> routers = routers(probe, regions);
    Duration timeout = probe.duration("timeout", DEFAULT_PROBE_TIMEOUT,
        "a probe with no answer within this is UNREACHABLE");
    Optional<Path> ca = probe.optionalPath("caFile",
        "PEM file of the CA the routers' admin certificates chain to (only it is trusted); required with https:// "
            + "probe URLs");
    if (ca.isEmpty() && routers.values().stream().flatMap(List::stream).anyMatch(u -> "https".equals(u.getScheme()))) {
      probe.problem("caFile", "missing; required with https:// probe URLs: the CA the routers' admin certificates "
          + "chain to");
    }
    HealthThresholds health = health(reader.section("health"));
    MachineConfig machine = machine(reader.section("machine"));
    ConfigReader dialKeys = reader.section("dials");
    DialsType dials = dialKeys.choice("type", DialsType.ROUTING_STATE, DialsType.class,
        "routing-state: the routing_state rows the local front door follows; global-accelerator: UpdateEndpointGroup "
            + "on each region's endpoint group, through a client pinned to us-west-2 (GA's API region, whatever "
            + "region the controller runs in)");
    Map<String, String> arns = dialKeys.map("endpointGroupArns", "an endpoint group ARN (" + ARN_EXAMPLE + ")",
        "dials.type global-accelerator: per region, the ARN of its endpoint group; required for every region");
    checkDials(dialKeys, dials, arns, regions, deployment.mode());
    String region = deployment.region().isEmpty() ? regions.get(0) : deployment.region();
    reader.build("regions", () -> controller(period, ttl, regions, region, "check"));
    Duration startDelay = reader.delay("startDelay", Duration.ZERO,
        "how long after start the first evaluation waits (0s: at once); lets a new deployment's first instances "
            + "boot before any region is judged, so an empty region is not failed over at birth");
    return new FailoverSettings(period, ttl, regions, routers, timeout, ca, health, machine, dials, arns,
        startDelay);
  }

  private static Map<String, List<URI>> routers(ConfigReader probe, List<String> regions) {
    Map<String, List<URI>> out = new LinkedHashMap<>();
    probe.map("routers", "a list of http(s) URLs",
        "per region, the /healthz/region URLs of its routers' admin listeners (a region runs several routers: it "
            + "serves when one of them says so); a region without URLs is judged without the probe")
        .forEach((region, text) -> {
          if (!regions.contains(region)) {
            probe.problem("routers." + region, "'" + region + "' is not allowed; allowed: a region of regions "
                + regions);
            return;
          }
          List<URI> urls = new ArrayList<>();
          for (String item : text.split(",")) {
            Optional<URI> url = httpUrl(item.trim());
            if (url.isEmpty()) {
              probe.problem("routers." + region, "'" + item.trim() + "' is not allowed; allowed: http(s) URLs such as "
                  + "http://10.0.1.5:9090/healthz/region");
              return;
            }
            urls.add(url.get());
          }
          out.put(region, List.copyOf(urls));
        });
    return out;
  }

  private static Optional<URI> httpUrl(String text) {
    try {
      URI uri = URI.create(text);
      boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
      return http && uri.getHost() != null ? Optional.of(uri) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static HealthThresholds health(ConfigReader h) {
    HealthThresholds d = HealthThresholds.defaults();
    int min = h.integer("minServingInstances", d.minServingInstances(), 1, 100,
        "fewer serving instances (fresh heartbeat) make a region IMPAIRED, none FAILED");
    Duration stale = h.duration("heartbeatStaleAfter", d.heartbeatStaleAfter(),
        "an instance whose heartbeat is older does not count as serving");
    double impaired = h.decimal("impairedErrorRate", d.impairedErrorRate(), 0, 1,
        "router error rate (5xx / requests) from which a region is IMPAIRED");
    double failed = h.decimal("failedErrorRate", d.failedErrorRate(), 0, 1,
        "router error rate from which a region is FAILED (above impairedErrorRate)");
    Duration p99 = h.duration("maxP99Latency", d.maxP99Latency(), "a router p99 above this makes a region IMPAIRED");
    Duration slow = h.duration("slowProbe", d.slowProbe(),
        "a probe answering slower than this makes a region IMPAIRED");
    return h.build("failedErrorRate", () -> new HealthThresholds(min, stale, d.metricsWindow(), d.minRequests(),
        impaired, failed, p99, slow));
  }

  /** The state machine's holds: each as EVALUATIONS/DURATION, both must pass (defaults assume 5 s evaluations). */
  private static MachineConfig machine(ConfigReader m) {
    MachineConfig d = MachineConfig.defaults();
    Hold degrade = hold(m, "degradeAfter", d.degradeAfter(), "IMPAIRED-or-worse this long: NORMAL -> DEGRADED");
    Hold fail = hold(m, "failAfter", d.failAfter(), "FAILED (by the quorum) this long: -> FAILOVER_ACTIVE");
    Hold clear = hold(m, "clearAfter", d.clearAfter(), "HEALTHY this long: DEGRADED -> NORMAL");
    Hold recover = hold(m, "recoverAfter", d.recoverAfter(), "HEALTHY this long: FAILOVER_ACTIVE -> RECOVERING");
    Hold ramp = hold(m, "rampHold", d.rampHold(), "HEALTHY this long between two RECOVERING dial steps");
    List<Integer> rampSteps = steps(m, "rampSteps", d.rampSteps(), "RECOVERING dial steps, ascending, ending at 100");
    List<Integer> drainSteps = steps(m, "drainSteps", d.drainSteps(), "planned drain dial steps, descending, to 0");
    Duration drainHold = m.duration("drainHold", d.drainHold(), "time between two planned drain steps");
    return m.build("clearAfter", () -> new MachineConfig(degrade, fail, clear, recover, ramp, rampSteps, drainSteps,
        drainHold, d.relapseMemory()));
  }

  private static Hold hold(ConfigReader m, String key, Hold defaultValue, String description) {
    String text = m.string(key, defaultValue.evaluations() + "/" + ConfigReader.format(defaultValue.duration()),
        description + " (EVALUATIONS/DURATION, e.g. 2/5s: both must pass)");
    int slash = text.indexOf('/');
    try {
      if (slash > 0) {
        int evaluations = Integer.parseInt(text.substring(0, slash).trim());
        Duration duration = ConfigReader.parseDuration(text.substring(slash + 1));
        if (evaluations >= 1 && evaluations <= 1000) {
          return Hold.of(evaluations, duration);
        }
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    m.problem(key, "'" + text + "' is not allowed; allowed: EVALUATIONS/DURATION such as 2/5s (1 to 1000 "
        + "evaluations, a positive duration)");
    return defaultValue;
  }

  private static List<Integer> steps(ConfigReader m, String key, List<Integer> defaultValue, String description) {
    List<String> text = m.list(key, defaultValue.stream().map(String::valueOf).toList(), description);
    try {
      return text == null ? defaultValue : text.stream().map(Integer::valueOf).toList();
    } catch (NumberFormatException e) {
      m.problem(key, "'" + String.join(",", text) + "' is not allowed; allowed: whole percentages such as 10,50,100");
      return defaultValue;
    }
  }

  private static void checkDials(ConfigReader dialKeys, DialsType dials, Map<String, String> arns,
      List<String> regions, Mode mode) {
    if (dials != DialsType.GLOBAL_ACCELERATOR) {
      return;
    }
    if (mode == Mode.LOCAL) {
      dialKeys.problem("type", "'global-accelerator' is not allowed in mode local; allowed: routing-state (the "
          + "local front door follows routing_state)");
      return;
    }
    for (String region : regions) {
      String arn = arns.get(region);
      if (arn == null) {
        dialKeys.problem("endpointGroupArns." + region, "missing; required with dials.type global-accelerator: the "
            + "endpoint group ARN of each region in regions");
      } else if (!arn.matches("arn:aws[a-z-]*:globalaccelerator::\\d{12}:accelerator/[^/]+/listener/[^/]+"
          + "/endpoint-group/[^/]+")) {
        dialKeys.problem("endpointGroupArns." + region, "'" + arn + "' is not allowed; allowed: an endpoint group ARN "
            + "such as " + ARN_EXAMPLE);
      }
    }
  }

  private static ControllerConfig controller(Duration period, Duration ttl, List<String> regions, String region,
      String holder) {
    return new ControllerConfig(region, holder, regions, period, ttl, period.multipliedBy(PERIODS_OF_FRESHNESS),
        Math.min(2, regions.size()), false, 100, Duration.ofSeconds(1));
  }

  /** The controller of {@code region}, holding its leases as {@code holder}. */
  public ControllerConfig controller(String region, String holder) {
    return controller(evaluationPeriod, leaseTtl, regions, region, holder);
  }

  /**
   * How a planned drain pre-scales the survivors: by their autoscalers' target and ceiling when known (the control
   * service passes its autoscaler's), else the autoscaler's defaults.
   */
  public PrescalerConfig prescaler(int targetRpsPerInstance, int maxInstances) {
    PrescalerConfig base = PrescalerConfig.defaults().withAutoscaling(targetRpsPerInstance, maxInstances);
    return new PrescalerConfig(base.targetRpsPerInstance(), base.maxInstances(), base.overrideFor(),
        health.heartbeatStaleAfter(), base.autoscalerStaleAfter());
  }
}
