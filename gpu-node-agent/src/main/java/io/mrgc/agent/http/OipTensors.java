package io.mrgc.agent.http;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.mrgc.agent.buffers.RequestBuffers;
import io.mrgc.agent.model.LoadedModel;
import io.mrgc.agent.model.TensorMeta;
import io.mrgc.common.ApiException;
import io.mrgc.wire.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Open Inference Protocol tensors: validates a request against the session's own inputs on the event loop, then
 * runs it on the model's worker and renders outputs as flat row-major data.
 */
final class OipTensors {
  private static final Set<String> SUPPORTED = Set.of("INT64", "INT32", "FP32", "FP64", "BOOL");
  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  private OipTensors() {}

  /** A validated input: typed flat data ready to become an OnnxTensor. */
  record Input(String name, String datatype, long[] shape, Object data) {}

  /** A validated inference request. */
  record Call(List<Input> inputs, Set<String> outputs) {}

  static Call parse(LoadedModel model, JsonObject body) {
    Object inputsValue = body.getValue("inputs");
    if (!(inputsValue instanceof JsonArray inputsArray) || inputsArray.isEmpty()) {
      throw ApiException.badRequest("inputs is required: a non-empty array of tensors");
    }
    Map<String, Input> inputs = new HashMap<>();
    for (Object element : inputsArray) {
      if (!(element instanceof JsonObject tensor)) {
        throw ApiException.badRequest("each input must be an object with name, shape, datatype and data");
      }
      Input input = input(model, tensor);
      if (inputs.put(input.name(), input) != null) {
        throw ApiException.badRequest("input " + input.name() + " is given twice");
      }
    }
    for (TensorMeta expected : model.inputs()) {
      if (!inputs.containsKey(expected.name())) {
        throw ApiException.badRequest("input " + expected.name() + " is missing; model " + model.name()
            + " takes " + model.inputs().stream().map(TensorMeta::name).toList());
      }
    }
    return new Call(List.copyOf(inputs.values()), outputs(model, body.getValue("outputs")));
  }

  private static Input input(LoadedModel model, JsonObject tensor) {
    Object nameValue = tensor.getValue("name");
    if (!(nameValue instanceof String name)) {
      throw ApiException.badRequest("input name is required");
    }
    TensorMeta meta = model.input(name).orElseThrow(() -> ApiException.badRequest("unknown input " + name
        + "; model " + model.name() + " takes " + model.inputs().stream().map(TensorMeta::name).toList()));
    Object datatypeValue = tensor.getValue("datatype");
    if (!(datatypeValue instanceof String datatype)) {
      throw ApiException.badRequest("input " + name + ": datatype is required");
    }
    if (!SUPPORTED.contains(datatype)) {
      throw new ApiException(ErrorCode.UNSUPPORTED_DATATYPE, "input " + name + ": datatype " + datatype
          + " is not supported; use one of " + SUPPORTED.stream().sorted().toList());
    }
    if (!datatype.equals(meta.datatype())) {
      throw new ApiException(ErrorCode.DATATYPE_MISMATCH, "input " + name + " has datatype " + meta.datatype()
          + ", but the request says " + datatype);
    }
    long[] shape = shape(name, tensor.getValue("shape"));
    checkShapeFits(meta, shape);
    Object dataValue = tensor.getValue("data");
    if (!(dataValue instanceof JsonArray data)) {
      throw ApiException.badRequest("input " + name + ": data must be an array (flat or nested)");
    }
    List<Object> flat = new ArrayList<>();
    flatten(data, flat);
    long expected = elementCount(name, shape);
    if (expected != flat.size()) {
      throw new ApiException(ErrorCode.SHAPE_MISMATCH, "input " + name + ": shape " + java.util.Arrays.toString(shape)
          + " holds " + expected + " elements, but data has " + flat.size());
    }
    return new Input(name, datatype, shape, typed(name, datatype, flat));
  }

  private static long[] shape(String name, Object value) {
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      throw ApiException.badRequest("input " + name + ": shape must be a non-empty array of sizes");
    }
    long[] shape = new long[array.size()];
    for (int i = 0; i < shape.length; i++) {
      Object dim = array.getValue(i);
      if (!(dim instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < 0) {
        throw ApiException.badRequest("input " + name + ": shape must hold non-negative integers");
      }
      shape[i] = n.longValue();
    }
    return shape;
  }

