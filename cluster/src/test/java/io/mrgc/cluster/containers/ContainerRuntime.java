package io.mrgc.cluster.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/**
 * The container engine for the container suites, through Testcontainers (podman's Docker-compatible API here). They
 * skip with a message where no engine or image exists, except in CI (CI=true), which must run them: there a missing
 * engine or image fails the build with what to run.
 */
final class ContainerRuntime {
  private ContainerRuntime() {}

  static DockerClient requireOrSkip(List<String> images) {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      unavailable("no container engine answers (DOCKER_HOST=" + System.getenv("DOCKER_HOST") + "): run "
          + "containers/setup-host.sh as root (podman, runc and the API socket)");
    }
    DockerClient docker = DockerClientFactory.instance().client();
    for (String image : images) {
      try {
        docker.inspectImageCmd(image).exec();
      } catch (NotFoundException e) {
        unavailable("the image " + image + " is missing: run ./mrgc images build");
      }
    }
    return docker;
  }

  private static void unavailable(String why) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI must run the container suites, but " + why);
    }
    Assumptions.abort("skipped: " + why);
  }
}
