package io.mrgc.autoscaler.fleet;

/** A fleet call the provider refused, with its error code (e.g. InsufficientInstanceCapacity). */
public class FleetException extends RuntimeException {
  private final String operation;
  private final String errorCode;

  public FleetException(String operation, String errorCode, String message, Throwable cause) {
    super(operation + " failed: " + errorCode + ": " + message, cause);
    this.operation = operation;
    this.errorCode = errorCode;
  }

  public String operation() {
    return operation;
  }

  public String errorCode() {
    return errorCode;
  }

  /** The provider has no capacity for this instance type now (retry later, elsewhere, or with reserved capacity). */
  public boolean isCapacityShortage() {
    return "InsufficientInstanceCapacity".equals(errorCode) || "InsufficientHostCapacity".equals(errorCode)
        || "InstanceLimitExceeded".equals(errorCode);
  }
}
