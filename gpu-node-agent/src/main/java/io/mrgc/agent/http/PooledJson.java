package io.mrgc.agent.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import io.mrgc.agent.buffers.RequestBuffers;
import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * JSON read from and written to pool buffers. Jackson here does not recycle its parse and encode buffers (by
 * default it keeps them per thread for the next call, which would keep a tenant's bytes past the wash): they are
 * per call and left to the garbage collector, like the Strings of the parsed tree.
 */
final class PooledJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .recyclerPool(JsonRecyclerPools.nonRecyclingPool()).build();

  private PooledJson() {}

  /** The bytes as a JSON object, or 400 {@code invalid_json} with {@code notAnObject} as the message. */
  static JsonObject parseObject(ByteBuffer bytes, String notAnObject) {
    Object parsed;
    try {
      JsonParser parser = FACTORY.createParser(bytes.array(), bytes.arrayOffset() + bytes.position(),
          bytes.remaining());
      parsed = JacksonCodec.fromParser(parser, Object.class);
    } catch (IOException | DecodeException e) {
      throw new ApiException(ErrorCode.INVALID_JSON, "the request body is not valid JSON");
    }
    if (parsed instanceof JsonObject object) {
      return object;
    }
    if (parsed instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, Object> fields = (Map<String, Object>) map;
      return new JsonObject(fields);
    }
    throw new ApiException(ErrorCode.INVALID_JSON, notAnObject);
  }

  /** {@code json} encoded as UTF-8 into the request's pool buffers. */
  static ByteBuffer encode(JsonObject json, RequestBuffers buffers) {
    PooledBytes out = new PooledBytes(buffers, 8 * 1024);
    try (JsonGenerator generator = FACTORY.createGenerator(out)) {
      JacksonCodec.encodeJson(json, generator);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.bytes();
  }
}
