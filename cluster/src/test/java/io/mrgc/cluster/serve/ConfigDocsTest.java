package io.mrgc.cluster.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.config.ConfigDocs;
import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.common.service.ServiceRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/config.md lists, for every service, exactly the keys it reads with their defaults and environment variables.
 * Regenerate the tables after changing a service's keys: {@code mvn -pl cluster test -Dtest=ConfigDocsTest
 * -Dmrgc.docs.update=true}.
 */
class ConfigDocsTest {
  private static final Path DOC = Path.of("..", "docs", "config.md");

  @Test
  void everyServiceKeyIsDocumentedWithItsDefaultAndEnvironmentVariable() throws IOException {
    String doc = Files.readString(DOC);
    String updated = doc;
    for (ServiceDefinition<?> definition : ServiceCatalog.all()) {
      String begin = "<!-- keys:" + definition.name() + " -->\n";
      String end = "<!-- /keys:" + definition.name() + " -->";
      assertThat(doc).as("docs/config.md has a section for " + definition.name()).contains(begin).contains(end);
      String table = ConfigDocs.table(ServiceRunner.declaredKeys(definition));
      updated = Pattern.compile(Pattern.quote(begin) + ".*?" + Pattern.quote(end), Pattern.DOTALL).matcher(updated)
          .replaceFirst(Matcher.quoteReplacement(begin + table + end));
    }
    if (Boolean.getBoolean("mrgc.docs.update")) {
      Files.writeString(DOC, updated);
    }
    assertThat(doc).as("docs/config.md matches the keys the services read (regenerate: see this test's javadoc)")
        .isEqualTo(updated);
  }
}
