package io.mrgc.agent.model;

/** A model in the repository could not be loaded; the message names the model and the file at fault. */
public class ModelLoadException extends Exception {
  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
