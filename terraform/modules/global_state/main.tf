################################################################################
# The seven global tables and the regional rate_limits table, exactly as io.mrgc.state.Tables.ALL and docs/state.md
# define them: names (not prefixed: the code uses these literal names), keys, GSIs (projection ALL) and TTL
# attributes. Keep this map and Tables.ALL in step; the terraform check compares them.
################################################################################

data "aws_region" "current" {}

locals {
  home_region = data.aws_region.current.region

  # class: MREC = multi-Region eventual consistency (one home region writes each row);
  #        MRSC = multi-Region strong consistency (conditional writes across regions: leases, failover state).
  global_tables = {
    gpu_instances = {
      class     = "MREC"
      hash_key  = { name = "region", type = "S" }
      range_key = { name = "instance_id", type = "S" }
      indexes   = [{ name = "by_instance_id", hash_key = { name = "instance_id", type = "S" }, range_key = null }]
      ttl       = "expires_at"
    }
    routing_state = {
      class     = "MRSC"
      hash_key  = { name = "pk", type = "S" }
      range_key = null
      indexes   = []
      ttl       = null
    }
    autoscaling_state = {
      class     = "MRSC"
      hash_key  = { name = "region", type = "S" }
      range_key = null
      indexes   = []
      ttl       = null
    }
    metrics = {
      class     = "MREC"
      hash_key  = { name = "series", type = "S" }
      range_key = { name = "window_start", type = "N" }
      indexes   = [{ name = "by_region", hash_key = { name = "region", type = "S" }, range_key = { name = "window_start", type = "N" } }]
      ttl       = "expires_at"
    }
    cleanup_validation = {
      class     = "MREC"
      hash_key  = { name = "instance_id", type = "S" }
      range_key = { name = "completed_at_request", type = "S" }
      indexes   = []
      ttl       = "expires_at"
    }
    tenants = {
      class     = "MREC"
      hash_key  = { name = "tenant_id", type = "S" }
      range_key = null
      indexes   = [{ name = "by_api_key_hash", hash_key = { name = "api_key_hash", type = "S" }, range_key = null }]
      ttl       = null
    }
    # The model registry: one row per model version, written by `mrgc model` in the home region only.
    models = {
      class     = "MREC"
      hash_key  = { name = "name", type = "S" }
      range_key = { name = "version", type = "N" }
      indexes   = []
      ttl       = null
    }
  }

  # Regional: per-tenant, per-region token buckets, written and read only in their region (replicating would only cost).
  regional_tables = {
    rate_limits = {
      hash_key  = { name = "pk", type = "S" }
      range_key = null
      indexes   = []
      ttl       = "expires_at"
    }
  }

  all_regions = concat([local.home_region], var.replica_regions)

  # Every attribute used as a table or index key, once, with its type.
  global_attributes = {
    for table, t in local.global_tables : table => {
      for k in concat([t.hash_key, t.range_key], flatten([for i in t.indexes : [i.hash_key, i.range_key]])) : k.name => k.type... if k != null
    }
  }

  # MRSC replicas: both replica regions, or (with a witness) the replica region that is not the witness.
  mrsc_replica_regions = [for r in var.replica_regions : r if r != var.mrsc_witness_region]

  regional = var.create_regional_tables ? {
    for pair in setproduct(keys(local.regional_tables), local.all_regions) : "${pair[0]}/${pair[1]}" => {
      table  = pair[0]
      region = pair[1]
    }
  } : {}
}

resource "aws_dynamodb_table" "this" {
  for_each = local.global_tables

  name                        = each.key
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key.name
  range_key                   = each.value.range_key == null ? null : each.value.range_key.name
  deletion_protection_enabled = var.deletion_protection

  # Global tables (version 2019.11.21) replicate through streams; the provider requires NEW_AND_OLD_IMAGES with replicas.
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  dynamic "attribute" {
    for_each = local.global_attributes[each.key]
    content {
      name = attribute.key
      type = attribute.value[0]
    }
  }

  dynamic "global_secondary_index" {
    for_each = each.value.indexes
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key.name
      range_key       = global_secondary_index.value.range_key == null ? null : global_secondary_index.value.range_key.name
      projection_type = "ALL" # docs/state.md: every GSI projects ALL attributes
    }
  }

  dynamic "ttl" {
    for_each = each.value.ttl == null ? [] : [each.value.ttl]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = lookup(var.kms_key_arns, local.home_region, null)
  }

  dynamic "replica" {
    for_each = each.value.class == "MRSC" ? local.mrsc_replica_regions : var.replica_regions
    content {
      region_name                 = replica.value
      consistency_mode            = each.value.class == "MRSC" ? "STRONG" : "EVENTUAL"
      point_in_time_recovery      = var.point_in_time_recovery
      deletion_protection_enabled = var.deletion_protection
      propagate_tags              = true
      kms_key_arn                 = lookup(var.kms_key_arns, replica.value, null)
    }
  }

  # MRSC with two replicas and a witness: the witness holds no table, only the replication log.
  dynamic "global_table_witness" {
    for_each = each.value.class == "MRSC" && var.mrsc_witness_region != null ? [var.mrsc_witness_region] : []
    content {
      region_name = global_table_witness.value
    }
  }

  tags = merge(var.tags, { Name = each.key, Stack = var.name, "mrgc:consistency" = each.value.class })

  lifecycle {
    precondition {
      condition     = !contains(var.replica_regions, local.home_region)
      error_message = "replica_regions must not contain the provider's (home) region."
    }
    precondition {
      condition     = var.mrsc_witness_region == null || contains(var.replica_regions, coalesce(var.mrsc_witness_region, "-"))
      error_message = "mrsc_witness_region must be one of replica_regions."
    }
    precondition {
      condition     = length(var.kms_key_arns) == 0 || alltrue([for r in local.all_regions : contains(keys(var.kms_key_arns), r)])
      error_message = "kms_key_arns must be empty or name a key for the home region and both replica regions."
    }
  }
}

resource "aws_dynamodb_table" "regional" {
  for_each = local.regional

  region                      = each.value.region # provider 6.x: one provider, a resource per region
  name                        = each.value.table
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = local.regional_tables[each.value.table].hash_key.name
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = local.regional_tables[each.value.table].hash_key.name
    type = local.regional_tables[each.value.table].hash_key.type
  }

  ttl {
    attribute_name = local.regional_tables[each.value.table].ttl
    enabled        = true
  }

  # Buckets refill within a minute: nothing worth restoring, so no PITR here.
  point_in_time_recovery {
    enabled = false
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = lookup(var.kms_key_arns, each.value.region, null)
  }

  tags = merge(var.tags, { Name = each.value.table, Stack = var.name, "mrgc:consistency" = "REGIONAL" })
}
