output "key_arns" {
  description = "Primary key ARN per tenant id (the canary key under mrgc-canary)."
  value       = { for id, k in aws_kms_key.this : id => k.arn }
}

output "key_ids" {
  description = "Key id per tenant id (multi-Region keys: the same mrk-... id in every region)."
  value       = { for id, k in aws_kms_key.this : id => k.key_id }
}

output "replica_1_key_arns" {
  description = "Replica key ARN per tenant id in the replica_1 region (empty without replicas)."
  value       = { for id, k in aws_kms_replica_key.replica_1 : id => k.arn }
}

output "replica_2_key_arns" {
  description = "Replica key ARN per tenant id in the replica_2 region (empty without replicas)."
  value       = { for id, k in aws_kms_replica_key.replica_2 : id => k.arn }
}

output "all_key_arns" {
  description = "Every tenant key ARN in every region, canary key excluded (module iam: tenant_key_arns)."
  value = concat(
    [for id, k in aws_kms_key.this : k.arn if id != local.canary_tenant],
    [for id, k in aws_kms_replica_key.replica_1 : k.arn if id != local.canary_tenant],
    [for id, k in aws_kms_replica_key.replica_2 : k.arn if id != local.canary_tenant],
  )
}

output "canary_key_arns" {
  description = "The canary key's ARN in every region (module iam: canary_key_arns)."
  value = concat(
    [aws_kms_key.this[local.canary_tenant].arn],
    [for id, k in aws_kms_replica_key.replica_1 : k.arn if id == local.canary_tenant],
    [for id, k in aws_kms_replica_key.replica_2 : k.arn if id == local.canary_tenant],
  )
}

output "canary_key_id" {
  description = "The canary key's id (agent enclave.canaryKeyId, MRGC_ENCLAVE_CANARY_KEY_ID; the same in every region)."
  value       = aws_kms_key.this[local.canary_tenant].key_id
}

output "alias_names" {
  description = "Alias per tenant id (alias/<name>/tenant/<tenant id>, in every region)."
  value       = { for id, a in aws_kms_alias.this : id => a.name }
}

output "key_policies" {
  description = "The key policy JSON per tenant id (for the CI check of docs/security.md §3: two Denies, no all-zero PCR0 in an Allow)."
  value       = { for id, d in data.aws_iam_policy_document.this : id => d.json }
}
