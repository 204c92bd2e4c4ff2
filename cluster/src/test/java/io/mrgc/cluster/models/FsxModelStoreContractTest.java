package io.mrgc.cluster.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.cluster.MrgcRun;
import io.mrgc.cluster.models.AwsStoreEmulator.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.fsx.FSxClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Contract test of AWS-mode publishing: the real SDK v2 S3 and FSx clients against an in-test endpoint
 * ({@link AwsStoreEmulator}) that checks what S3 and FSx check, with the registry in DynamoDB Local.
 */
class FsxModelStoreContractTest extends RegistryTestBase {
  static final String FILE_SYSTEM = "fs-0123456789abcdef0";
  static final FsxModelStore.Target TARGET =
      new FsxModelStore.Target(S3Location.parse("s3://models-bucket/mrgc/models/"), FILE_SYSTEM, "/models");

  @TempDir
  Path tmp;
  AwsStoreEmulator aws;
  S3Client s3;
  FSxClient fsx;
  final List<String> progress = new ArrayList<>();

  @BeforeEach
  void startEmulator() throws Exception {
    aws = new AwsStoreEmulator();
    var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret"));
    s3 = S3Client.builder().endpointOverride(aws.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
        .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
    fsx = FSxClient.builder().endpointOverride(aws.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
  }

  @AfterEach
  void stopEmulator() {
    s3.close();
    fsx.close();
    aws.close();
  }

  private ModelPublisher.Published publish(StoredVersion version, Duration importTimeout) {
    FsxModelStore store = new FsxModelStore(s3, fsx, TARGET, Duration.ofMillis(10), importTimeout);
    return new ModelPublisher(registry, store, progress::add).publish(version, "ci");
  }

  private StoredVersion stored(String name) throws Exception {
    return ModelLayout.check(ModelDirs.named(tmp, name), name).storedAs(1);
  }

  @Test
  void everyFileIsUploadedWithItsChecksumThenImportedWithProgressThenTheVersionIsAvailable() throws Exception {
    StoredVersion version = stored("remote");
    aws.busyCreates = 1; // another task runs on the file system: the publish waits for it
    aws.scripts.add(List.of(Step.of("EXECUTING", 0, 4), Step.of("EXECUTING", 3, 4), Step.of("SUCCEEDED", 4, 4)));

    ModelPublisher.Published published = publish(version, Duration.ofSeconds(30));

    Map<String, byte[]> uploaded = aws.objectsUnder("models-bucket/mrgc/models/remote@1/");
    assertThat(uploaded).containsOnlyKeys("1/model.onnx", "1/tokenizer.json", "config.pbtxt", "manifest.sha256");
    Path source = tmp.resolve("remote");
    for (String file : List.of("1/model.onnx", "1/tokenizer.json", "config.pbtxt")) {
      assertThat(uploaded.get(file)).as(file).isEqualTo(Files.readAllBytes(source.resolve(file)));
      assertThat(aws.objects.get("models-bucket/mrgc/models/remote@1/" + file).checksumSha256()).as(file)
          .isEqualTo(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(
              Manifest.read("remote", source).hashes().get(file))));
    }
    assertThat(uploaded.get("manifest.sha256")).isEqualTo(version.manifest());

    assertThat(aws.creates).hasSize(2);
    JsonNode create = aws.creates.get(1);
    assertThat(create.path("Type").asText()).isEqualTo("IMPORT_METADATA_FROM_REPOSITORY");
    assertThat(create.path("FileSystemId").asText()).isEqualTo(FILE_SYSTEM);
    assertThat(create.path("Paths").toString()).isEqualTo("[\"s3://models-bucket/mrgc/models/remote@1/\"]");
    assertThat(create.path("Report").path("Enabled").asBoolean(true)).isFalse();
    assertThat(create.path("ClientRequestToken").asText()).matches("mrgc-[0-9a-f]{40}")
        .isEqualTo(aws.creates.get(0).path("ClientRequestToken").asText());

    assertThat(progress).contains("another data repository task is running on " + FILE_SYSTEM + "; waiting for it")
        .containsSubsequence("import task-00000000000000001: EXECUTING 0/4 files",
            "import task-00000000000000001: EXECUTING 3/4 files", "import task-00000000000000001: SUCCEEDED 4/4 files");
    assertThat(published.where())
        .isEqualTo("s3://models-bucket/mrgc/models/remote@1/ imported into " + FILE_SYSTEM + ":/models/remote@1");
    assertThat(registry.get("remote", 1).join().getState()).isEqualTo("AVAILABLE");
  }

  @Test
  void aFailedImportLeavesTheVersionPublishingAndTheSameCommandResumesWithANewTask() throws Exception {
    StoredVersion version = stored("flaky");
    aws.scripts.add(List.of(Step.of("EXECUTING", 1, 4),
        new Step("FAILED", 1, 4, "Access denied to s3://models-bucket/mrgc/models/flaky@1/1/model.onnx")));

    assertThatThrownBy(() -> publish(version, Duration.ofSeconds(30)))
        .hasMessageContaining("flaky:1 stays PUBLISHING")
        .hasMessageContaining("FSx import task-00000000000000001 FAILED: Access denied to "
            + "s3://models-bucket/mrgc/models/flaky@1/1/model.onnx")
        .hasMessageContaining("run the same command again");
    assertThat(registry.get("flaky", 1).join().getState()).isEqualTo("PUBLISHING");

    // Run again (the bucket policy fixed): the token's task is the failed one, so a new task is started.
    aws.scripts.add(List.of(Step.of("SUCCEEDED", 4, 4)));
    progress.clear();
    assertThat(publish(version, Duration.ofSeconds(30)).row().getState()).isEqualTo("AVAILABLE");
    assertThat(progress).contains(
        "import task-00000000000000001 of an earlier attempt ended FAILED; starting a new one",
        "import task-00000000000000002: SUCCEEDED 4/4 files");
    String token = aws.creates.get(0).path("ClientRequestToken").asText();
    assertThat(aws.creates).hasSize(3);
    assertThat(aws.creates.get(1).path("ClientRequestToken").asText()).isEqualTo(token);
    assertThat(aws.creates.get(2).path("ClientRequestToken").asText()).startsWith(token + "-").hasSizeLessThan(64);
  }

  @Test
  void anImportPastItsTimeoutNamesTheTaskAndARunAgainWaitsForThatSameTask() throws Exception {
    StoredVersion version = stored("slow");
    aws.scripts.add(List.of(Step.of("EXECUTING", 2, 4)));

    assertThatThrownBy(() -> publish(version, Duration.ofMillis(200)))
        .hasMessageContaining("FSx import task-00000000000000001 is still EXECUTING after PT0.2S; look at it with "
            + "`aws fsx describe-data-repository-tasks --task-ids task-00000000000000001`")
        .hasMessageContaining("slow:1 stays PUBLISHING");

    aws.rescript(List.of(Step.of("SUCCEEDED", 4, 4)));
    progress.clear();
    assertThat(publish(version, Duration.ofSeconds(30)).row().getState()).isEqualTo("AVAILABLE");
    assertThat(progress).contains("import task-00000000000000001 on " + FILE_SYSTEM
        + " for s3://models-bucket/mrgc/models/slow@1/", "import task-00000000000000001: SUCCEEDED 4/4 files");
    assertThat(aws.creates).hasSize(2);
  }

  @Test
  void aFileChangedAfterTheCheckIsRefusedByS3AgainstTheManifestHash() throws Exception {
    StoredVersion version = stored("drifting");
    Path config = tmp.resolve("drifting/config.pbtxt"); // edited in place, same size, after the check
    Files.writeString(config, Files.readString(config).replace("max_batch_size: 32", "max_batch_size: 16"));

    assertThatThrownBy(() -> publish(version, Duration.ofSeconds(30)))
        .hasMessageContaining("drifting:1 stays PUBLISHING").hasMessageContaining("SHA256 you specified did not match");
    assertThat(aws.objects).doesNotContainKey("models-bucket/mrgc/models/drifting@1/config.pbtxt");
    assertThat(aws.creates).as("nothing imported").isEmpty();
  }

  @Test
  void theCommandPublishesInAwsModeThroughTheSameCalls() throws Exception {
    Path dir = ModelDirs.named(tmp, "cli-remote");
    System.setProperty("aws.accessKeyId", "AKIDTEST");
    System.setProperty("aws.secretAccessKey", "secret");
    try {
      // Two regions' stores (each region's FSx has its own data repository): AVAILABLE once both imported it.
      MrgcRun run = MrgcRun.against(state, "model", "publish", dir.toString(), "--name", "cli-remote",
          "--s3-uri", "s3://models-bucket/mrgc/models", "--file-system-id", FILE_SYSTEM, "--fsx-path", "/models",
          "--store-region", "us-east-1",
          "--s3-uri", "s3://models-west/mrgc/models", "--file-system-id", "fs-0fedcba987654321f",
          "--fsx-path", "/models", "--store-region", "us-west-2",
          "--region", "us-east-1", "--poll", "10ms", "--s3-endpoint", aws.endpoint().toString(),
          "--fsx-endpoint", aws.endpoint().toString());

      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).contains("wrote " + dir.toRealPath().resolve("manifest.sha256"))
          .contains("import task-00000000000000001: SUCCEEDED")
          .containsPattern("published cli-remote:1 AVAILABLE after \\d+ ms \\(s3://models-bucket/mrgc/models/"
              + "cli-remote@1/ imported into " + FILE_SYSTEM + ":/models/cli-remote@1; s3://models-west/mrgc/models/"
              + "cli-remote@1/ imported into fs-0fedcba987654321f:/models/cli-remote@1\\)");
      assertThat(aws.objectsUnder("models-bucket/mrgc/models/cli-remote@1/")).hasSize(4);
      assertThat(aws.objectsUnder("models-west/mrgc/models/cli-remote@1/")).hasSize(4);
      assertThat(aws.creates).as("one import task per store").hasSize(2);
      assertThat(registry.get("cli-remote", 1).join().getState()).isEqualTo("AVAILABLE");
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }
}
