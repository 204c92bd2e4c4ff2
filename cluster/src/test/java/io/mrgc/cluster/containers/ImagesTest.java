package io.mrgc.cluster.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import io.mrgc.enclave.attestation.LocalAttestationKeyFile;
import io.mrgc.enclave.attestation.LocalAttestationProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The images that {@code ./mrgc images build} makes, run as containers (podman's Docker-compatible API here; the
 * surefire configuration points Testcontainers at it): the service image runs as uid 10001 with a read-only root and
 * checks a router file (exit 0, or 2 naming the problems); the enclave image serves mode local on a Unix socket in a
 * volume with no network and a read-only root, and a container of the service image that mounts the same volume gets
 * a PONG over the enclave protocol. Skips, saying why, where no container runtime answers or the images are absent.
 */
class ImagesTest {
  static final String SERVICE = "localhost/mrgc:dev";
  static final String ENCLAVE = "localhost/mrgc-enclave:dev";
  static final String SOCKET = "/run/mrgc-enclave/enclave.sock";
  static final int MRGC_UID = 10001;

  @TempDir
  static Path dir;

  @BeforeAll
  static void containerRuntimeAndImages() {
    ContainerRuntime.requireOrSkip(List.of(SERVICE, ENCLAVE));
  }

  @Test
  void theServiceImageRunsAsUid10001WithAReadOnlyRoot() {
    try (GenericContainer<?> id = oneShot(SERVICE, cmd -> {})
        .withCreateContainerCmdModifier(confined(List.of(), cmd -> cmd.withEntrypoint("id", "-u")))) {
      Run run = runToExit(id);
      assertThat(run.exitCode).as("id -u; output:\n%s", run.output).isZero();
      assertThat(run.output.strip()).isEqualTo(String.valueOf(MRGC_UID));
    }
  }

  @Test
  void aRouterFileIsCheckedInAReadOnlyContainerExitZeroWhenValidAndTwoNamingItsProblems() throws IOException {
    Path good = readable(Files.writeString(dir.resolve("router.yaml"), """
        mode: local
        region: us-east-1
        state:
          endpoint: http://mrgc-dynamodb:8000
        listener:
          host: 0.0.0.0
          port: 8443
        admin:
          host: 0.0.0.0
          port: 9100
        tls:
          enabled: false
        """));
    Path bad = readable(Files.writeString(dir.resolve("bad-router.yaml"), """
        mode: cloud
        listener:
          port: 70000
        tls:
          enabled: maybe
        """));

    Run valid = checkConfig(good);
    assertThat(valid.exitCode).as("check-config of a valid file; output:\n%s", valid.output).isZero();
    assertThat(valid.output).contains("mode = local  (config.yaml)", "admin.port = 9100  (config.yaml)");
    System.out.printf("service image: serve router --check-config exited 0 in %d ms (container start to exit)%n",
        valid.millis);

    Run invalid = checkConfig(bad);
    assertThat(invalid.exitCode).as("check-config of a bad file; output:\n%s", invalid.output).isEqualTo(2);
    assertThat(invalid.output).contains(
        "mode: 'cloud' (from config.yaml) is not allowed; allowed: one of local, aws",
        "listener.port: '70000' (from config.yaml) is not allowed; allowed: an integer from 0 to 65535",
        "tls.enabled: 'maybe' (from config.yaml) is not allowed; allowed: one of true, false");
  }

