package io.mrgc.agent.model;

/** A model version does not fit the memory budget; unlike a corrupt version, worth another try once memory frees up. */
public final class ModelBudgetException extends ModelLoadException {
  private final long neededBytes;

  public ModelBudgetException(String message, long neededBytes) {
    super(message);
    this.neededBytes = neededBytes;
  }

  /** The version's footprint. */
  public long neededBytes() {
    return neededBytes;
  }
}
