package io.mrgc.state.items;

import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbAttribute;
import software.amazon.awssdk.enhanced.dynamodb.mapper.annotations.DynamoDbBean;

/** One step of one wash inside a cleanup_validation row ({@code steps} list): name, micros, outcome, detail. */
@DynamoDbBean
public class CleanupValidationStepItem {
  private String name;
  private long micros;
  private String outcome;
  private String detail;

  public CleanupValidationStepItem() {}

  public CleanupValidationStepItem(String name, long micros, String outcome, String detail) {
    this.name = name;
    this.micros = micros;
    this.outcome = outcome;
    this.detail = detail;
  }

  @DynamoDbAttribute("name")
  public String getName() { return name; }
  public void setName(String name) { this.name = name; }

  @DynamoDbAttribute("micros")
  public long getMicros() { return micros; }
  public void setMicros(long micros) { this.micros = micros; }

  /** PASSED, FAILED, TIMED_OUT or SKIPPED. */
  @DynamoDbAttribute("outcome")
  public String getOutcome() { return outcome; }
  public void setOutcome(String outcome) { this.outcome = outcome; }

  @DynamoDbAttribute("detail")
  public String getDetail() { return detail; }
  public void setDetail(String detail) { this.detail = detail; }
}
