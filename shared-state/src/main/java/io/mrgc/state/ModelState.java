package io.mrgc.state;

/**
 * States of a model version in the {@code models} registry. A version is written PUBLISHING before its files are
 * copied (or uploaded and imported into FSx), AVAILABLE once every file is in the model store, RETIRED when an operator
 * takes it out of service. Agents serve a model's highest AVAILABLE version; RETIRED is final.
 */
public enum ModelState {
  PUBLISHING, AVAILABLE, RETIRED
}
