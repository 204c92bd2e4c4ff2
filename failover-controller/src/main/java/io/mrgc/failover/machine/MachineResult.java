package io.mrgc.failover.machine;

import java.util.Optional;

/** The machine's answer: a change to write, or none and what it is waiting for. */
public record MachineResult(Optional<Change> change, String detail) {
  static MachineResult to(Change change) {
    return new MachineResult(Optional.of(change), change.reason());
  }

  static MachineResult none(String detail) {
    return new MachineResult(Optional.empty(), detail);
  }
}
