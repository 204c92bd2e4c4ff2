package io.mrgc.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.agent.ModelInstaller;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.agent.model.ModelRepository;
import io.mrgc.agent.model.OrtSessions;
import io.mrgc.common.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing of the agent's body parsers (network input): the OpenAI {@code /v1/embeddings} body and the Open Inference
 * Protocol v2 infer body, from raw bytes through {@link PooledJson} to {@link EmbeddingsHandler#parse} and
 * {@link OipTensors#parse} against the real MiniLM session's inputs. Whatever the bytes, the outcome is a parsed
 * request or a 4xx {@link ApiException}: never another exception (which would be a 500) and never a case that runs
 * longer than {@link #HANG_MILLIS}. Raise the number of cases with {@code -Djqwik.tries.default=N}; the totals
 * (cases, refusals, slowest case) are printed after the run.
 */
class BodyParsersFuzzTest {
  /** A hang, not a performance bound: generous, since CI machines are shared (a GC pause is not a hang). */
  private static final long HANG_MILLIS = 10_000;
  private static final List<String> KEYS = List.of("model", "input", "encoding_format", "inputs", "outputs", "name",
      "shape", "datatype", "data", "id", "parameters", "x");
  private static final AtomicLong CASES = new AtomicLong();
  private static final AtomicLong REFUSED = new AtomicLong();
  private static final AtomicLong SLOWEST_NANOS = new AtomicLong();
  private static final AtomicLong CRASHES = new AtomicLong();
  private static final AtomicLong HANGS = new AtomicLong();
  private static volatile int slowestBytes;
  private static LoadedModel model;
  private static EmbeddingsHandler embeddings;

  @BeforeContainer
  static void loadModel() throws Exception {
    Path root = Files.createTempDirectory("fuzz-models");
    ModelInstaller.installMiniLm(root);
    model = new ModelRepository(root, new OrtSessions("cpu", 1)).load(ModelInstaller.MINILM_MODEL);
    embeddings = new EmbeddingsHandler(new ServedModels(), 128, null);
  }

  @AfterContainer
  static void report() {
    System.out.printf("body parser fuzzing: %d cases, %d refused with 4xx, %d crashes, %d hangs, slowest case %.2f ms "
        + "(%d bytes)%n", CASES.get(), REFUSED.get(), CRASHES.get(), HANGS.get(), SLOWEST_NANOS.get() / 1e6,
        slowestBytes);
    model.close();
  }

  @Property
  void embeddingsBodiesParseOrAre4xx(@ForAll("embeddingsBodies") byte[] body) {
    check(body, json -> embeddings.parse(json));
  }

  @Property
  void oipInferBodiesParseOrAre4xx(@ForAll("oipBodies") byte[] body) {
    check(body, json -> OipTensors.parse(model, json));
  }

  @Property
  void arbitraryBytesParseOrAre4xx(@ForAll("noise") byte[] body) {
    check(body, json -> embeddings.parse(json));
    check(body, json -> OipTensors.parse(model, json));
  }

  /**
   * Found while fuzzing: INT64 data past 64 bits (2^64 + 1, 1e300) used to run as another number (wrapped to 1,
   * saturated to Long.MAX_VALUE); it is refused instead.
   */
  @Example
  void int64DataPast64BitsIsRefusedNotWrapped() {
    for (String big : List.of("18446744073709551617", "-9223372036854775809", "1e300", "1e400")) {
      String body = "{\"inputs\":[{\"name\":\"input_ids\",\"datatype\":\"INT64\",\"shape\":[1,1],\"data\":["
          + big + "]}]}";
      assertThatThrownBy(() -> OipTensors.parse(model, PooledJson.parseObject(
          ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), "not an object")))
          .isInstanceOf(ApiException.class).hasMessageContaining("does not fit INT64");
    }
  }

  private static void check(byte[] body, Consumer<JsonObject> parser) {
    long start = System.nanoTime();
    try {
      parser.accept(PooledJson.parseObject(ByteBuffer.wrap(body), "the request body must be a JSON object"));
    } catch (ApiException refused) {
      REFUSED.incrementAndGet();
      if (refused.status() < 400 || refused.status() > 499) {
        CRASHES.incrementAndGet();
      }
      assertThat(refused.status()).as("status of %s", refused.getMessage()).isBetween(400, 499);
    } catch (RuntimeException | Error crash) {
      CRASHES.incrementAndGet(); // would be a 500; jqwik shrinks and reports the input
      throw crash;
    } finally {
      long took = System.nanoTime() - start;
      CASES.incrementAndGet();
      if (TimeUnit.NANOSECONDS.toMillis(took) >= HANG_MILLIS) {
        HANGS.incrementAndGet();
      }
      if (SLOWEST_NANOS.accumulateAndGet(took, Math::max) == took) {
        slowestBytes = body.length;
      }
      assertThat(TimeUnit.NANOSECONDS.toMillis(took)).as("a hang").isLessThan(HANG_MILLIS);
    }
  }

  @Provide
  Arbitrary<byte[]> embeddingsBodies() {
    Arbitrary<Object> input = Arbitraries.oneOf(strings().map(s -> (Object) s), Arbitraries.just(new JsonArray()),
        strings().list().ofMaxSize(200).map(JsonArray::new), json(2));
    Arbitrary<Object> modelName = Arbitraries.oneOf(Arbitraries.just(ModelInstaller.MINILM_MODEL),
        strings().map(s -> (Object) s), json(1));
    Arbitrary<Object> format = Arbitraries.of("float", "base64", "", "int8").map(s -> (Object) s).injectNull(0.3);
    Arbitrary<JsonObject> body = Combinators.combine(modelName, input, format)
        .as((m, i, f) -> new JsonObject().put("model", m).put("input", i).put("encoding_format", f));
    return mutated(Arbitraries.oneOf(body, json(4).map(v -> new JsonObject().put("input", v))));
  }

  @Provide
  Arbitrary<byte[]> oipBodies() {
    Arbitrary<Object> name = Arbitraries.oneOf(Arbitraries.of("input_ids", "attention_mask", "token_type_ids")
        .map(s -> (Object) s), strings().map(s -> (Object) s), json(1));
    Arbitrary<Object> datatype = Arbitraries.oneOf(Arbitraries.of("INT64", "INT32", "FP32", "FP64", "BOOL", "BYTES")
        .map(s -> (Object) s), json(1));
    Arbitrary<Object> shape = Arbitraries.oneOf(numbers().list().ofMaxSize(4).map(JsonArray::new), json(2));
    Arbitrary<Object> data = Arbitraries.oneOf(numbers().list().ofMaxSize(64).map(JsonArray::new), nested(),
        json(3));
    Arbitrary<Object> tensor = Combinators.combine(name, datatype, shape, data).as((n, d, s, v) ->
        new JsonObject().put("name", n).put("datatype", d).put("shape", s).put("data", v));
    Arbitrary<Object> inputs = Arbitraries.oneOf(tensor.list().ofMaxSize(4).map(JsonArray::new), json(2));
    Arbitrary<Object> outputs = Arbitraries.oneOf(Arbitraries.of("last_hidden_state", "x")
        .map(n -> (Object) new JsonArray().add(new JsonObject().put("name", n))), json(2)).injectNull(0.4);
    Arbitrary<JsonObject> anyBody = Combinators.combine(inputs, outputs, json(1).injectNull(0.5))
        .as((i, o, id) -> new JsonObject().put("inputs", i).put("outputs", o).put("id", id));
    return mutated(Arbitraries.oneOf(anyBody, validOip()));
  }

  /** The model's three INT64 inputs with agreeing shapes and values: reaches the typed conversion and outputs. */
  private static Arbitrary<JsonObject> validOip() {
    return Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 8),
        numbers().list().ofMinSize(32).ofMaxSize(32), Arbitraries.of("INT64", "INT32", "FP32")).as(
            (batch, length, values, datatype) -> {
              JsonArray inputs = new JsonArray();
              for (String name : List.of("input_ids", "attention_mask", "token_type_ids")) {
                JsonArray data = new JsonArray(values.subList(0, Math.min(values.size(), batch * length)));
                inputs.add(new JsonObject().put("name", name).put("datatype", name.equals("input_ids")
                    ? datatype : "INT64").put("shape", new JsonArray().add(batch).add(length)).put("data", data));
              }
              return new JsonObject().put("inputs", inputs);
            });
  }

  @Provide
  Arbitrary<byte[]> noise() {
    return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(512),
        Arbitraries.strings().withChars("{}[]\":,0123456789.eE+-tfnul \\u").ofMaxLength(256)
            .map(s -> s.getBytes(StandardCharsets.UTF_8)),
        Arbitraries.integers().between(1, 5000).map(depth -> ("[".repeat(depth) + "]".repeat(depth))
            .getBytes(StandardCharsets.UTF_8)),
        Arbitraries.integers().between(1, 5000).map(depth -> ("{\"inputs\":" + "[".repeat(depth))
            .getBytes(StandardCharsets.UTF_8)));
  }

  /** A valid-looking body as JSON text, sometimes with a few characters replaced, dropped or added. */
  private static Arbitrary<byte[]> mutated(Arbitrary<JsonObject> bodies) {
    Arbitrary<String> text = bodies.map(JsonObject::encode);
    Arbitrary<String> edited = Combinators.combine(text, Arbitraries.integers().between(0, 10_000),
        Arbitraries.strings().withChars("{}[]\":,0123456789a\\").ofMaxLength(3), Arbitraries.integers().between(0, 3))
        .as((t, at, insert, drop) -> {
          int i = t.isEmpty() ? 0 : at % t.length();
          return t.substring(0, i) + insert + t.substring(Math.min(t.length(), i + drop));
        });
    return Arbitraries.frequencyOf(Tuple.of(3, text), Tuple.of(1, edited))
        .map(s -> s.getBytes(StandardCharsets.UTF_8));
  }

  private static Arbitrary<String> strings() {
    return Arbitraries.strings().ofMaxLength(40);
  }

  private static Arbitrary<Object> numbers() {
    return Arbitraries.oneOf(Arbitraries.integers().between(-2, 30_000).map(i -> (Object) i),
        Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.doubles().map(d -> (Object) d),
        Arbitraries.of(new BigInteger("18446744073709551617"), new BigInteger("-9223372036854775809"),
            new BigDecimal("1e400"), new BigDecimal("0.5"), true, "1"),
        Arbitraries.integers().between(0, 1).map(i -> (Object) i), Arbitraries.integers().between(0, 1)
            .map(i -> (Object) i));
  }

  /** Arrays nested up to 40 deep around numbers (OIP data may be nested). */
  private static Arbitrary<Object> nested() {
    return Combinators.combine(Arbitraries.integers().between(1, 40), numbers().list().ofMaxSize(8))
        .as((depth, values) -> {
          Object value = new JsonArray(values);
          for (int i = 1; i < depth; i++) {
            value = new JsonArray().add(value);
          }
          return value;
        });
  }

  /** Any JSON value up to {@code depth} levels of arrays and objects. */
  private static Arbitrary<Object> json(int depth) {
    Arbitrary<Object> scalar = Arbitraries.oneOf(numbers(), strings().map(s -> (Object) s),
        Arbitraries.of(true, false).map(b -> (Object) b), Arbitraries.just(null));
    if (depth <= 0) {
      return scalar;
    }
    Arbitrary<Object> array = json(depth - 1).list().ofMaxSize(5).map(JsonArray::new);
    Arbitrary<Object> object = Combinators.combine(Arbitraries.of(KEYS), json(depth - 1))
        .as((k, v) -> new Object[] {k, v}).list().ofMaxSize(4).map(pairs -> {
          JsonObject merged = new JsonObject();
          pairs.forEach(pair -> merged.put((String) pair[0], pair[1]));
          return merged;
        });
    return Arbitraries.oneOf(scalar, array, object);
  }
}
