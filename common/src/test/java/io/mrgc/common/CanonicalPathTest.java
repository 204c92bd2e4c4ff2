package io.mrgc.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.internal.net.RFC3986;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The canonical form: what it refuses (each trick of issue #10, finding 1) and the invariant the router and the
 * agent rely on, that a canonical path is a fixed point of every rewrite vertx-web applies before routing.
 */
class CanonicalPathTest {
  @Test
  void acceptsTheApiPaths() {
    for (String path : List.of("/", "/v1/embeddings", "/v2/models/all-minilm-l6-v2/infer",
        "/v2/models/m.v1_x~y/versions/3/ready", "/healthz/region", "/a/.../b")) {
      assertThat(CanonicalPath.problem(path)).as(path).isNull();
    }
  }

  /** Fails without the check: each of these reaches another model than the one its text names first. */
  @Test
  void refusesEverySpellingThatARouterCouldRewrite() {
    assertThat(CanonicalPath.problem("/v2/models/A/../B/infer")).contains("dot segments");
    assertThat(CanonicalPath.problem("/v2/models/A/./infer")).contains("dot segments");
    assertThat(CanonicalPath.problem("/v2/models/A/..")).contains("dot segments");
    assertThat(CanonicalPath.problem("/v2/models/A/%2e%2e/B/infer")).contains("percent-encoded");
    assertThat(CanonicalPath.problem("/v2/models/%41/infer")).contains("percent-encoded");
    assertThat(CanonicalPath.problem("/v2/models/A%2fB/infer")).contains("percent-encoded");
    assertThat(CanonicalPath.problem("/v2//models/A/infer")).contains("empty segments");
    assertThat(CanonicalPath.problem("/v2/models/A/infer/")).contains("must not end with /");
    assertThat(CanonicalPath.problem("/v2/models/A\\..\\B/infer")).contains("backslashes");
    assertThat(CanonicalPath.problem("/v2/models/A;x=1/infer")).contains("; parameters");
    assertThat(CanonicalPath.problem("/v2/models/A/infer?x=1")).contains("query string");
    assertThat(CanonicalPath.problem("/v2/models/A\u0000/infer")).contains("control characters");
    assertThat(CanonicalPath.problem("/v2/models/\u00c5/infer")).contains("ASCII");
    assertThat(CanonicalPath.problem("/v2/models/A+B/infer")).contains("only A-Z a-z 0-9");
    assertThat(CanonicalPath.problem("http://x/v2/models/A/infer")).contains("must start with /");
    assertThat(CanonicalPath.problem("")).contains("empty");
    assertThat(CanonicalPath.problem(null)).contains("empty");
    assertThat(CanonicalPath.problem("/" + "a".repeat(CanonicalPath.MAX_LENGTH))).contains("longer than 256");
  }

  /**
   * Whatever the input, a path called canonical is left as it is by Vert.x's normalizer (the one vertx-web routes
   * on) and by percent-decoding (vertx-web decodes path parameters): no component can read it another way.
   */
  @Property
  void aCanonicalPathIsAFixedPointOfNormalizationAndDecoding(@ForAll("targets") String target) {
    if (CanonicalPath.isCanonical(target)) {
      assertThat(RFC3986.normalizePath(target)).isEqualTo(target);
      assertThat(URLDecoder.decode(target, StandardCharsets.UTF_8)).isEqualTo(target);
      assertThat(target).doesNotContain("//", "/./", "/../", "%", "?").doesNotEndWith("/.").doesNotEndWith("/..");
    }
  }

  /** Paths built from the grammar are accepted: the check refuses only what it says it refuses. */
  @Property
  void everyPathOfTheGrammarIsCanonical(@ForAll("grammarPaths") String path) {
    assertThat(CanonicalPath.problem(path)).isNull();
  }

  @Provide
  Arbitrary<String> targets() {
    Arbitrary<String> piece = Arbitraries.oneOf(
        Arbitraries.of("v2", "models", "A", "B", "infer", ".", "..", "...", "", "%2e", "%2E%2e", "%2f", "%5c",
            "%252e", "%41", "%7e", "\\", ";x=1", "?q", "#f", "\u00e9", "\u0000", "~", "a.b", " ", "+"),
        Arbitraries.strings().ascii().ofMaxLength(4));
    return piece.list().ofMaxSize(8).map(parts -> "/" + String.join("/", parts));
  }

  @Provide
  Arbitrary<String> grammarPaths() {
    Arbitrary<String> segment = Arbitraries.strings().withChars("AZaz09._~-").ofMinLength(1).ofMaxLength(8)
        .filter(s -> !s.equals(".") && !s.equals(".."));
    return segment.list().ofMinSize(1).ofMaxSize(8).map(parts -> "/" + String.join("/", parts));
  }
}
