package io.mrgc.agent.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.agent.PublishedVersions;
import io.mrgc.carwash.integrity.ChunkedModel;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.state.items.ModelItem;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {
  private static final String MODEL = ModelInstaller.MINILM_MODEL;

  @Test
  void installIsIdempotentAndLoadsWithSessionMetadata(@TempDir Path root) throws Exception {
    Path dir = ModelInstaller.installMiniLm(root);
    assertThat(dir.resolve("1/model.onnx")).isRegularFile();
    assertThat(dir.resolve("1/tokenizer.json")).isRegularFile();
    assertThat(Files.readString(dir.resolve("manifest.sha256")))
        .containsPattern("(?m)^[0-9a-f]{64}  1/model\\.onnx$")
        .containsPattern("(?m)^[0-9a-f]{64}  1/tokenizer\\.json$")
        .containsPattern("(?m)^[0-9a-f]{64}  config\\.pbtxt$");
    FileTime before = Files.getLastModifiedTime(dir.resolve("1/model.onnx"));
    ModelInstaller.installMiniLm(root);
    assertThat(Files.getLastModifiedTime(dir.resolve("1/model.onnx"))).isEqualTo(before);

    try (LoadedModel model = new ModelRepository(root, new OrtSessions("cpu", 1)).load(MODEL)) {
      assertThat(model.version()).isEqualTo(1);
      assertThat(model.servesEmbeddings()).isTrue();
      assertThat(model.config().maxBatchSize()).isEqualTo(32);
      assertThat(model.config().platformOrDefault()).isEqualTo("onnxruntime_onnx");
      assertThat(model.inputs()).extracting(TensorMeta::name)
          .containsExactlyInAnyOrder("input_ids", "attention_mask", "token_type_ids");
      assertThat(model.inputs()).allSatisfy(t -> {
        assertThat(t.datatype()).isEqualTo("INT64");
        assertThat(t.shape()).containsExactly(-1, -1);
      });
      assertThat(model.output("last_hidden_state")).get()
          .satisfies(t -> assertThat(t.shape()).containsExactly(-1, -1, 384));
    }
  }

  @Test
  void theBundledModelsAreTheFp32DefaultAndTheQuantizedOneSideBySideEachInstalledIdempotently(@TempDir Path temp)
      throws Exception {
    Path defaultOnly = temp.resolve("default-only");
    ModelInstaller.installMiniLm(defaultOnly);
    try (var children = Files.list(defaultOnly)) {
      assertThat(children.map(p -> p.getFileName().toString())).containsExactly(MODEL);
    }

    Path root = temp.resolve("bundled");
    List<Path> dirs = ModelInstaller.installBundled(root);
    assertThat(dirs).containsExactly(root.resolve(MODEL), root.resolve(ModelInstaller.MINILM_QUANTIZED_MODEL));
    Path fp32 = dirs.get(0);
    Path quantized = dirs.get(1);
    assertThat(Files.size(fp32.resolve("1/model.onnx"))).as("fp32 all-MiniLM-L6-v2").isEqualTo(90_387_606L);
    assertThat(Files.size(quantized.resolve("1/model.onnx"))).as("quantized").isEqualTo(22_972_370L);
    for (Path dir : dirs) {
      assertThat(Files.readString(dir.resolve("config.pbtxt"))).contains("name: \"" + dir.getFileName() + "\"");
    }

    // A damaged quantized install is written again; the intact default is left untouched.
    FileTime fp32Before = Files.getLastModifiedTime(fp32.resolve("1/model.onnx"));
    Files.delete(quantized.resolve("1/tokenizer.json"));
    ModelInstaller.installBundled(root);
    assertThat(Files.getLastModifiedTime(fp32.resolve("1/model.onnx"))).isEqualTo(fp32Before);
    assertThat(quantized.resolve("1/tokenizer.json")).isRegularFile();

    ModelRepository repository = new ModelRepository(root, new OrtSessions("cpu", 1));
    assertThat(repository.directoryNames()).containsExactly(MODEL, ModelInstaller.MINILM_QUANTIZED_MODEL);
    for (Path dir : dirs) {
      String name = dir.getFileName().toString();
      try (LoadedModel model = repository.load(name)) {
        assertThat(model.name()).isEqualTo(name);
        assertThat(model.footprintBytes()).isEqualTo(Files.size(dir.resolve("1/model.onnx"))
            + Files.size(dir.resolve("1/tokenizer.json")) + Files.size(dir.resolve("config.pbtxt")));
      }
    }
  }

  @Test
  void aPublishedVersionLoadsFromItsStorePathUnderTheModelsNameAndMustMatchItsRegistryRow(@TempDir Path temp)
      throws Exception {
    Path installed = ModelInstaller.install(temp.resolve("installs"), ModelInstaller.MINILM_QUANTIZED);
    Path root = temp.resolve("store");
    Path dir = PublishedVersions.layOut(root, installed, "other", 3);
    ModelItem row = PublishedVersions.row(root, dir, "other", 3);
    ModelRepository repository = new ModelRepository(root, new OrtSessions("cpu", 1), 1 << 20);
    long[] admitted = new long[1];
    ModelRepository.Loaded loaded = repository.load(ModelSource.registered(row),
        (name, version, bytes) -> admitted[0] = bytes);
    try (LoadedModel model = loaded.model()) {
      assertThat(List.of(model.name(), model.version(), model.config().name())).containsExactly("other", 3L, "other");
      assertThat(model.servesEmbeddings()).isTrue();
      assertThat(admitted[0]).isEqualTo(row.getSizeBytes()).isEqualTo(model.footprintBytes());
      assertThat(loaded.chunks().chunks().stream().mapToLong(ChunkedModel.Chunk::length).sum())
          .isEqualTo(row.getSizeBytes());
      assertThat(loaded.timings(7)).satisfies(t -> {
        assertThat(t.bytes()).isEqualTo(row.getSizeBytes());
        assertThat(t.warmUpNanos()).isEqualTo(7);
        assertThat(List.of(t.readNanos(), t.verifyNanos(), t.sessionNanos())).allMatch(n -> n > 0);
      });
    }

    String sha = row.getManifestSha256();
    assertThatThrownBy(() -> repository.load(new ModelSource("other", 3, "other@3", "0".repeat(64)),
        ModelRepository.FootprintCheck.NONE))
        .hasMessageStartingWith("manifest.sha256 of other:3 on the model store differs from the registry's");
    assertThatThrownBy(() -> repository.load(new ModelSource("other", 4, "other@3", sha),
        ModelRepository.FootprintCheck.NONE))
        .hasMessageContaining("are [3], but the registry row is version 4");
    assertThatThrownBy(() -> repository.load(new ModelSource("other", 3, "../other@3", sha),
        ModelRepository.FootprintCheck.NONE))
        .hasMessageContaining("store_path '../other@3' is not a directory name under the model root");
    assertThatThrownBy(() -> repository.load(new ModelSource("other", 3, "missing@3", sha),
        ModelRepository.FootprintCheck.NONE))
        .hasMessageContaining("is not on the model store");
    assertThatThrownBy(() -> repository.load(ModelSource.registered(row), (name, version, bytes) -> {
      throw new ModelBudgetException("no room for " + name + ":" + version, bytes);
    })).isInstanceOf(ModelBudgetException.class).hasMessage("no room for other:3");
  }

  @Test
  void aTamperedModelFileRefusesToLoadNamingTheFile(@TempDir Path root) throws Exception {
    Path dir = ModelInstaller.installMiniLm(root);
    try (RandomAccessFile file = new RandomAccessFile(dir.resolve("1/model.onnx").toFile(), "rw")) {
      file.seek(1000);
      int b = file.read();
      file.seek(1000);
      file.write(b ^ 0x01);
    }
    ModelRepository repository = new ModelRepository(root, new OrtSessions("cpu", 1));
    assertThatThrownBy(() -> repository.load(MODEL))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("sha256 mismatch for 1/model.onnx")
        .hasMessageContaining(MODEL);

    // Installing again repairs a damaged install.
    ModelInstaller.installMiniLm(root);
    new ModelRepository(root, new OrtSessions("cpu", 1)).load(MODEL).close();
  }

  @Test
  void filesOutsideTheManifestAndMissingFilesAreRefused(@TempDir Path root) throws Exception {
    Path dir = ModelInstaller.installMiniLm(root);
    Files.writeString(dir.resolve("1/extra.bin"), "x");
    assertThatThrownBy(() -> Manifest.verify(MODEL, dir)).hasMessageContaining("1/extra.bin is not listed");
    Files.delete(dir.resolve("1/extra.bin"));
    Files.delete(dir.resolve("1/tokenizer.json"));
    assertThatThrownBy(() -> Manifest.verify(MODEL, dir)).hasMessageContaining("1/tokenizer.json listed");
    Files.delete(dir.resolve("manifest.sha256"));
    assertThatThrownBy(() -> Manifest.verify(MODEL, dir)).hasMessageContaining("manifest.sha256 is missing");
  }

  @Test
  void highestNumericVersionWinsIgnoringLeadingZeroAndNames(@TempDir Path dir) throws Exception {
    for (String name : new String[] {"1", "3", "012", "0", "latest", "20"}) {
      Files.createDirectories(dir.resolve(name));
    }
    assertThat(ModelRepository.latestVersion(dir)).hasValue(20);
    assertThat(ModelRepository.latestVersion(Files.createDirectories(dir.resolve("empty")))).isEmpty();
  }

  @Test
  void configNameMustMatchTheDirectory() {
    String text = "name: \"other\"\nbackend: \"onnxruntime\"\n";
    assertThatThrownBy(() -> ModelConfig.parse("mine", text))
        .hasMessage("name \"other\" must equal the model's name \"mine\"");
    assertThatThrownBy(() -> ModelConfig.parse("mine", "max_batch_size: 4"))
        .hasMessage("platform or backend must be set");
  }

  @Test
  void configSubsetIsParsedWithCommentsAndNestedLists() {
    ModelConfig config = ModelConfig.parse("resnet50", """
        # Triton config
        name: "resnet50"
        backend: "onnxruntime"
        max_batch_size: 8
        input  [ { name: "input"  data_type: TYPE_FP32 dims: [ 3, 224, 224 ] } ]
        output [ { name: "logits" data_type: TYPE_FP32 dims: [ 1000 ] } ]
        version_policy: { latest: { num_versions: 1 } }
        dynamic_batching { max_queue_delay_microseconds: 100 }
        """);
    assertThat(config.platformOrDefault()).isEqualTo("onnxruntime_onnx");
    assertThat(config.maxBatchSize()).isEqualTo(8);
    assertThat(config.inputs()).containsExactly(
        new ModelConfig.TensorConfig("input", "TYPE_FP32", java.util.List.of(3L, 224L, 224L)));
    assertThat(config.outputs().get(0).dims()).containsExactly(1000L);
  }
}