  @Test
  void theEnclaveServesItsSocketInAVolumeAndAContainerOfTheServiceImageGetsAPong() throws Exception {
    // Mode local's inputs: the INSECURE attestation key (owner-only, so owned by the enclave's uid) and the key ring,
    // which the enclave creates when absent next to a lock file: its folder must be writable by uid 10001.
    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Path attestationKey = secrets.resolve("attestation-key.pem");
    LocalAttestationKeyFile.save(attestationKey, LocalAttestationProvider.newSigningKey());
    Path config = readable(Files.writeString(dir.resolve("enclave.yaml"), """
        mode: local
        listener:
          socket: %s
        local:
          keyRingFile: /etc/mrgc/secrets/keyring.json
          attestationKeyFile: /etc/mrgc/secrets/attestation-key.pem
        """.formatted(SOCKET)));
    assumeTrue(ownedByMrgc(secrets) && ownedByMrgc(attestationKey),
        "cannot chown the enclave's key files to uid " + MRGC_UID + " (the test runs as root where containers run)");

    String volume = "mrgc-images-test-" + UUID.randomUUID().toString().substring(0, 8);
    docker().createVolumeCmd().withName(volume).exec();
    long started = System.nanoTime();
    try (GenericContainer<?> enclave = new GenericContainer<>(DockerImageName.parse(ENCLAVE))
        .withCreateContainerCmdModifier(confined(List.of(
            new Bind(config.toString(), new Volume("/etc/mrgc/enclave.yaml"), AccessMode.ro),
            new Bind(secrets.toString(), new Volume("/etc/mrgc/secrets"), AccessMode.rw),
            new Bind(volume, new Volume("/run/mrgc-enclave"))), cmd -> {}))
        .waitingFor(Wait.forLogMessage(".*enclave server listening on unix:" + SOCKET + ".*", 1)
            .withStartupTimeout(Duration.ofSeconds(60)))) {
      enclave.start();
      long readyMs = (System.nanoTime() - started) / 1_000_000;
      System.out.printf("enclave image: socket ready %d ms after container create%n", readyMs);
      assertThat(enclave.execInContainer("/app/bin/healthcheck").getExitCode()).as("the enclave's health check")
          .isZero();

      Path testClasses = Path.of(EnclavePing.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      try (GenericContainer<?> agentSide = oneShot(SERVICE, cmd -> {})
          .withCreateContainerCmdModifier(confined(List.of(
              new Bind(testClasses.toString(), new Volume("/test-classes"), AccessMode.ro),
              new Bind(volume, new Volume("/run/mrgc-enclave"))),
              cmd -> cmd.withEntrypoint("java", "-cp", "/app/lib/*:/test-classes", EnclavePing.class.getName(),
                  SOCKET)))) {
        Run ping = runToExit(agentSide);
        assertThat(ping.exitCode).as("ping from the second container; output:\n%s\nenclave log:\n%s", ping.output,
            enclave.getLogs()).isZero();
        assertThat(ping.output).contains("PONG from unix:" + SOCKET);
      }
    } finally {
      docker().removeVolumeCmd(volume).exec();
    }
  }

  private Run checkConfig(Path file) {
    try (GenericContainer<?> router = oneShot(SERVICE, cmd -> {})
        .withCreateContainerCmdModifier(confined(
            List.of(new Bind(file.toString(), new Volume("/etc/mrgc/config.yaml"), AccessMode.ro)), cmd -> {}))
        .withCommand("serve", "router", "--config", "/etc/mrgc/config.yaml", "--check-config")) {
      return runToExit(router);
    }
  }

  /** --read-only, a tmpfs on /tmp, no network, the given mounts; then {@code more}. */
  private static Consumer<CreateContainerCmd> confined(List<Bind> binds, Consumer<CreateContainerCmd> more) {
    return cmd -> {
      cmd.getHostConfig().withReadonlyRootfs(true).withTmpFs(Map.of("/tmp", "rw,size=64m")).withNetworkMode("none")
          .withBinds(new ArrayList<>(binds));
      more.accept(cmd);
    };
  }

  private static GenericContainer<?> oneShot(String image, Consumer<CreateContainerCmd> modifier) {
    return new GenericContainer<>(DockerImageName.parse(image)).withCreateContainerCmdModifier(modifier)
        .withStartupCheckStrategy(new UntilExited().withTimeout(Duration.ofSeconds(60)));
  }

  private record Run(long exitCode, String output, long millis) {}

  private static Run runToExit(GenericContainer<?> container) {
    long started = System.nanoTime();
    container.start();
    long millis = (System.nanoTime() - started) / 1_000_000;
    Long exit = docker().inspectContainerCmd(container.getContainerId()).exec().getState().getExitCodeLong();
    return new Run(exit == null ? -1 : exit, container.getLogs(), millis);
  }

  /** Started counts once the container has exited (whatever its exit code: the test asserts it). */
  private static final class UntilExited extends StartupCheckStrategy {
    @Override
    public StartupStatus checkStartupState(DockerClient client, String containerId) {
      String status = getCurrentState(client, containerId).getStatus();
      return "exited".equals(status) || "dead".equals(status) ? StartupStatus.SUCCESSFUL : StartupStatus.NOT_YET_KNOWN;
    }
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  private static Path readable(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    return file;
  }

  private static boolean ownedByMrgc(Path path) {
    try {
      UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
      PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
      view.setOwner(users.lookupPrincipalByName(String.valueOf(MRGC_UID)));
      GroupPrincipal group = users.lookupPrincipalByGroupName(String.valueOf(MRGC_UID));
      view.setGroup(group);
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
