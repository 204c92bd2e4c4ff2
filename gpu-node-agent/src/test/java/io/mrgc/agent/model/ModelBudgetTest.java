package io.mrgc.agent.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelBudgetTest {
  private static final long MIB = 1 << 20;

  @Test
  void aModelThatDoesNotFitIsRefusedSayingWhatIsLoadedAndWhatToDoAndANewerVersionCountsTheOldOneFreed() {
    ModelBudget budget = new ModelBudget(100 * MIB);
    List<ModelBudget.Footprint> loaded = List.of(new ModelBudget.Footprint("b", 1, 23 * MIB),
        new ModelBudget.Footprint("a", 1, 60 * MIB));

    assertThatThrownBy(() -> budget.check("c", 2, 20 * MIB, loaded))
        .isInstanceOf(ModelBudgetException.class)
        .hasMessage("model c:2 needs 20.0 MiB but the budget (models.memoryBudget) has 17.0 of 100.0 MiB free "
            + "(loaded: a:1 60.0 MiB, b:1 23.0 MiB); retire a model or raise models.memoryBudget")
        .satisfies(e -> assertThat(((ModelBudgetException) e).neededBytes()).isEqualTo(20 * MIB));
    assertThatCode(() -> budget.check("c", 2, 17 * MIB, loaded)).doesNotThrowAnyException();
    assertThatCode(() -> budget.check("a", 2, 77 * MIB, loaded)).as("a:2 replaces a:1").doesNotThrowAnyException();
    assertThatThrownBy(() -> budget.check("a", 2, 78 * MIB, loaded)).hasMessageContaining("(loaded: b:1 23.0 MiB)");
    assertThatThrownBy(() -> new ModelBudget(50).check("x", 1, 51, List.of())).hasMessageContaining("(loaded: none)");
  }
}
