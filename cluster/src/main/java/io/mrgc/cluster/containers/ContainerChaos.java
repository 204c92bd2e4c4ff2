package io.mrgc.cluster.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mrgc.cluster.processes.ChildProcess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Real faults on a containers deployment, found by its labels (so {@code mrgc chaos} in another shell acts on what
 * {@code mrgc up --containers} made): kill a container (SIGKILL), pause and unpause a region's containers (SIGSTOP for
 * every process in them), cut a region's network off from everything outside it ({@code podman network disconnect})
 * and restore it. A cut region's containers keep their own network: its routers still reach its agents, but nothing
 * outside reaches them, and they reach neither DynamoDB Local nor the other regions.
 */
public final class ContainerChaos {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One container of the deployment as podman lists it. */
  public record Container(String name, String role, String region, Set<String> networks, String state) {}

  private final Podman podman;
  private final ContainerClusterOptions options;

  ContainerChaos(Podman podman, ContainerClusterOptions options) {
    this.podman = podman;
    this.options = options;
  }

  /** The chaos of the deployment {@code deployment} (default mrgc) that runs now. */
  public static ContainerChaos of(String deployment) {
    return new ContainerChaos(Podman.require(), new ContainerClusterOptions(java.nio.file.Path.of(".mrgc"),
        deployment, io.mrgc.cluster.frontdoor.Regions.ALL, 1, 1, List.of(), 0, 0,
        ContainerClusterOptions.DEFAULT_IMAGE, ContainerClusterOptions.DEFAULT_ENCLAVE_IMAGE, false));
  }

