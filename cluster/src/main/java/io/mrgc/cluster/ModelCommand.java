package io.mrgc.cluster;

import io.mrgc.cluster.models.Await;
import io.mrgc.cluster.models.FsxModelStore;
import io.mrgc.cluster.models.LocalModelStore;
import io.mrgc.cluster.models.ModelLayout;
import io.mrgc.cluster.models.ModelPublisher;
import io.mrgc.cluster.models.ModelStore;
import io.mrgc.cluster.models.ModelTables;
import io.mrgc.cluster.models.S3Location;
import io.mrgc.cluster.models.ServedWatch;
import io.mrgc.cluster.models.StoredVersion;
import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.ModelCatalog;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.StateClient;
import io.mrgc.state.items.GpuInstanceItem;
import io.mrgc.state.items.ModelItem;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkClientException;

/** {@code mrgc model ...}: publish model versions into the model store and registry, list, show and retire them. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Models: the model store and registry.",
    subcommands = {ModelCommand.Publish.class, ModelCommand.ListModels.class, ModelCommand.Show.class,
        ModelCommand.Retire.class})
final class ModelCommand implements Runnable {
  static final String USER = System.getProperty("user.name", "unknown");

  @Override
  public void run() {
    System.out.println("use `mrgc model publish DIR --name NAME`, `mrgc model list`, `mrgc model show NAME` or "
        + "`mrgc model retire NAME --version V` (see --help)");
  }

  /** Where the registry is: the local cluster's DynamoDB, or the real one of --region. */
  static class RegistryOptions {
    @Option(names = "--dynamodb-endpoint", description = "DynamoDB endpoint (default: the local cluster's, "
        + "http://127.0.0.1:" + LocalClusterOptions.DEFAULT_DYNAMODB_PORT + "; with --region: the region's).")
    URI dynamoDbEndpoint;

    @Option(names = "--region", description = "AWS mode: the home region, whose DynamoDB holds the registry (MREC: "
        + "the other regions see it replicated), with the default AWS credentials.")
    String region;

    /** What a command does with the registry's DynamoDB. */
    @FunctionalInterface
    interface RegistryWork {
      void run(StateClient client) throws IOException, InterruptedException;
    }

    /** Runs {@code work} on the registry's DynamoDB; one it cannot reach is said so, with where it looked. */
    void withRegistry(RegistryWork work) throws IOException, InterruptedException {
      URI endpoint = dynamoDbEndpoint != null ? dynamoDbEndpoint
          : URI.create("http://127.0.0.1:" + LocalClusterOptions.DEFAULT_DYNAMODB_PORT);
      try (StateClient client = region != null
          ? StateClient.aws(checkRegion(region), Optional.ofNullable(dynamoDbEndpoint))
          : StateClient.localOwned(endpoint, "us-east-1")) {
        work.run(client);
      } catch (SdkClientException e) {
        throw new IllegalStateException("cannot reach the model registry's DynamoDB "
            + (region != null ? "in " + region + " (check the AWS credentials and --region)"
                : "at " + endpoint + " (is `./mrgc up` running? --dynamodb-endpoint says where it is)")
            + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Options of the commands that change a version. No mixinStandardHelpOptions there: their --version is the model's
   * (picocli's -V/--version would clash), so they declare --help themselves.
   */
  static class ChangeOptions extends RegistryOptions {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--by", description = "Who does it, kept in the version's row (default: ${DEFAULT-VALUE}).")
    String by = USER;
  }

  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]");
  private static final Pattern FILE_SYSTEM_ID = Pattern.compile("fs-[0-9a-f]{8,}");

  static String checkRegion(String region) {
    if (!REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("--region must be an AWS region such as us-east-1, but was '" + region + "'");
    }
    return region;
  }

  @Command(name = "publish", description = {
      "Check DIR (Triton layout: config.pbtxt, one version folder with model.onnx, manifest.sha256, written when "
          + "absent), put it into the model store as <name>@<version> and mark it AVAILABLE in the registry: agents "
          + "then load it without a restart.",
      "Local mode (default): copies into --model-root. AWS mode (--s3-uri): uploads to the S3 prefix of the FSx "
          + "data repository association and waits for an FSx import task."})
  static final class Publish extends ChangeOptions implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The model's directory.")
    Path dir;

    @Option(names = "--name", required = true, description = "Model name (what tenants ask for).")
    String name;

    @Option(names = "--version", description = "Version number (default: DIR's version folder).")
    Long version;

    @Option(names = "--wait-served", arity = "0..1", fallbackValue = "120s", paramLabel = "TIMEOUT",
        converter = DurationConverter.class, description = "Then wait (default 120s) until every READY or BUSY "
        + "instance serves the model.")
    Duration waitServed;

    @Option(names = "--state-dir", description = "Local mode: the local cluster's state dir (default: "
        + "${DEFAULT-VALUE}).")
    Path stateDir = LocalClusterOptions.DEFAULT_STATE_DIR;

    @Option(names = "--model-root", description = "Local mode: the model store (default: <state-dir>/models).")
    Path modelRoot;

    @Option(names = "--s3-uri", paramLabel = "URI", description = "AWS mode: the S3 side of the FSx data "
        + "repository association, s3://BUCKET/PREFIX/. Repeat --s3-uri, --file-system-id, --fsx-path (and "
        + "--store-region) once per region's model store: the version becomes AVAILABLE once every store has it.")
    List<String> s3Uris = new ArrayList<>();

    @Option(names = "--file-system-id", description = "AWS mode: the FSx for Lustre file system (fs-...).")
    List<String> fileSystemIds = new ArrayList<>();

    @Option(names = "--fsx-path", description = "AWS mode: the association's file system path (e.g. /models).")
    List<String> fsxPaths = new ArrayList<>();

    @Option(names = "--store-region", description = "AWS mode: the region of each store, in the order of the "
        + "--s3-uri options (default: --region for every store).")
    List<String> storeRegions = new ArrayList<>();

    @Option(names = "--poll", converter = DurationConverter.class,
        description = "AWS mode: how often to read the import task's progress (default: 5s).")
    Duration poll = Duration.ofSeconds(5);

    @Option(names = "--import-timeout", converter = DurationConverter.class,
        description = "AWS mode: how long the import task may take (default: 30m).")
    Duration importTimeout = Duration.ofMinutes(30);

    @Option(names = "--s3-endpoint", hidden = true, description = "S3 endpoint (path-style), for contract tests.")
    URI s3Endpoint;

    @Option(names = "--fsx-endpoint", hidden = true, description = "FSx endpoint, for contract tests.")
    URI fsxEndpoint;

    @Override
    public Integer call() throws IOException, InterruptedException {
      long started = System.nanoTime();
      try (ModelStore store = store()) {
        ModelLayout layout = ModelLayout.check(dir, name);
        if (layout.wroteManifest()) {
          System.out.println("wrote " + layout.dir().resolve("manifest.sha256") + " (the directory had none)");
        }
        StoredVersion stored = layout.storedAs(version != null ? version : layout.versionFolder());
        System.out.println("publishing " + stored.id() + " (" + stored.files().size() + " files, "
            + ModelTables.mebibytes(stored.sizeBytes()) + " MiB, manifest sha256 " + stored.manifestSha256() + ")");
        withRegistry(client -> {
          ModelPublisher.Published published = new ModelPublisher(new ModelRegistry(client), store,
              System.out::println).publish(stored, by);
          if (published.alreadyAvailable()) {
            System.out.println("model " + stored.id() + " is already AVAILABLE with these files (published by "
                + published.row().getPublishedBy() + "): nothing to publish");
          } else {
            System.out.println("published " + stored.id() + " AVAILABLE after " + millisSince(started) + " ms ("
                + published.where() + ")");
          }
          if (waitServed != null) {
            ServedWatch.Serving serving = new ServedWatch(new GpuInstanceRepository(client), Duration.ofMillis(500))
                .await(name, waitServed, System.out::println);
            System.out.println(serving.summary() + " after " + millisSince(started) + " ms since publish");
          }
        });
      }
      return 0;
    }

    private ModelStore store() {
      // Everything the command line can get wrong is refused before DIR is touched (publish may write its manifest).
      ModelRegistry.checkName(name);
      if (version != null) {
        ModelRegistry.checkVersion(version);
      }
      positive("--poll", poll);
      positive("--import-timeout", importTimeout);
      if (waitServed != null) {
        positive("--wait-served", waitServed);
      }
      if (s3Uris.isEmpty()) {
        List<String> awsOnly = given("--file-system-id", fileSystemIds, "--fsx-path", fsxPaths, "--store-region",
            storeRegions, "--region", region == null ? List.of() : List.of(region));
        if (!awsOnly.isEmpty()) {
          throw usage(String.join(", ", awsOnly) + ": AWS mode only; give --s3-uri too (without it, publish copies "
              + "into the local model root)");
        }
        return new LocalModelStore(modelRoot != null ? modelRoot : stateDir.resolve("models"));
      }
      if (modelRoot != null) {
        throw usage("--model-root is for local mode; in AWS mode the store is --s3-uri imported into --fsx-path");
      }
      List<String> missing = new ArrayList<>(List.of("--file-system-id", "--fsx-path", "--region"));
      missing.removeAll(given("--file-system-id", fileSystemIds, "--fsx-path", fsxPaths, "--region",
          region == null ? List.of() : List.of(region)));
      if (!missing.isEmpty()) {
        throw usage("AWS mode (--s3-uri) also needs " + String.join(", ", missing));
      }
      int stores = s3Uris.size();
      if (fileSystemIds.size() != stores || fsxPaths.size() != stores
          || (!storeRegions.isEmpty() && storeRegions.size() != stores)) {
        throw usage("give --file-system-id, --fsx-path (and --store-region, if any) once per --s3-uri: " + stores
            + " --s3-uri but " + fileSystemIds.size() + " --file-system-id, " + fsxPaths.size() + " --fsx-path, "
            + storeRegions.size() + " --store-region");
      }
      List<ModelStore> opened = new ArrayList<>();
      try {
        for (int i = 0; i < stores; i++) {
          opened.add(fsxStore(storeRegions.isEmpty() ? region : storeRegions.get(i), s3Uris.get(i),
              fileSystemIds.get(i), fsxPaths.get(i)));
        }
      } catch (RuntimeException e) {
        opened.forEach(ModelStore::close);
        throw e;
      }
      return ModelStore.all(opened);
    }

    private ModelStore fsxStore(String storeRegion, String s3Uri, String fileSystemId, String fsxPath) {
      if (!FILE_SYSTEM_ID.matcher(fileSystemId).matches()) {
        throw usage("--file-system-id must be fs- and at least 8 hex digits (e.g. fs-0123456789abcdef0), but was '"
            + fileSystemId + "'");
      }
      if (!fsxPath.startsWith("/")) {
        throw usage("--fsx-path must be the association's file system path, starting with '/' (e.g. /models), "
            + "but was '" + fsxPath + "'");
      }
      try {
        var target = new FsxModelStore.Target(S3Location.parse(s3Uri), fileSystemId, fsxPath);
        return FsxModelStore.open(checkRegion(storeRegion), target, s3Endpoint, fsxEndpoint, poll, importTimeout);
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
    }

    private void positive(String option, Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw usage(option + " must be positive, but was " + value);
      }
    }

    private ParameterException usage(String message) {
      return new ParameterException(spec.commandLine(), message);
    }

    /** The options of {@code optionsAndValues} (option, its values, ...) that were given at least once. */
    private static List<String> given(Object... optionsAndValues) {
      List<String> given = new ArrayList<>();
      for (int i = 0; i < optionsAndValues.length; i += 2) {
        if (!((List<?>) optionsAndValues[i + 1]).isEmpty()) {
          given.add((String) optionsAndValues[i]);
        }
      }
      return given;
    }

    private static long millisSince(long startedNanos) {
      return (System.nanoTime() - startedNanos) / 1_000_000;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every version of every model.")
  static final class ListModels extends RegistryOptions implements Callable<Integer> {
    @Override
    public Integer call() throws IOException, InterruptedException {
      withRegistry(client -> ModelTables.list(System.out, Await.value(new ModelRegistry(client).listAll())));
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "A model's versions, and per region how many READY or BUSY instances serve it.")
  static final class Show extends RegistryOptions implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws IOException, InterruptedException {
      ModelRegistry.checkName(name);
      withRegistry(client -> {
        ModelCatalog catalog = Await.value(new ModelRegistry(client).catalog());
        if (!catalog.knows(name)) {
          throw new IllegalArgumentException("no model " + name + " in the registry; `mrgc model list` shows them");
        }
        List<GpuInstanceItem> instances = Await.value(new GpuInstanceRepository(client).listAll());
        ModelTables.show(System.out, name, catalog, instances);
      });
      return 0;
    }
  }

  @Command(name = "retire", description = "Retire a version: agents unload it "
      + "after their in-flight requests; routers answer 404 once no instance serves the model.")
  static final class Retire extends ChangeOptions implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--version", required = true, description = "The version to retire.")
    long version;

    @Option(names = "--reason", description = "Why (kept in the version's row).")
    String reason;

    @Override
    public Integer call() throws IOException, InterruptedException {
      ModelRegistry.checkName(name);
      ModelRegistry.checkVersion(version);
      withRegistry(client -> {
        ModelRegistry registry = new ModelRegistry(client);
        String why = "retired by " + by + (reason == null || reason.isBlank() ? "" : ": " + reason);
        ModelItem retired = Await.value(registry.retire(name, version, why, System.currentTimeMillis()));
        Optional<ModelItem> served = Await.value(registry.catalog()).served(name);
        System.out.println("model " + retired.id() + " RETIRED: agents unload it after their in-flight requests; "
            + served.map(row -> row.id() + " (the highest AVAILABLE version) stays served")
                .orElse("routers answer 404 model_not_found for " + name + " once no instance serves it"));
      });
      return 0;
    }
  }
}
