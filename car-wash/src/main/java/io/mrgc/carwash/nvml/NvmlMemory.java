package io.mrgc.carwash.nvml;

import com.sun.jna.Structure;

/** {@code nvmlMemory_t}: three {@code unsigned long long} byte counts (24 bytes). */
@Structure.FieldOrder({"total", "free", "used"})
public class NvmlMemory extends Structure {
  public long total;
  public long free;
  public long used;

  /** The byte offset of {@code field} in the native layout (for the layout test). */
  int offsetOf(String field) {
    return fieldOffset(field);
  }
}