  private static void checkShapeFits(TensorMeta meta, long[] shape) {
    boolean fits = meta.shape().length == shape.length;
    for (int i = 0; fits && i < shape.length; i++) {
      fits = meta.shape()[i] < 0 || meta.shape()[i] == shape[i];
    }
    if (!fits) {
      throw new ApiException(ErrorCode.SHAPE_MISMATCH, "input " + meta.name() + ": shape "
          + java.util.Arrays.toString(shape) + " does not fit the model's " + java.util.Arrays.toString(meta.shape()));
    }
  }

  private static long elementCount(String name, long[] shape) {
    long count = 1;
    try {
      for (long dim : shape) {
        count = Math.multiplyExact(count, dim);
      }
    } catch (ArithmeticException e) {
      throw new ApiException(ErrorCode.SHAPE_MISMATCH, "input " + name + ": shape is too large");
    }
    return count;
  }

  private static void flatten(JsonArray array, List<Object> into) {
    for (Object element : array) {
      if (element instanceof JsonArray nested) {
        flatten(nested, into);
      } else {
        into.add(element);
      }
    }
  }

  private static Object typed(String name, String datatype, List<Object> flat) {
    int n = flat.size();
    switch (datatype) {
      case "INT64" -> {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
          values[i] = integral(name, flat.get(i));
        }
        return values;
      }
      case "INT32" -> {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
          long v = integral(name, flat.get(i));
          if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw ApiException.badRequest("input " + name + ": " + v + " does not fit INT32");
          }
          values[i] = (int) v;
        }
        return values;
      }
      case "FP32" -> {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
          values[i] = (float) number(name, flat.get(i));
        }
        return values;
      }
      case "FP64" -> {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
          values[i] = number(name, flat.get(i));
        }
        return values;
      }
      default -> {
        byte[] values = new byte[n];
        for (int i = 0; i < n; i++) {
          if (!(flat.get(i) instanceof Boolean b)) {
            throw ApiException.badRequest("input " + name + ": BOOL data must be true or false");
          }
          values[i] = (byte) (b ? 1 : 0);
        }
        return values;
      }
    }
  }

  private static long integral(String name, Object value) {
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw ApiException.badRequest("input " + name + ": data must hold integers");
    }
    // Past 64 bits JSON integers arrive as BigInteger/BigDecimal, whose longValue() wraps, or as a double, whose
    // longValue() saturates: refuse them instead of running on another number than the caller sent.
    double d = n.doubleValue();
    boolean fits = n instanceof BigInteger || n instanceof BigDecimal
        ? new BigDecimal(n.toString()).compareTo(LONG_MIN) >= 0 && new BigDecimal(n.toString()).compareTo(LONG_MAX) <= 0
        : !(n instanceof Double || n instanceof Float) || (d >= -0x1p63 && d < 0x1p63);
    if (!fits) {
      throw ApiException.badRequest("input " + name + ": " + n + " does not fit INT64");
    }
    return n.longValue();
  }

  private static double number(String name, Object value) {
    if (!(value instanceof Number n)) {
      throw ApiException.badRequest("input " + name + ": data must hold numbers");
    }
    return n.doubleValue();
  }

  private static Set<String> outputs(LoadedModel model, Object value) {
    Set<String> names = new LinkedHashSet<>();
    if (value == null) {
      model.outputs().forEach(o -> names.add(o.name()));
      return names;
    }
    if (!(value instanceof JsonArray array)) {
      throw ApiException.badRequest("outputs must be an array of {\"name\": ...}");
    }
    for (Object element : array) {
      if (!(element instanceof JsonObject o) || !(o.getValue("name") instanceof String name)) {
        throw ApiException.badRequest("outputs must be an array of {\"name\": ...}");
      }
      if (model.output(name).isEmpty()) {
        throw ApiException.badRequest("unknown output " + name + "; model " + model.name() + " has "
            + model.outputs().stream().map(TensorMeta::name).toList());
      }
      names.add(name);
    }
    if (names.isEmpty()) {
      model.outputs().forEach(o -> names.add(o.name()));
    }
    return names;
  }

  /**
   * Runs on the model's worker thread: one session run, outputs rendered as OIP tensors. The inputs are copied into
   * the request's direct pool buffers (ONNX Runtime reads them in place) and the parsed arrays zeroed; the outputs
   * are ONNX Runtime's own (their shapes are known only after the run), released when the result closes.
   */
  static JsonArray run(LoadedModel model, Call call, OrtSession.RunOptions runOptions, RequestBuffers buffers)
      throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      for (Input input : call.inputs()) {
        feeds.put(input.name(), tensor(env, input, buffers));
      }
      try (OrtSession.Result result = model.session().run(feeds, call.outputs(), runOptions)) {
        JsonArray outputs = new JsonArray();
        for (String name : call.outputs()) {
          OnnxValue value = result.get(name).orElseThrow();
          if (!(value instanceof OnnxTensor tensor)) {
            throw new IllegalStateException("output " + name + " is not a tensor");
          }
          outputs.add(render(name, tensor));
        }
        return outputs;
      }
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  private static OnnxTensor tensor(OrtEnvironment env, Input input, RequestBuffers buffers) throws OrtException {
    Object data = input.data();
    long[] shape = input.shape();
    switch (input.datatype()) {
      case "INT64" -> {
        long[] values = (long[]) data;
        LongBuffer pooled = buffers.longs(values.length).put(0, values);
        Arrays.fill(values, 0);
        return OnnxTensor.createTensor(env, pooled, shape);
      }
      case "INT32" -> {
        int[] values = (int[]) data;
        IntBuffer pooled = buffers.ints(values.length).put(0, values);
        Arrays.fill(values, 0);
        return OnnxTensor.createTensor(env, pooled, shape);
      }
      case "FP32" -> {
        float[] values = (float[]) data;
        FloatBuffer pooled = buffers.floats(values.length).put(0, values);
        Arrays.fill(values, 0);
        return OnnxTensor.createTensor(env, pooled, shape);
      }
      case "FP64" -> {
        double[] values = (double[]) data;
        DoubleBuffer pooled = buffers.doubles(values.length).put(0, values);
        Arrays.fill(values, 0);
        return OnnxTensor.createTensor(env, pooled, shape);
      }
      default -> {
        byte[] values = (byte[]) data;
        ByteBuffer pooled = buffers.direct(values.length).put(0, values);
        Arrays.fill(values, (byte) 0);
        return OnnxTensor.createTensor(env, pooled, shape, OnnxJavaType.BOOL);
      }
    }
  }

  private static JsonObject render(String name, OnnxTensor tensor) {
    OnnxJavaType type = tensor.getInfo().type;
    JsonArray shape = new JsonArray();
    for (long dim : tensor.getInfo().getShape()) {
      shape.add(dim);
    }
    List<Object> data = new ArrayList<>();
    switch (type) {
      case FLOAT -> {
        FloatBuffer b = tensor.getFloatBuffer();
        while (b.hasRemaining()) data.add(b.get());
      }
      case DOUBLE -> {
        DoubleBuffer b = tensor.getDoubleBuffer();
        while (b.hasRemaining()) data.add(b.get());
      }
      case INT64 -> {
        LongBuffer b = tensor.getLongBuffer();
        while (b.hasRemaining()) data.add(b.get());
      }
      case INT32 -> {
        IntBuffer b = tensor.getIntBuffer();
        while (b.hasRemaining()) data.add(b.get());
      }
      case BOOL -> {
        ByteBuffer b = tensor.getByteBuffer();
        while (b.hasRemaining()) data.add(b.get() != 0);
      }
      case INT8, UINT8 -> {
        ByteBuffer b = tensor.getByteBuffer();
        while (b.hasRemaining()) data.add(type == OnnxJavaType.UINT8 ? Byte.toUnsignedInt(b.get()) : (int) b.get());
      }
      default -> throw new IllegalStateException("output " + name + " has unsupported type " + type);
    }
    return new JsonObject().put("name", name).put("datatype", TensorMeta.oipDatatype(type)).put("shape", shape)
        .put("data", new JsonArray(data));
  }
}
