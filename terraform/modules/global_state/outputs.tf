output "table_names" {
  description = "Global table names by table (the same in every region): gpu_instances, routing_state, autoscaling_state, metrics, cleanup_validation, tenants, models."
  value       = { for k, t in aws_dynamodb_table.this : k => t.name }
}

output "table_arns" {
  description = "Global table ARNs in the home region, by table."
  value       = { for k, t in aws_dynamodb_table.this : k => t.arn }
}

output "table_arns_by_region" {
  description = "Global table ARNs by region, then table (replicas share the name, so the ARN differs only in its region): for IAM policies of each region's services."
  value = {
    for r in local.all_regions : r => {
      for k, t in aws_dynamodb_table.this : k => replace(t.arn, ":${local.home_region}:", ":${r}:")
    }
  }
}

output "stream_arns" {
  description = "Home-region stream ARNs by table (replication runs on them; nothing in MRGC consumes them)."
  value       = { for k, t in aws_dynamodb_table.this : k => t.stream_arn }
}

output "table_consistency" {
  description = "MREC or MRSC by table."
  value       = { for k, t in local.global_tables : k => t.class }
}

output "regional_table_arns" {
  description = "Regional (never replicated) table ARNs by region, then table: rate_limits."
  value = {
    for r in local.all_regions : r => {
      for k, t in aws_dynamodb_table.regional : t.name => t.arn if t.region == r
    }
  }
}

output "home_region" {
  description = "The provider's region: the one the global tables are created from."
  value       = local.home_region
}
