package io.mrgc.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.carwash.integrity.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelInstallerTest {
  @TempDir
  Path root;

  @Test
  void aCompleteInstallIsKeptAndAnotherGraphUnderTheNameIsReplaced() throws Exception {
    Path fp32 = ModelInstaller.install(root, ModelInstaller.MINILM);
    Path quantized = ModelInstaller.install(root, ModelInstaller.MINILM_QUANTIZED);
    Path graph = fp32.resolve("1/model.onnx");
    long fp32Size = Files.size(graph);
    assertThat(fp32Size).isGreaterThan(Files.size(quantized.resolve("1/model.onnx")));
    long installedAt = Files.getLastModifiedTime(graph).toMillis();

    Thread.sleep(20);
    ModelInstaller.install(root, ModelInstaller.MINILM);
    assertThat(Files.getLastModifiedTime(graph).toMillis()).as("a complete install is left untouched")
        .isEqualTo(installedAt);

    // What an older release left: the quantized graph under the fp32 model's name, with a manifest that matches it.
    Files.copy(quantized.resolve("1/model.onnx"), graph, StandardCopyOption.REPLACE_EXISTING);
    ModelInstaller.writeManifest(fp32);
    Manifest.verify(ModelInstaller.MINILM_MODEL, fp32);

    ModelInstaller.install(root, ModelInstaller.MINILM);
    assertThat(Files.size(graph)).as("the fp32 graph installed again").isEqualTo(fp32Size);
    Manifest.verify(ModelInstaller.MINILM_MODEL, fp32);
  }
}
