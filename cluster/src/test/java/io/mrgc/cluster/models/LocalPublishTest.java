package io.mrgc.cluster.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.state.items.ModelItem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing into a local model root: layout check, staged copy renamed into place, registry row AVAILABLE. */
class LocalPublishTest extends RegistryTestBase {
  static final String NAME = ModelInstaller.MINILM_QUANTIZED_MODEL;

  @TempDir
  Path tmp;
  Path source;
  Path root;
  final List<String> progress = new ArrayList<>();

  @BeforeEach
  void installSource() {
    source = ModelInstaller.install(tmp.resolve("src"), ModelInstaller.MINILM_QUANTIZED);
    root = tmp.resolve("models");
  }

  private ModelPublisher.Published publish(StoredVersion version) {
    return new ModelPublisher(registry, new LocalModelStore(root), progress::add).publish(version, "alice");
  }

  /** Each test publishes its own model name (the registry is shared by the class). */
  private StoredVersion stored(String name, long version) throws IOException {
    return ModelLayout.check(ModelDirs.named(tmp.resolve("named"), name), name).storedAs(version);
  }

  @Test
  void publishCopiesAVerifiedVersionAndMarksItAvailable() throws Exception {
    ModelLayout layout = ModelLayout.check(source, NAME);
    assertThat(layout.wroteManifest()).isFalse();
    assertThat(layout.versionFolder()).isEqualTo(1);

    ModelPublisher.Published published = publish(layout.storedAs(1));

    Path stored = root.resolve(NAME + "@1");
    assertThat(published.alreadyAvailable()).isFalse();
    assertThat(published.where()).isEqualTo(stored.toString());
    assertThat(ModelDirs.files(stored))
        .containsExactly("1/model.onnx", "1/tokenizer.json", "config.pbtxt", "manifest.sha256");
    Manifest.verify(NAME, stored); // throws on any mismatch
    assertThat(Files.readString(stored.resolve("1/model.onnx"), StandardCharsets.ISO_8859_1))
        .isEqualTo(Files.readString(source.resolve("1/model.onnx"), StandardCharsets.ISO_8859_1));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored.resolve("1/model.onnx"))))
        .isEqualTo("rw-r--r--");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored.resolve("1"))))
        .isEqualTo("rwxr-xr-x");
    assertThat(root.resolve(LocalModelStore.STAGING)).doesNotExist();

    ModelItem row = registry.get(NAME, 1).join();
    assertThat(row.getState()).isEqualTo("AVAILABLE");
    assertThat(row.getStorePath()).isEqualTo(NAME + "@1");
    assertThat(row.getManifestSha256()).isEqualTo(ModelDirs.sha256(stored.resolve(Manifest.FILE_NAME)));
    assertThat(row.getSizeBytes()).isEqualTo(Files.size(source.resolve("1/model.onnx"))
        + Files.size(source.resolve("1/tokenizer.json")) + Files.size(source.resolve("config.pbtxt")));
    assertThat(row.getPublishedBy()).isEqualTo("alice");
    assertThat(row.getPublishedAt()).isPositive();

    // The same files again: nothing to do. Other files under the same version: refused, naming the next version.
    assertThat(publish(ModelLayout.check(source, NAME).storedAs(1)).alreadyAvailable()).isTrue();
    Files.writeString(source.resolve("config.pbtxt"), "# tuned\n", java.nio.file.StandardOpenOption.APPEND);
    Files.delete(source.resolve(Manifest.FILE_NAME));
    StoredVersion changed = ModelLayout.check(source, NAME).storedAs(1);
    assertThatThrownBy(() -> publish(changed)).hasMessageContaining("model " + NAME + ":1 is already AVAILABLE with "
        + "other files, published by alice")
        .hasMessageContaining("publish these files as a new version with --version 2");
    assertThat(Manifest.compute(stored).hashes().get("config.pbtxt")).as("the stored version is never changed")
        .isNotEqualTo(Manifest.compute(source).hashes().get("config.pbtxt"));
  }

  @Test
  void versionOptionRenamesTheVersionFolderInTheStoredCopyAndItsManifest() throws Exception {
    StoredVersion version = stored("renamed", 3);
    publish(version);

    Path stored = root.resolve("renamed@3");
    assertThat(ModelDirs.files(stored))
        .containsExactly("3/model.onnx", "3/tokenizer.json", "config.pbtxt", "manifest.sha256");
    assertThat(Files.readString(stored.resolve(Manifest.FILE_NAME))).contains("  3/model.onnx\n")
        .doesNotContain("  1/");
    Manifest.verify("renamed", stored);
    assertThat(registry.get("renamed", 3).join().getStorePath()).isEqualTo("renamed@3");
    assertThat(registry.get("renamed", 1).join()).isNull();
  }

  @Test
  void anAbsentManifestIsComputedAndWrittenIntoTheDirectory() throws Exception {
    String before = Files.readString(source.resolve(Manifest.FILE_NAME));
    Files.delete(source.resolve(Manifest.FILE_NAME));

    ModelLayout layout = ModelLayout.check(source, NAME);

    assertThat(layout.wroteManifest()).isTrue();
    assertThat(Files.readString(source.resolve(Manifest.FILE_NAME))).isEqualTo(before);
    assertThat(source.resolve(Manifest.FILE_NAME + ".tmp")).doesNotExist();
  }

  @Test
  void aFileChangedWhileCopyingLeavesTheRowPublishingAndNoStagingThenTheSameCommandResumes() throws Exception {
    StoredVersion version = stored("changing", 1);
    Path model = tmp.resolve("named/changing/1/model.onnx");
    byte[] original = Files.readAllBytes(model);
    byte[] damaged = original.clone();
    damaged[damaged.length / 2] ^= 1;
    Files.write(model, damaged);

    assertThatThrownBy(() -> publish(version))
        .hasMessageContaining("changing:1 stays PUBLISHING (agents do not load it)")
        .hasMessageContaining("sha256 mismatch for 1/model.onnx")
        .hasMessageContaining("run the same command again: it resumes the publish");
    assertThat(registry.get("changing", 1).join().getState()).isEqualTo("PUBLISHING");
    assertThat(root.resolve("changing@1")).doesNotExist();
    assertThat(root.resolve(LocalModelStore.STAGING)).doesNotExist();

    Files.write(model, original);
    progress.clear();
    assertThat(publish(version).row().getState()).isEqualTo("AVAILABLE");
    assertThat(progress).anyMatch(line -> line.startsWith("resuming the publish of changing:1 (PUBLISHING since"));
    Manifest.verify("changing", root.resolve("changing@1"));
  }

  @Test
  void aStorePathHoldingOtherFilesIsRefusedAndAnIdenticalOneIsAccepted() throws Exception {
    StoredVersion version = stored("occupied", 1);
    Path target = root.resolve("occupied@1");
    Files.createDirectories(target.resolve("1"));
    Files.writeString(target.resolve("1/model.onnx"), "something else");

    assertThatThrownBy(() -> publish(version)).hasMessageContaining(target + " already holds other files than these")
        .hasMessageContaining("remove " + target);
    assertThat(Files.readString(target.resolve("1/model.onnx"))).isEqualTo("something else");

    // A copy left by an interrupted run (renamed into place, row still PUBLISHING): verified and accepted.
    ModelDirs.deleteTree(target);
    new LocalModelStore(root).put(version, progress::add);
    assertThat(publish(version).row().getState()).isEqualTo("AVAILABLE");
    assertThat(progress).contains(target + " already holds these files (verified)");
  }
}
