package io.mrgc.agent.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One input or output of a loaded session: OIP datatype name and shape, -1 for variable dimensions. */
public record TensorMeta(String name, String datatype, OnnxJavaType javaType, long[] shape) {

  /** The session's own view of its tensors, in declaration order; non-tensor values are skipped. */
  static List<TensorMeta> fromSession(Map<String, NodeInfo> infos) {
    List<TensorMeta> metas = new ArrayList<>();
    for (NodeInfo info : infos.values()) {
      if (info.getInfo() instanceof TensorInfo tensor) {
        long[] shape = tensor.getShape().clone();
        for (int i = 0; i < shape.length; i++) {
          shape[i] = shape[i] < 0 ? -1 : shape[i];
        }
        metas.add(new TensorMeta(info.getName(), oipDatatype(tensor.type), tensor.type, shape));
      }
    }
    return List.copyOf(metas);
  }

  /** Open Inference Protocol datatype name for an ONNX Runtime element type. */
  public static String oipDatatype(OnnxJavaType type) {
    return switch (type) {
      case FLOAT -> "FP32";
      case DOUBLE -> "FP64";
      case FLOAT16 -> "FP16";
      case BFLOAT16 -> "BF16";
      case INT8 -> "INT8";
      case INT16 -> "INT16";
      case INT32 -> "INT32";
      case INT64 -> "INT64";
      case UINT8 -> "UINT8";
      case BOOL -> "BOOL";
      case STRING -> "BYTES";
      default -> type.name();
    };
  }
}
