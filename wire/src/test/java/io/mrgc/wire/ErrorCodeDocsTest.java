package io.mrgc.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The error tables in docs/api.md and docs/protocol.md say what the enums say, no more and no less. */
class ErrorCodeDocsTest {
  private static final Path DOCS = Path.of("..", "docs");
  private static final Pattern CODE = Pattern.compile("`([a-z]+(?:_[a-z]+)*)`");

  @Test
  void theApiErrorTableListsEveryCodeWithItsStatus() throws IOException {
    Map<String, Set<Integer>> documented = new TreeMap<>();
    for (String[] row : tableRows(section(read("api.md"), "## Errors"))) {
      if (row.length >= 2 && row[0].matches("\\d{3}")) {
        Matcher m = CODE.matcher(row[1]);
        while (m.find()) {
          documented.computeIfAbsent(m.group(1), c -> new TreeSet<>()).add(Integer.parseInt(row[0]));
        }
      }
    }
    Map<String, Set<Integer>> enumerated = Arrays.stream(ErrorCode.values())
        .collect(Collectors.toMap(ErrorCode::code, c -> Set.of(c.status()), (a, b) -> a, TreeMap::new));
    assertThat(documented).isEqualTo(enumerated);
  }

  @Test
  void theEnclaveCodeTableMatchesTheMapping() throws IOException {
    Map<String, String> documented = new TreeMap<>();
    for (String[] row : tableRows(read("protocol.md"))) {
      if (row.length >= 3 && row[0].matches("`[A-Z_]+`") && row[1].matches("\\d{3}.*")) {
        documented.put(row[0].replace("`", ""), row[1].substring(0, 3) + " " + row[2].replace("`", ""));
      }
    }
    Map<String, String> mapped = Arrays.stream(EnclaveErrorCode.values()).collect(Collectors.toMap(
        Enum::name, c -> c.httpStatus() + " " + c.errorCode().code(), (a, b) -> a, TreeMap::new));
    assertThat(documented).isEqualTo(mapped);
  }

  private static String read(String name) throws IOException {
    return Files.readString(DOCS.resolve(name));
  }

  private static String section(String markdown, String heading) {
    int start = markdown.indexOf(heading);
    assertThat(start).as(heading).isNotNegative();
    int end = markdown.indexOf("\n## ", start + heading.length());
    return end < 0 ? markdown.substring(start) : markdown.substring(start, end);
  }

  private static String[][] tableRows(String markdown) {
    return markdown.lines().filter(l -> l.startsWith("|"))
        .map(l -> Arrays.stream(l.substring(1).split("\\|")).map(String::trim).toArray(String[]::new))
        .toArray(String[][]::new);
  }
}
