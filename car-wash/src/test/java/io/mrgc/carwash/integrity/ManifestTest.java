package io.mrgc.carwash.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
  static Path model(Path root, String name, int files) throws Exception {
    Path dir = root.resolve(name);
    Files.createDirectories(dir.resolve("1"));
    for (int i = 0; i < files; i++) {
      Files.writeString(dir.resolve("1/file" + i + ".bin"), name + " content " + i);
    }
    Files.writeString(dir.resolve(Manifest.FILE_NAME), Manifest.compute(dir).render());
    return dir;
  }

  @Test
  void computeRenderReadAndVerify(@TempDir Path root) throws Exception {
    Path dir = model(root, "m", 3);
    String rendered = Files.readString(dir.resolve(Manifest.FILE_NAME));
    assertThat(rendered).containsPattern("(?m)^[0-9a-f]{64}  1/file0\\.bin$");
    Manifest manifest = Manifest.read("m", dir);
    assertThat(manifest.files()).containsExactly("1/file0.bin", "1/file1.bin", "1/file2.bin");
    manifest.verifyAll();
    Manifest.verify("m", dir);
    manifest.verifyFiles(List.of("1/file1.bin"));
    assertThat(Manifest.sha256(dir.resolve("1/file0.bin")))
        .isEqualTo(manifest.hashes().get("1/file0.bin"));
  }

  @Test
  void sha256sumBinaryModeAndDotSlashPathsAreAccepted(@TempDir Path root) throws Exception {
    Path dir = model(root, "m", 1);
    String hex = Manifest.sha256(dir.resolve("1/file0.bin"));
    Files.writeString(dir.resolve(Manifest.FILE_NAME), hex.toUpperCase() + " *./1/file0.bin\n\n");
    Manifest.verify("m", dir);
  }

  @Test
  void mismatchesAndMalformedManifestsAreRefusedWithExactMessages(@TempDir Path root) throws Exception {
    Path dir = model(root, "m", 2);
    String expected = Manifest.sha256(dir.resolve("1/file1.bin"));
    byte[] bytes = Files.readAllBytes(dir.resolve("1/file1.bin"));
    bytes[3] ^= 1;
    Files.write(dir.resolve("1/file1.bin"), bytes);
    String actual = Manifest.sha256(dir.resolve("1/file1.bin"));
    assertThatThrownBy(() -> Manifest.verify("m", dir)).isInstanceOf(ManifestException.class)
        .hasMessage("m: sha256 mismatch for 1/file1.bin (manifest " + expected + ", file " + actual
            + "); refusing to load");
    Manifest manifest = Manifest.read("m", dir);
    manifest.verifyFiles(List.of("1/file0.bin")); // a slice without the bad file passes
    assertThatThrownBy(() -> manifest.verifyFiles(List.of("nope")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("nope is not listed in manifest.sha256 of m");

    Files.writeString(dir.resolve(Manifest.FILE_NAME), "not a manifest\n");
    assertThatThrownBy(() -> Manifest.read("m", dir))
        .hasMessage("m: manifest.sha256 line 1 is not '<sha256>  <path>'");
    Files.writeString(dir.resolve(Manifest.FILE_NAME), "z".repeat(64) + "  1/file0.bin\n");
    assertThatThrownBy(() -> Manifest.read("m", dir)).hasMessage("m: manifest.sha256 line 1 has no sha256 hex digest");
    Files.writeString(dir.resolve(Manifest.FILE_NAME), "\n");
    assertThatThrownBy(() -> Manifest.read("m", dir)).hasMessage("m: manifest.sha256 is empty");
    Files.delete(dir.resolve(Manifest.FILE_NAME));
    assertThatThrownBy(() -> Manifest.read("m", dir)).hasMessage("m: manifest.sha256 is missing");
  }

  @Test
  void unlistedAndMissingFilesAreRefused(@TempDir Path root) throws Exception {
    Path dir = model(root, "m", 1);
    Files.writeString(dir.resolve("1/extra.bin"), "x", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Manifest.verify("m", dir)).hasMessage("m: 1/extra.bin is not listed in manifest.sha256");
    Files.delete(dir.resolve("1/extra.bin"));
    Files.delete(dir.resolve("1/file0.bin"));
    assertThatThrownBy(() -> Manifest.verify("m", dir))
        .hasMessage("m: 1/file0.bin listed in manifest.sha256 is missing");
  }
}
