package io.mrgc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.cluster.models.ModelDirs;
import io.mrgc.cluster.models.RegistryTestBase;
import io.mrgc.state.InstanceState;
import io.mrgc.state.items.GpuInstanceItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mrgc model publish|list|show|retire` in local mode, run in-process as `main` runs them, against DynamoDB Local. */
class ModelCommandTest extends RegistryTestBase {
  @TempDir
  Path tmp;

  @AfterEach
  void removeInstances() {
    instances.listAll().join().forEach(i -> instances.delete(i.getRegion(), i.getInstanceId()).join());
  }

  private MrgcRun mrgc(String... args) {
    return MrgcRun.against(state, args);
  }

  private MrgcRun publish(Path dir, String... more) {
    List<String> args = new ArrayList<>(List.of("model", "publish", dir.toString(), "--model-root",
        tmp.resolve("models").toString()));
    args.addAll(List.of(more));
    return mrgc(args.toArray(String[]::new));
  }

  @Test
  void publishListShowAndRetire() throws Exception {
    Path dir = ModelDirs.named(tmp, "cli-model");
    Path root = tmp.resolve("models");

    MrgcRun published = publish(dir, "--name", "cli-model", "--by", "bob");
    assertThat(published.exit()).as(published.err()).isZero();
    assertThat(published.out())
        .contains("wrote " + dir.toRealPath().resolve(Manifest.FILE_NAME) + " (the directory had none)")
        .containsPattern("publishing cli-model:1 \\(3 files, 22\\.6 MiB, manifest sha256 [0-9a-f]{64}\\)")
        .contains("copied 3 files into " + root.toAbsolutePath().resolve("cli-model@1"))
        .containsPattern("published cli-model:1 AVAILABLE after \\d+ ms \\(" + root.toAbsolutePath()
            + "/cli-model@1\\)");

    MrgcRun again = publish(dir, "--name", "cli-model");
    assertThat(again.exit()).isZero();
    assertThat(again.out()).contains("model cli-model:1 is already AVAILABLE with these files (published by bob): "
        + "nothing to publish").doesNotContain("wrote ");
    assertThat(publish(dir, "--name", "cli-model", "--version", "2", "--by", "bob").exit()).isZero();
    assertThat(root.resolve("cli-model@2/2/model.onnx")).isRegularFile();

    MrgcRun list = mrgc("model", "list");
    assertThat(list.exit()).isZero();
    assertThat(list.out().lines().filter(line -> line.startsWith("cli-model ")).count()).isEqualTo(2);
    assertThat(list.out()).containsPattern("NAME +VERSION +STATE +SIZE-MIB +STORE-PATH +PUBLISHED-BY +PUBLISHED-AT")
        .containsPattern("cli-model +1 +AVAILABLE +22\\.6 +cli-model@1 +bob +20\\d\\d-\\d\\d-\\d\\dT[0-9:]+Z")
        .containsPattern("cli-model +2 +AVAILABLE +22\\.6 +cli-model@2 +bob");

    instances.put(instance("us-east-1", "i-east-a", InstanceState.READY, "cli-model")).join();
    instances.put(instance("us-east-1", "i-east-b", InstanceState.BUSY, "cli-model", "other")).join();
    GpuInstanceItem refusing = instance("us-west-2", "i-west-a", InstanceState.READY, "other");
    refusing.setRefusedModels(new ArrayList<>(List.of("cli-model:2")));
    instances.put(refusing).join();
    instances.put(instance("us-west-2", "i-west-q", InstanceState.QUARANTINED, "cli-model")).join();
    MrgcRun show = mrgc("model", "show", "cli-model");
    assertThat(show.exit()).as(show.err()).isZero();
    assertThat(show.out()).contains("served version: cli-model:2 (its highest AVAILABLE one)")
        .contains("us-east-1: 2/2 instances serve it")
        .contains("us-west-2: 0/1 instances serve it; refused to load it: i-west-a (cli-model:2) (the agents' logs "
            + "say why)");

    MrgcRun retire = mrgc("model", "retire", "cli-model", "--version", "2", "--reason", "bad recall", "--by", "carol");
    assertThat(retire.exit()).as(retire.err()).isZero();
    assertThat(retire.out()).contains("model cli-model:2 RETIRED: agents unload it after their in-flight requests; "
        + "cli-model:1 (the highest AVAILABLE version) stays served");
    assertThat(mrgc("model", "show", "cli-model").out())
        .containsPattern("2 +RETIRED .*retired by carol: bad recall").contains("served version: cli-model:1");
    assertThat(mrgc("model", "retire", "cli-model", "--version", "1").out())
        .contains("routers answer 404 model_not_found for cli-model once no instance serves it");
    assertThat(mrgc("model", "show", "cli-model").out())
        .contains("no AVAILABLE version: routers answer 404 model_not_found once no instance serves cli-model");

    MrgcRun twice = mrgc("model", "retire", "cli-model", "--version", "1");
    assertThat(twice.exit()).isEqualTo(1);
    assertThat(twice.err()).contains("model cli-model:1 is already retired");
    MrgcRun republish = publish(dir, "--name", "cli-model");
    assertThat(republish.exit()).isEqualTo(1);
    assertThat(republish.err()).contains("model cli-model:1 was RETIRED (retired by ")
        .contains("publish these files as a new version with --version 3");
    MrgcRun unknown = mrgc("model", "show", "nope");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("no model nope in the registry; `mrgc model list` shows them");
    assertThat(mrgc("model", "retire", "nope", "--version", "1").err()).contains("model nope:1 is not in the registry");
  }

  @Test
  void waitServedReportsProgressUntilEveryRoutableInstanceServesTheModelOrTimesOut() throws Exception {
    instances.put(instance("us-east-1", "i-serving", InstanceState.READY, "waited")).join();
    instances.put(instance("us-east-2", "i-loading", InstanceState.READY)).join();
    CompletableFuture<Void> loaded = CompletableFuture.runAsync(() -> {
      sleep(1_500);
      GpuInstanceItem row = instances.get("us-east-2", "i-loading").join();
      row.setModels(new ArrayList<>(List.of("waited")));
      instances.put(row).join();
    });

    MrgcRun run = publish(ModelDirs.named(tmp, "waited"), "--name", "waited", "--wait-served");
    loaded.join();
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).containsSubsequence("published waited:1 AVAILABLE after", "served by 1/2 instances",
        "served by 2/2 instances").containsPattern("served by 2/2 instances after \\d+ ms since publish");

    MrgcRun timedOut = publish(ModelDirs.named(tmp, "unserved"), "--name", "unserved", "--wait-served=1s");
    assertThat(timedOut.exit()).isEqualTo(1);
    assertThat(timedOut.out()).contains("published unserved:1 AVAILABLE after").contains("served by 0/2 instances");
    assertThat(timedOut.err()).contains("unserved is served by 0/2 instances after PT1S; not by i-serving (us-east-1), "
        + "i-loading (us-east-2): see `mrgc status`");
  }

  /** What is wrong with a model directory, and what publish says of it. */
  private record Refusal(String name, String expected, Mutation mutation) {}

  @FunctionalInterface
  private interface Mutation {
    void apply(Path dir) throws IOException;
  }

  @Test
  void everyLayoutProblemIsRefusedWithItsMessageLeavingNoRowAndNoStoreDirectory() throws Exception {
    List<Refusal> refusals = List.of(
        new Refusal("no-config", "has no config.pbtxt: a Triton model directory needs one",
            dir -> Files.delete(dir.resolve("config.pbtxt"))),
        new Refusal("bad-config", "config.pbtxt is not a valid Triton config: ",
            dir -> Files.writeString(dir.resolve("config.pbtxt"), "name: \"bad-config\"\nmax_batch_size: {")),
        new Refusal("other-name", "config.pbtxt names model elsewhere; publish it with --name elsewhere or change its "
            + "name", dir -> Files.writeString(dir.resolve("config.pbtxt"), Files.readString(dir.resolve(
                "config.pbtxt")).replace("\"other-name\"", "\"elsewhere\""))),
        new Refusal("two-versions", "has 2 version folders (1, 2); a published version holds exactly one",
            dir -> ModelDirs.copyTree(dir.resolve("1"), dir.resolve("2"))),
        new Refusal("no-version", "has no version folder: put model.onnx in a numeric folder such as",
            dir -> Files.move(dir.resolve("1"), dir.resolve("weights"))),
        new Refusal("no-onnx", "1 has no model.onnx", dir -> Files.delete(dir.resolve("1/model.onnx"))),
        new Refusal("symlinked", "1/notes.txt is a symbolic link: a model store holds plain files only",
            dir -> Files.createSymbolicLink(dir.resolve("1/notes.txt"), dir.resolve("config.pbtxt"))),
        new Refusal("changed", "sha256 mismatch for 1/tokenizer.json", dir -> {
          Files.writeString(dir.resolve(Manifest.FILE_NAME), Manifest.compute(dir).render());
          Files.writeString(dir.resolve("1/tokenizer.json"), "{}");
        }));
    SoftAssertions soft = new SoftAssertions();
    for (Refusal refusal : refusals) {
      Path dir = ModelDirs.named(tmp, refusal.name());
      refusal.mutation().apply(dir);
      MrgcRun run = publish(dir, "--name", refusal.name());
      soft.assertThat(run.exit()).as(refusal.name() + ": " + run.err()).isEqualTo(1);
      soft.assertThat(run.err()).as(refusal.name()).contains(refusal.expected());
      soft.assertThat(registry.versions(refusal.name()).join()).as(refusal.name()).isEmpty();
    }
    soft.assertThat(tmp.resolve("models")).as("no store directory").doesNotExist();
    MrgcRun missing = publish(tmp.resolve("absent"), "--name", "absent");
    soft.assertThat(missing.err()).contains(tmp.resolve("absent") + " is not a directory");
    soft.assertAll();
  }

  @Test
  void badOptionsAreUsageErrorsSayingWhatToFix() throws Exception {
    Path dir = ModelDirs.named(tmp, "opts");
    String[] aws = {"--s3-uri", "s3://bucket/models/", "--file-system-id", "fs-0123456789abcdef0", "--fsx-path",
        "/models", "--region", "us-east-1"};
    SoftAssertions soft = new SoftAssertions();
    usage(soft, with(aws, "--s3-uri", "http://bucket/models/"), "--s3-uri must be s3://BUCKET/PREFIX/");
    usage(soft, with(aws, "--file-system-id", "fs-12"),
        "--file-system-id must be fs- and at least 8 hex digits (e.g. fs-0123456789abcdef0), but was 'fs-12'");
    usage(soft, with(aws, "--fsx-path", "models"),
        "--fsx-path must be the association's file system path, starting with '/'");
    usage(soft, with(aws, "--region", "nowhere"), "--region must be an AWS region such as us-east-1");
    usage(soft, List.of("--s3-uri", "s3://bucket/models/", "--region", "us-east-1"),
        "AWS mode (--s3-uri) also needs --file-system-id, --fsx-path");
    usage(soft, List.of("--file-system-id", "fs-0123456789abcdef0", "--fsx-path", "/models"),
        "--file-system-id, --fsx-path: AWS mode only; give --s3-uri too");
    usage(soft, List.of("--wait-served=0s"), "--wait-served must be positive");
    MrgcRun localRoot = mrgc("model", "publish", dir.toString(), "--name", "opts", "--model-root", "elsewhere",
        "--s3-uri", "s3://bucket/models/");
    soft.assertThat(localRoot.exit()).isEqualTo(2);
    soft.assertThat(localRoot.err()).contains("--model-root is for local mode");
    MrgcRun badName = publish(dir, "--name", "no spaces");
    soft.assertThat(badName.exit()).isEqualTo(1);
    soft.assertThat(badName.err()).contains("model name must be 1-64 letters, digits, '.', '_' or '-'");
    MrgcRun badVersion = publish(dir, "--name", "opts", "--version", "0");
    soft.assertThat(badVersion.err()).contains("model version must be between 1 and 999999999999, but was 0");
    soft.assertThat(dir.resolve(Manifest.FILE_NAME)).as("refused before DIR is touched").doesNotExist();
    soft.assertThat(mrgc("model", "retire", "opts").err()).contains("Missing required option: '--version=<version>'");
    for (String command : List.of("publish", "retire")) {
      java.io.StringWriter out = new java.io.StringWriter();
      soft.assertThat(Mrgc.commandLine().setOut(new java.io.PrintWriter(out, true)).execute("model", command, "--help"))
          .isZero();
      soft.assertThat(out.toString()).as(command).contains("Usage: mrgc model " + command)
          .contains("--version=<version>");
    }
    soft.assertThat(registry.versions("opts").join()).isEmpty();
    soft.assertAll();
  }

  @Test
  void anUnreachableRegistryIsSaidSoWithWhereItLooked() {
    java.io.StringWriter err = new java.io.StringWriter();
    int exit = Mrgc.commandLine().setErr(new java.io.PrintWriter(err, true))
        .execute("model", "list", "--dynamodb-endpoint", "http://127.0.0.1:9");
    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).startsWith("mrgc list: cannot reach the model registry's DynamoDB at "
        + "http://127.0.0.1:9 (is `./mrgc up` running? --dynamodb-endpoint says where it is): ");
  }

  private void usage(SoftAssertions soft, List<String> options, String expected) {
    List<String> args = new ArrayList<>(List.of("model", "publish", tmp.resolve("opts").toString(), "--name", "opts"));
    args.addAll(options);
    MrgcRun run = mrgc(args.toArray(String[]::new));
    soft.assertThat(run.exit()).as(String.join(" ", options)).isEqualTo(2);
    soft.assertThat(run.err()).as(String.join(" ", options)).contains(expected);
  }

  private static List<String> with(String[] options, String option, String value) {
    List<String> out = new ArrayList<>(List.of(options));
    out.set(out.indexOf(option) + 1, value);
    return out;
  }

  private static GpuInstanceItem instance(String region, String id, InstanceState state, String... models) {
    GpuInstanceItem item = new GpuInstanceItem();
    item.setRegion(region);
    item.setInstanceId(id);
    item.setState(state.name());
    item.setModels(new ArrayList<>(List.of(models)));
    item.setHeartbeatAtMillis(System.currentTimeMillis());
    return item;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
