package io.mrgc.carwash;

import io.mrgc.state.items.CleanupValidationItem;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.document.EnhancedDocument;

/** A cleanup_validation row as one line of JSON (its DynamoDB attributes) and back, for the spill file. */
final class WashRecordJson {
  private static final TableSchema<CleanupValidationItem> SCHEMA = TableSchema.fromBean(CleanupValidationItem.class);

  private WashRecordJson() {}

  static String encode(CleanupValidationItem item) {
    return EnhancedDocument.fromAttributeValueMap(SCHEMA.itemToMap(item, true)).toJson();
  }

  static CleanupValidationItem decode(String line) {
    return SCHEMA.mapToItem(EnhancedDocument.fromJson(line).toMap());
  }
}