  /** Every container of the deployment, running or not. */
  public List<Container> list() {
    String json = podman.run("ps", "-a", "--filter", "label=" + ContainerCluster.LABEL + "=" + options.deployment(),
        "--format", "json");
    List<Container> all = new ArrayList<>();
    try {
      for (JsonNode c : JSON.readTree(json.isBlank() ? "[]" : json)) {
        Set<String> networks = new LinkedHashSet<>();
        c.path("Networks").forEach(n -> networks.add(n.asText()));
        JsonNode labels = c.path("Labels");
        all.add(new Container(c.path("Names").path(0).asText(), labels.path(ContainerCluster.ROLE_LABEL).asText(),
            labels.path(ContainerCluster.REGION_LABEL).asText(null), networks, c.path("State").asText()));
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read podman ps output: " + e.getMessage(), e);
    }
    return all;
  }

  /** Name -> role of every container of the deployment. */
  public Map<String, String> containers() {
    Map<String, String> roles = new LinkedHashMap<>();
    list().forEach(c -> roles.put(c.name(), c.role()));
    return roles;
  }

  /** The running containers of {@code role} (router, agent, enclave, control, front-door, dynamodb) in a region. */
  public List<String> running(String role, String region) {
    return list().stream().filter(c -> c.role().equals(role) && "running".equals(c.state()))
        .filter(c -> region == null || region.equals(c.region())).map(Container::name).toList();
  }

  /** SIGKILL, as a crashed host or an OOM kill: no drain, no goodbye. */
  public void kill(String container) {
    requireOwn(container);
    podman.run("kill", "--signal", "KILL", container);
  }

  /** Freezes every container of {@code region} (its processes stop mid-request, connections stay open). */
  public List<String> pause(String region) {
    List<String> names = inRegion(region, "running");
    if (!names.isEmpty()) {
      podman.run(concat(List.of("pause"), names));
    }
    return names;
  }

  public List<String> unpause(String region) {
    List<String> names = inRegion(region, "paused");
    if (!names.isEmpty()) {
      podman.run(concat(List.of("unpause"), names));
    }
    return names;
  }

  /**
   * Cuts {@code region} off: every container of another region (or of none: DynamoDB Local, the front door) leaves
   * the region's network, and the region's containers leave every other network. Returns what was disconnected.
   */
  public List<String> cut(String region) {
    String network = options.network(region);
    List<String> cut = new ArrayList<>();
    for (Container c : list()) {
      for (String joined : c.networks()) {
        boolean outsiderOnRegionNetwork = !region.equals(c.region()) && joined.equals(network);
        boolean regionOnOtherNetwork = region.equals(c.region()) && !joined.equals(network);
        if (outsiderOnRegionNetwork || regionOnOtherNetwork) {
          podman.run("network", "disconnect", joined, c.name());
          cut.add(c.name() + " from " + joined);
        }
      }
    }
    return cut;
  }

  /** Connects every container to the networks it belongs on again (after {@link #cut}); returns what it joined. */
  public List<String> restore() {
    List<String> joined = new ArrayList<>();
    for (Container c : list()) {
      for (String network : expectedNetworks(c)) {
        if (!c.networks().contains(network)) {
          podman.run("network", "connect", network, c.name());
          joined.add(c.name() + " to " + network);
        }
      }
    }
    return joined;
  }

  /** Where a container belongs: shared services and control containers on every region's network. */
  private List<String> expectedNetworks(Container c) {
    return switch (c.role()) {
      case "dynamodb", "front-door", "control" -> options.regions().stream().map(options::network).toList();
      case "router", "agent" -> c.region() == null ? List.of() : List.of(options.network(c.region()));
      default -> List.of(); // enclaves have no network
    };
  }

  /** Each running container's resident memory (its main process, the JVM), name -> bytes. */
  public Map<String, Long> memoryBytes() {
    Map<String, Long> bytes = new LinkedHashMap<>();
    List<String> names = list().stream().filter(c -> "running".equals(c.state())).map(Container::name).toList();
    if (names.isEmpty()) {
      return bytes;
    }
    String pids = podman.run(concat(List.of("inspect", "--format", "{{.Name}} {{.State.Pid}}"), names));
    pids.lines().map(line -> line.trim().split(" ")).filter(parts -> parts.length == 2)
        .forEach(parts -> bytes.put(parts[0], ChildProcess.residentBytes(Long.parseLong(parts[1]))));
    return bytes;
  }

  /**
   * Stops every container of the deployment (SIGTERM, SIGKILL after {@code stopSeconds}; 0: at once): the front door,
   * routers and control containers first, then agents and enclaves, then DynamoDB Local; removes them, their volumes
   * and the region networks.
   */
  public void removeAll(int stopSeconds) {
    List<Container> all = list();
    for (List<String> roles : List.of(List.of("front-door", "router", "control"), List.of("agent", "enclave"),
        List.of("dynamodb"))) {
      List<String> names = all.stream().filter(c -> roles.contains(c.role()) && !"exited".equals(c.state()))
          .map(Container::name).toList();
      if (!names.isEmpty()) {
        // a paused container cannot take SIGTERM
        all.stream().filter(c -> names.contains(c.name()) && "paused".equals(c.state()))
            .forEach(c -> podman.succeeds("unpause", c.name()));
        podman.succeeds(concat(List.of("stop", "--time", Integer.toString(stopSeconds)), names)
            .toArray(String[]::new));
      }
    }
    // the control containers' fleets may have launched agents after the list above
    List<String> left = list().stream().map(Container::name).toList();
    if (!left.isEmpty()) {
      podman.succeeds(concat(List.of("rm", "--force", "--volumes", "--time", "0"), left).toArray(String[]::new));
    }
    String volumes = podman.run("volume", "ls", "--quiet", "--filter",
        "label=" + ContainerCluster.LABEL + "=" + options.deployment());
    volumes.lines().filter(v -> !v.isBlank()).forEach(v -> podman.succeeds("volume", "rm", "--force", v));
    for (String region : options.regions()) {
      if (podman.succeeds("network", "exists", options.network(region))) {
        podman.succeeds("network", "rm", "--force", options.network(region));
      }
    }
  }

  private List<String> inRegion(String region, String state) {
    io.mrgc.cluster.frontdoor.Regions.nearestFirst(region); // rejects an unknown region with the known ones
    return list().stream().filter(c -> region.equals(c.region()) && state.equals(c.state()))
        .map(Container::name).toList();
  }

  private void requireOwn(String container) {
    if (list().stream().noneMatch(c -> c.name().equals(container))) {
      throw new IllegalArgumentException("no container " + container + " in the deployment " + options.deployment()
          + "; its containers: " + containers().keySet());
    }
  }

  private static List<String> concat(List<String> head, List<String> tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(tail);
    return all;
  }
}
