package io.mrgc.wire.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvelopeCodecTest {
  static final String IV = Base64.getEncoder().encodeToString(new byte[12]);
  static final String CT = Base64.getEncoder().encodeToString(new byte[20]);
  static final String EDK = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3});
  final EnvelopeCodec codec = new EnvelopeCodec();

  static final long TS = 1_765_000_000_123L;

  static String valid() {
    return "{\"v\":2,\"tenant\":\"acme\",\"kid\":\"local:acme:1\",\"edk\":\"" + EDK + "\",\"iv\":\"" + IV
        + "\",\"ts\":" + TS + ",\"model\":\"minilm\",\"path\":\"/v1/embeddings\",\"rid\":\"r-1\",\"ct\":\"" + CT
        + "\"}";
  }

  static String validV1() {
    return valid().replace("\"v\":2", "\"v\":1").replace(",\"ts\":" + TS, "");
  }

  @Test
  void requestRoundTrip() throws Exception {
    RequestEnvelope env = codec.parseRequest(valid().getBytes(StandardCharsets.UTF_8));
    assertThat(env.header())
        .isEqualTo(EnvelopeHeader.v2("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-1", TS));
    assertThat(env.edk()).containsExactly(1, 2, 3);
    assertThat(new String(codec.encode(env), StandardCharsets.UTF_8)).isEqualTo(valid());
  }

  /** The codec still reads and writes v=1 (no ts); whether an enclave accepts it is the enclave's setting. */
  @Test
  void v1RoundTrip() throws Exception {
    RequestEnvelope env = codec.parseRequest(validV1().getBytes(StandardCharsets.UTF_8));
    assertThat(env.header()).isEqualTo(EnvelopeHeader.v1("acme", "local:acme:1", "minilm", "/v1/embeddings", "r-1"));
    assertThat(new String(codec.encode(env), StandardCharsets.UTF_8)).isEqualTo(validV1());
  }

  @Test
  void responseRoundTripHasNoEdk() throws Exception {
    ResponseEnvelope r = new ResponseEnvelope(new EnvelopeHeader("acme", "k", "m", "/p", "r"), new byte[12],
        new byte[16]);
    byte[] bytes = codec.encode(r);
    assertThat(new String(bytes, StandardCharsets.UTF_8)).doesNotContain("edk").startsWith("{\"v\":2,").contains("\"ts\":");
    ResponseEnvelope back = codec.parseResponse(bytes);
    assertThat(back.header()).isEqualTo(r.header());
    // a request envelope is not a response envelope
    assertThatThrownBy(() -> codec.parseResponse(valid().getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("unknown field");
  }

  @Test
  void awsKeyArnsAndAliasesAreValidKids() throws Exception {
    String arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    byte[] b = valid().replace("local:acme:1", arn).getBytes(StandardCharsets.UTF_8);
    assertThat(codec.parseRequest(b).header().kid()).isEqualTo(arn);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      not json                | xyz                                     | not valid JSON
      array                   | []                                      | must be a JSON object
      empty object            | {}                                      | "v" is required
      version 3               | {"v":3}                                 | unsupported envelope version 3
      version as string       | {"v":"2"}                               | must be the integer 2
      version as float        | {"v":2.0}                               | must be the integer 2
      version huge            | {"v":123456789012345678901234567890}    | not valid JSON
      nested                  | {"v":{"a":[[[[[1]]]]]}}                 | must be the integer 2
      trailing data           | @VALID@ {}                              | data after the JSON object
      """)
  void refusesStructure(String name, String json, String message) {
    String text = json.replace("@VALID@", valid());
    assertMalformed(text.getBytes(StandardCharsets.UTF_8), message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      missing ct          | ,"ct":"@CT@"     |                     | "ct" is required
      missing ts          | ,"ts":@TS@       |                     | "ts" is required
      ts string           | "ts":@TS@        | "ts":"@TS@"         | "ts" must be
      ts negative         | "ts":@TS@        | "ts":-1             | "ts" must be
      ts float            | "ts":@TS@        | "ts":1.5            | "ts" must be
      ts past year 9999   | "ts":@TS@        | "ts":253402300800000 | "ts" must be
      ts huge             | "ts":@TS@        | "ts":99999999999999999999 | "ts" must be
      v1 with ts          | "v":2,           | "v":1,              | not part of a v=1 envelope
      unknown field       | "v":2,           | "v":2,"x":"y",      | unknown field
      duplicate field     | "v":2,           | "v":2,"v":2,        | not valid JSON
      iv 16 bytes         | @IV@             | AAAAAAAAAAAAAAAAAAAAAA== | exactly 12 bytes
      iv 10 bytes         | @IV@             | AAAAAAAAAAAAAA==    | exactly 12 bytes
      edk not base64      | @EDK@            | ***                 | standard base64
      edk unpadded        | @EDK@            | AQI                 | canonical
      edk urlsafe         | @EDK@            | -_8=                | standard base64
      edk whitespace      | @EDK@            | AQ ID               | standard base64
      edk stray bits      | @EDK@            | AQJ=                | canonical
      ct too short        | @CT@             | AAAA                | 16-byte GCM tag
      tenant bad chars    | "acme"           | "ac me"             | "tenant" must be
      tenant too long     | "acme"           | "@LONG@"            | "tenant" must be
      tenant number       | "acme"           | 7                   | must be a JSON string
      path no slash       | "/v1/embeddings" | "v1/embeddings"     | "path" must be
      path query          | "/v1/embeddings" | "/v1/e?x=1"         | "path" must be
      path dot segment    | "/v1/embeddings" | "/v1/x/../embeddings" | "path" must be a canonical path
      path dot end        | "/v1/embeddings" | "/v1/embeddings/."  | "path" must be a canonical path
      path empty segment  | "/v1/embeddings" | "/v1//embeddings"   | "path" must be a canonical path
      path trailing slash | "/v1/embeddings" | "/v1/embeddings/"   | "path" must be a canonical path
      model empty         | "minilm"         | ""                  | "model" must be
      rid unicode         | "r-1"            | "r-\u00e9"          | "rid" must be
      """)
  void refusesFields(String name, String from, String to, String message) {
    String f = from.replace("@CT@", CT).replace("@IV@", IV).replace("@EDK@", EDK).replace("@TS@", "" + TS);
    String t = to == null ? "" : to.replace("@LONG@", "a".repeat(65)).replace("@TS@", "" + TS);
    String text = valid().replace(f, t);
    assertThat(text).isNotEqualTo(valid());
    assertMalformed(text.getBytes(StandardCharsets.UTF_8), message);
  }

  @Test
  void refusesOversizeAndNonUtf8AndEmpty() {
    EnvelopeCodec small = new EnvelopeCodec(1024);
    String big = valid().replace(CT, Base64.getEncoder().encodeToString(new byte[2000]));
    assertMalformed(small, big.getBytes(StandardCharsets.UTF_8), "the limit is 1024");
    assertMalformed(valid().replace("acme\"", "ac\u00e9\"").getBytes(StandardCharsets.ISO_8859_1),
        "must be UTF-8");
    assertMalformed(new byte[0], "envelope is empty");
    assertMalformed(null, "envelope is empty");
    assertMalformed(valid().getBytes(StandardCharsets.UTF_16), "UTF-8");
  }

  @Test
  void refusesBadConfiguration() {
    assertThatThrownBy(() -> new EnvelopeCodec(10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEnvelopeBytes must be between 1024 and 67108864, but was 10");
  }

  private void assertMalformed(byte[] bytes, String message) {
    assertMalformed(codec, bytes, message);
  }

  private static void assertMalformed(EnvelopeCodec c, byte[] bytes, String message) {
    assertThatThrownBy(() -> c.parseRequest(bytes))
        .isInstanceOf(EnclaveException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((EnclaveException) e).code()).isEqualTo(EnclaveErrorCode.MALFORMED));
  }
}
