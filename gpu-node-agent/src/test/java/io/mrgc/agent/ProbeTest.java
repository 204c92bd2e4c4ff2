package io.mrgc.agent;

import io.mrgc.agent.model.*;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeTest {
  @Test
  void probe(@TempDir Path root) throws Exception {
    ModelInstaller.installMiniLm(root);
    LoadedModel m = new ModelRepository(root, new OrtSessions("cpu", 1)).load("all-minilm-l6-v2");
    for (TensorMeta t : m.inputs()) System.out.println("IN " + t.name() + " " + t.datatype() + " " + java.util.Arrays.toString(t.shape()));
    for (TensorMeta t : m.outputs()) System.out.println("OUT " + t.name() + " " + t.datatype() + " " + java.util.Arrays.toString(t.shape()));
    var enc = m.tokenizer().get().encode("hello world ".repeat(400));
    System.out.println("TOKENS " + enc.getIds().length + " types " + enc.getTypeIds().length);
    System.out.println(m.embeddingIo());
  }
}
