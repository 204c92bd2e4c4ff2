package io.mrgc.autoscaler.fleet.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mrgc.autoscaler.fleet.Fleet;
import io.mrgc.autoscaler.fleet.FleetException;
import io.mrgc.autoscaler.fleet.FleetInstance;
import io.mrgc.autoscaler.fleet.InstanceLifecycle;
import io.mrgc.autoscaler.fleet.StateChange;
import io.mrgc.autoscaler.fleet.container.EngineApi.EngineException;
import io.mrgc.common.Check;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The containers deployment's {@link Fleet} ({@code mrgc up --containers}): what EC2 does for GPU nodes, done with
 * containers through the Docker Engine API (podman's compatible service). One instance is an agent container, its
 * enclave container ({@code NetworkMode none}) and a named volume between them for the enclave's Unix socket, all
 * labelled with the deployment, region, role and instance id; the labels are the record, so a restarted or standby
 * autoscaler talking to the same engine sees the instances launched before.
 *
 * <p>States ({@link #describe}): created, configured, initialized, restarting: PENDING; running and paused: RUNNING
 * (a paused agent is like an unresponsive instance, which EC2 still reports running: its heartbeats stop and the loop
 * replaces it); stopping: STOPPING; exited, stopped, dead: STOPPED (the agent died but its containers stay for their
 * logs, as a stopped EC2 instance stays; the loop terminates a stopped instance without a row); removing, and every
 * instance this fleet is terminating: SHUTTING_DOWN. Terminated instances are gone (removed), as in EC2 after a while.
 *
 * <p>{@link #terminate} returns at once (RUNNING to SHUTTING_DOWN, as TerminateInstances does); in the background it
 * stops the agent (SIGTERM, SIGKILL after {@code terminateGrace}: the agent drains and exits), then removes both
 * containers and the volume. Secrets passed with {@code passEnv} are never logged.
 */
public final class ContainerFleet implements Fleet {
  public static final String LABEL_DEPLOYMENT = "io.mrgc.deployment";
  public static final String LABEL_REGION = "io.mrgc.region";
  public static final String LABEL_ROLE = "io.mrgc.role";
  public static final String LABEL_INSTANCE = "io.mrgc.instance";
  public static final String ROLE_AGENT = "agent";
  public static final String ROLE_ENCLAVE = "enclave";

  public static final Path DEFAULT_SOCKET = Path.of("/run/podman.sock");
  public static final String DEFAULT_DEPLOYMENT = "local";
  public static final String DEFAULT_AGENT_IMAGE = "localhost/mrgc:dev";
  public static final String DEFAULT_ENCLAVE_IMAGE = "localhost/mrgc-enclave:dev";
  public static final List<String> DEFAULT_AGENT_COMMAND = List.of("serve", "agent", "--config", "/etc/mrgc/agent.yaml");
  public static final List<String> DEFAULT_ENCLAVE_COMMAND = List.of("--config", "/etc/mrgc/enclave.yaml");
  public static final String AGENT_CONFIG_PATH = "/etc/mrgc/agent.yaml";
  public static final String ENCLAVE_CONFIG_PATH = "/etc/mrgc/enclave.yaml";
  public static final String ENCLAVE_SOCKET_DIR = "/run/mrgc-enclave";
  public static final String ENCLAVE_SOCKET = ENCLAVE_SOCKET_DIR + "/enclave.sock";
  public static final int AGENT_PORT = 8080;
  /** The images' user (uid and gid 10001): the shared volume is theirs, so that the enclave can make its socket. */
  public static final String DEFAULT_VOLUME_OWNER = "10001:10001";
  public static final Duration DEFAULT_TERMINATE_GRACE = Duration.ofSeconds(30);
  /** An enclave container without its agent this long after its creation is left from a failed launch: removed. */
  static final Duration ORPHAN_AFTER = Duration.ofMinutes(2);
  private static final Logger LOG = LoggerFactory.getLogger(ContainerFleet.class);

  /** A read-only bind mount: {@code hostPath} (absolute, on the engine's host) at {@code containerPath}. */
  public record Mount(Path hostPath, String containerPath) {
    public Mount {
      Check.notNull("hostPath", hostPath);
      Check.notBlank("containerPath", containerPath);
      if (!hostPath.isAbsolute() || !containerPath.startsWith("/")) {
        throw new IllegalArgumentException("'" + hostPath + ":" + containerPath + "' is not allowed; allowed: "
            + "hostPath:containerPath, both absolute");
      }
    }

    /** {@code /host/path:/container/path}; null when it is not of that form (both absolute). */
    public static Mount parse(String text) {
      int colon = text.indexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        return null;
      }
      Path host = Path.of(text.substring(0, colon).trim());
      String container = text.substring(colon + 1).trim();
      return host.isAbsolute() && container.startsWith("/") && !container.contains(":")
          ? new Mount(host, container) : null;
    }

    String bind() {
      return hostPath + ":" + containerPath + ":ro";
    }
  }

  /**
   * @param socket the engine's API socket (inside the control container, podman's socket mounted there)
   * @param deployment the value of the io.mrgc.deployment label (what this fleet lists and launches)
   * @param network the region's container network, empty for {@code mrgc-<region>}; the agent joins it with its
   *     container name as DNS alias
   * @param agentImage the agent's image; {@code agentCommand} its command
   * @param enclaveImage the enclave's image; {@code enclaveCommand} its command
   * @param agentConfigFile the agent's YAML on the engine's host, mounted read-only at /etc/mrgc/agent.yaml
   * @param enclaveConfigFile the enclave's YAML on the engine's host, mounted read-only at /etc/mrgc/enclave.yaml
   * @param agentMounts more read-only binds into the agent container (the models)
   * @param enclaveMounts more read-only binds into the enclave container (its keys): never into the agent, whose
   *     tenants' code paths must not reach the enclave's secrets
   * @param passEnv names of environment variables copied from this process into the agent (secrets: never logged)
   * @param memory each container's memory limit in bytes; 0: none
   * @param terminateGrace after SIGTERM, how long the agent may drain before SIGKILL
   * @param volumeOwner uid:gid owning the shared socket volume (the images' user)
   */
  public record Settings(Path socket, String deployment, String network, String agentImage, List<String> agentCommand,
      String enclaveImage, List<String> enclaveCommand, Path agentConfigFile, Path enclaveConfigFile,
      List<Mount> agentMounts, List<Mount> enclaveMounts, List<String> passEnv, long memory,
      Duration terminateGrace, String volumeOwner) {
    public Settings {
      Check.notNull("socket", socket);
      Check.notBlank("deployment", deployment);
      Check.notNull("network", network);
      Check.notBlank("agentImage", agentImage);
      agentCommand = List.copyOf(Check.notNull("agentCommand", agentCommand));
      Check.notBlank("enclaveImage", enclaveImage);
      enclaveCommand = List.copyOf(Check.notNull("enclaveCommand", enclaveCommand));
      Check.notNull("agentConfigFile", agentConfigFile);
      Check.notNull("enclaveConfigFile", enclaveConfigFile);
      agentMounts = List.copyOf(Check.notNull("agentMounts", agentMounts));
      enclaveMounts = List.copyOf(Check.notNull("enclaveMounts", enclaveMounts));
      passEnv = List.copyOf(Check.notNull("passEnv", passEnv));
      Check.between("memory", memory, 0, Long.MAX_VALUE);
      Check.positive("terminateGrace", terminateGrace);
      Check.notBlank("volumeOwner", volumeOwner);
      if (!volumeOwner.matches("[0-9]+:[0-9]+")) {
        throw new IllegalArgumentException("volumeOwner '" + volumeOwner + "' is not allowed; allowed: uid:gid");
      }
    }

    /** The defaults for everything but the region's network and the two files. */
    public static Settings of(String network, Path agentConfigFile, Path enclaveConfigFile) {
      return new Settings(DEFAULT_SOCKET, DEFAULT_DEPLOYMENT, network, DEFAULT_AGENT_IMAGE, DEFAULT_AGENT_COMMAND,
          DEFAULT_ENCLAVE_IMAGE, DEFAULT_ENCLAVE_COMMAND, agentConfigFile, enclaveConfigFile, List.of(), List.of(), List.of(),
          0,
          DEFAULT_TERMINATE_GRACE, DEFAULT_VOLUME_OWNER);
    }
  }

  private final String region;
  private final Settings settings;
  private final String network;
  private final EngineApi engine;
  private final Map<String, String> environment;
  private final Set<String> terminating = ConcurrentHashMap.newKeySet();
  private final ExecutorService background = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "container-fleet-terminate");
    t.setDaemon(true);
    return t;
  });

  /** Against the engine at {@code settings.socket()}, passing variables from this process's environment. */
  public ContainerFleet(String region, Settings settings) {
    this(region, settings, new EngineApi(settings.socket()), System.getenv());
  }

  /** With an engine client and the environment that {@code passEnv} reads (tests). */
  public ContainerFleet(String region, Settings settings, EngineApi engine, Map<String, String> environment) {
    this.region = Check.notBlank("region", region);
    this.settings = Check.notNull("settings", settings);
    this.network = settings.network().isBlank() ? "mrgc-" + region : settings.network();
    this.engine = Check.notNull("engine", engine);
    this.environment = Map.copyOf(Check.notNull("environment", environment));
  }

  /**
   * At start: what the engine lacks for this fleet (its API answers _ping, the two images and the network exist), each
   * with what to fix; empty when nothing.
   */
  public List<String> preflight() {
    try {
      engine.ping();
    } catch (EngineException e) {
      return List.of("socket '" + engine.socket() + "' does not answer the Docker Engine API (" + e.getMessage()
          + "); mount podman's API socket there (local only: it is root-equivalent) or set fleet.container.socket");
    }
    List<String> lacking = new ArrayList<>();
    try {
      for (String image : List.of(settings.agentImage(), settings.enclaveImage())) {
        if (!engine.imageExists(image)) {
          lacking.add("image '" + image + "' not found in the engine; build it (./mrgc images build) or set "
              + (image.equals(settings.agentImage()) ? "fleet.container.agentImage" : "fleet.container.enclaveImage"));
        }
      }
      if (!engine.networkExists(network)) {
        lacking.add("network '" + network + "' not found in the engine; create it (podman network create "
            + network + ") or set fleet.container.network");
      }
    } catch (EngineException e) {
      lacking.add("the engine at '" + engine.socket() + "' failed: " + e.getMessage());
    }
    return lacking;
  }

  @Override
  public List<String> launch(int count) {
    List<String> ids = Fleet.launchEach(count, this::launchOne);
    LOG.info("launched {} agent containers in {}: {}", ids.size(), region, ids);
    return ids;
  }

  /** The region network the agents join. */
  public String network() {
    return network;
  }

  /** The agent container's name (and DNS alias on the region network). */
  public String agentName(String id) {
    return settings.deployment() + "-" + region + "-" + id;
  }

  public String enclaveName(String id) {
    return agentName(id) + "-enclave";
  }

  /** The named volume for the enclave's socket, shared by the instance's two containers. */
  public String volumeName(String id) {
    return agentName(id) + "-socket";
  }

  private String launchOne() {
    String id = "i-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())
        + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(0, 1);
    try {
      String[] owner = settings.volumeOwner().split(":");
      engine.createVolume(volumeName(id), labels(ROLE_AGENT, id),
          Map.of("o", "uid=" + owner[0] + ",gid=" + owner[1]));
      engine.createContainer(enclaveName(id), enclaveSpec(id));
      engine.start(enclaveName(id));
      engine.createContainer(agentName(id), agentSpec(id));
      engine.start(agentName(id));
    } catch (EngineException e) {
      removeInstance(id);
      throw new FleetException("launch in " + region, e.status() == 0 ? "EngineUnavailable" : "Engine" + e.status(),
          e.getMessage(), e);
    }
    return id;
  }

  Map<String, String> labels(String role, String id) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_DEPLOYMENT, settings.deployment());
    labels.put(LABEL_REGION, region);
    labels.put(LABEL_ROLE, role);
    labels.put(LABEL_INSTANCE, id);
    return labels;
  }

  /** The enclave: no network, read-only root, its config and the shared socket volume. */
  ObjectNode enclaveSpec(String id) {
    ObjectNode spec = common(settings.enclaveImage(), settings.enclaveCommand(), labels(ROLE_ENCLAVE, id), id,
        settings.enclaveConfigFile(), ENCLAVE_CONFIG_PATH, settings.enclaveMounts());
    spec.putArray("Env").add("MRGC_LISTENER_SOCKET=" + ENCLAVE_SOCKET);
    spec.with("HostConfig").put("NetworkMode", "none");
    return spec;
  }

  /** The agent: on the region network as its container name, its config, the socket volume and the passed env. */
  ObjectNode agentSpec(String id) {
    String name = agentName(id);
    ObjectNode spec = common(settings.agentImage(), settings.agentCommand(), labels(ROLE_AGENT, id), id,
        settings.agentConfigFile(), AGENT_CONFIG_PATH, settings.agentMounts());
    ArrayNode env = spec.putArray("Env")
        .add("MRGC_INSTANCE_ID=" + id)
        .add("MRGC_LISTENER_HOST=" + name)
        .add("MRGC_LISTENER_PORT=" + AGENT_PORT)
        .add("MRGC_ENCLAVE_SOCKET=" + ENCLAVE_SOCKET)
        .add("MRGC_HEALTHCHECK_URL=http://127.0.0.1:" + AGENT_PORT + "/readyz");
    for (String variable : settings.passEnv()) {
      String value = environment.get(variable);
      if (value != null) {
        env.add(variable + "=" + value);
      } else {
        LOG.warn("{}: {} is not set in the autoscaler's environment; the agent gets none", name, variable);
      }
    }
    spec.with("HostConfig").put("NetworkMode", network);
    spec.putObject("NetworkingConfig").putObject("EndpointsConfig").putObject(network)
        .putArray("Aliases").add(name);
    return spec;
  }

  private ObjectNode common(String image, List<String> command, Map<String, String> labels, String id,
      Path configFile, String configPath, List<Mount> mounts) {
    ObjectNode spec = EngineApi.object().put("Image", image);
    if (!command.isEmpty()) {
      ArrayNode cmd = spec.putArray("Cmd");
      command.forEach(cmd::add);
    }
    ObjectNode l = spec.putObject("Labels");
    labels.forEach(l::put);
    ObjectNode host = spec.putObject("HostConfig").put("ReadonlyRootfs", true);
    host.putObject("Tmpfs").put("/tmp", "rw,nosuid,nodev,size=256m");
    if (settings.memory() > 0) {
      host.put("Memory", settings.memory());
    }
    ArrayNode binds = host.putArray("Binds")
        .add(volumeName(id) + ":" + ENCLAVE_SOCKET_DIR)
        .add(configFile + ":" + configPath + ":ro");
    mounts.forEach(m -> binds.add(m.bind()));
    return spec;
  }

  @Override
  public List<FleetInstance> describe() {
    List<FleetInstance> out = new ArrayList<>();
    Map<String, JsonNode> agents = new TreeMap<>();
    Map<String, JsonNode> enclaves = new TreeMap<>();
    for (JsonNode c : listRegion("describe")) {
      String id = c.path("Labels").path(LABEL_INSTANCE).asText("");
      if (id.isEmpty()) {
        continue;
      }
      switch (c.path("Labels").path(LABEL_ROLE).asText("")) {
        case ROLE_AGENT -> agents.put(id, c);
        case ROLE_ENCLAVE -> enclaves.put(id, c);
        default -> { }
      }
    }
    Instant now = Instant.now();
    for (Map.Entry<String, JsonNode> e : agents.entrySet()) {
      JsonNode c = e.getValue();
      InstanceLifecycle state = terminating.contains(e.getKey()) ? InstanceLifecycle.SHUTTING_DOWN
          : state(c.path("State").asText(""));
      long created = c.path("Created").asLong(0);
      String ip = c.path("NetworkSettings").path("Networks").path(network).path("IPAddress").asText("");
      out.add(new FleetInstance(e.getKey(), state, created > 0 ? Instant.ofEpochSecond(created) : null,
          ip.isEmpty() ? null : ip));
    }
    for (Map.Entry<String, JsonNode> e : enclaves.entrySet()) {
      long created = e.getValue().path("Created").asLong(0);
      if (!agents.containsKey(e.getKey()) && !terminating.contains(e.getKey()) && created > 0
          && Instant.ofEpochSecond(created).plus(ORPHAN_AFTER).isBefore(now)) {
        LOG.info("removing {}: an enclave without its agent (a launch that failed half-way)", e.getKey());
        terminateInBackground(e.getKey(), false);
      }
    }
    return out;
  }

  /** The engine's container state as an EC2 lifecycle state (see the class comment). */
  static InstanceLifecycle state(String engineState) {
    return switch (engineState) {
      case "created", "configured", "initialized", "restarting" -> InstanceLifecycle.PENDING;
      case "running", "paused" -> InstanceLifecycle.RUNNING;
      case "stopping" -> InstanceLifecycle.STOPPING;
      case "exited", "stopped", "dead" -> InstanceLifecycle.STOPPED;
      case "removing" -> InstanceLifecycle.SHUTTING_DOWN;
      default -> InstanceLifecycle.UNKNOWN;
    };
  }

  @Override
  public List<StateChange> terminate(Collection<String> instanceIds) {
    Check.notNull("instanceIds", instanceIds);
    Map<String, InstanceLifecycle> current = new LinkedHashMap<>();
    for (JsonNode c : listRegion("terminate")) {
      if (ROLE_AGENT.equals(c.path("Labels").path(LABEL_ROLE).asText(""))) {
        current.put(c.path("Labels").path(LABEL_INSTANCE).asText(""), state(c.path("State").asText("")));
      }
    }
    List<StateChange> changes = new ArrayList<>();
    for (String id : instanceIds) {
      InstanceLifecycle previous = terminating.contains(id) ? InstanceLifecycle.SHUTTING_DOWN : current.get(id);
      if (previous == null) {
        changes.add(new StateChange(id, InstanceLifecycle.TERMINATED, InstanceLifecycle.TERMINATED));
        continue;
      }
      if (terminating.add(id)) {
        terminateInBackground(id, true);
      }
      changes.add(new StateChange(id, previous, InstanceLifecycle.SHUTTING_DOWN));
    }
    LOG.info("terminating {} agent containers in {}: {}", changes.size(), region, instanceIds);
    return changes;
  }

  private void terminateInBackground(String id, boolean stopFirst) {
    terminating.add(id);
    background.execute(() -> {
      try {
        if (stopFirst) {
          try {
            engine.stop(agentName(id), settings.terminateGrace()); // SIGTERM: the agent drains and exits
          } catch (EngineException e) {
            LOG.warn("{}: stop failed ({}); removing it by force", agentName(id), e.getMessage());
          }
        }
        removeInstance(id);
      } finally {
        terminating.remove(id);
      }
    });
  }

  /** Removes the instance's containers (by force) and its volume; failures are logged (describe shows what stays). */
  private void removeInstance(String id) {
    for (String container : List.of(agentName(id), enclaveName(id))) {
      try {
        engine.remove(container);
      } catch (EngineException e) {
        LOG.warn("could not remove {}: {}", container, e.getMessage());
      }
    }
    try {
      engine.removeVolume(volumeName(id));
    } catch (EngineException e) {
      LOG.warn("could not remove volume {}: {}", volumeName(id), e.getMessage());
    }
  }

  /** Waits until every termination started here has finished (tests, and a deployment shutting down). */
  public boolean awaitTerminations(Duration timeout) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (!terminating.isEmpty()) {
      if (System.nanoTime() > until) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    return true;
  }

  private List<JsonNode> listRegion(String operation) {
    try {
      return engine.list(Map.of(LABEL_DEPLOYMENT, settings.deployment(), LABEL_REGION, region));
    } catch (EngineException e) {
      throw new FleetException(operation + " in " + region, e.status() == 0 ? "EngineUnavailable"
          : "Engine" + e.status(), e.getMessage(), e);
    }
  }
}
