################################################################################
# The model store: FSx for Lustre (PERSISTENT_2) linked to an S3 prefix. Operators upload models to S3; auto
# import brings new, changed and deleted objects into the file system; the GPU instances mount it at
# /fsx/models, the agent's modelRoot.
################################################################################

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  create_bucket = var.s3_bucket_name == null
  bucket        = local.create_bucket ? aws_s3_bucket.this[0].bucket : var.s3_bucket_name
  bucket_name   = "${var.name}-models-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.region}"

  lustre_ports = { lnet = [988, 988], lustre = [1018, 1023] }

  # Keyed by list position, not by id: the ids usually come from resources not yet created at plan time.
  client_rules = merge([
    for i, sg in var.client_security_group_ids : {
      for port_name, ports in local.lustre_ports : "client${i}/${port_name}" => { sg = sg, ports = ports }
    }
  ]...)

  model_root = var.file_system_path == "/" ? var.mount_point : "${var.mount_point}${trimsuffix(var.file_system_path, "/")}"
}

################################################################################
# S3 bucket (optional)
################################################################################

resource "aws_s3_bucket" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = local.bucket_name

  tags = merge(var.tags, { Name = local.bucket_name })
}

resource "aws_s3_bucket_versioning" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  versioning_configuration {
    status = "Enabled" # an overwritten or deleted model can be recovered
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    # SSE-S3: FSx's service-linked role reads it without a key policy grant.
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = local.create_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

################################################################################
# Security group: Lustre (TCP 988 and 1018-1023) from the clients and between the file system's own servers.
################################################################################

resource "aws_security_group" "this" {
  name        = "${var.name}-model-store"
  description = "FSx for Lustre model store: Lustre from the GPU instances and between file servers"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-model-store" })
}

resource "aws_vpc_security_group_ingress_rule" "self" {
  for_each = local.lustre_ports

  security_group_id            = aws_security_group.this.id
  description                  = "Lustre between file servers (${each.key})"
  ip_protocol                  = "tcp"
  from_port                    = each.value[0]
  to_port                      = each.value[1]
  referenced_security_group_id = aws_security_group.this.id

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "self" {
  for_each = local.lustre_ports

  security_group_id            = aws_security_group.this.id
  description                  = "Lustre between file servers (${each.key})"
  ip_protocol                  = "tcp"
  from_port                    = each.value[0]
  to_port                      = each.value[1]
  referenced_security_group_id = aws_security_group.this.id

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each = local.client_rules

  security_group_id            = aws_security_group.this.id
  description                  = "Lustre from the GPU instances"
  ip_protocol                  = "tcp"
  from_port                    = each.value.ports[0]
  to_port                      = each.value.ports[1]
  referenced_security_group_id = each.value.sg

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "clients" {
  for_each = var.add_client_egress_rules ? local.client_rules : {}

  security_group_id            = each.value.sg
  description                  = "Lustre to the model store"
  ip_protocol                  = "tcp"
  from_port                    = each.value.ports[0]
  to_port                      = each.value.ports[1]
  referenced_security_group_id = aws_security_group.this.id

  tags = var.tags
}

################################################################################
# File system and data repository association
################################################################################

resource "aws_fsx_lustre_file_system" "this" {
  deployment_type                 = "PERSISTENT_2"
  storage_type                    = "SSD"
  storage_capacity                = var.storage_capacity
  per_unit_storage_throughput     = var.per_unit_storage_throughput
  file_system_type_version        = var.file_system_type_version
  subnet_ids                      = [var.subnet_id]
  security_group_ids              = [aws_security_group.this.id]
  kms_key_id                      = var.kms_key_arn
  automatic_backup_retention_days = var.automatic_backup_retention_days
  copy_tags_to_backups            = true
  data_compression_type           = "NONE" # model weights barely compress; LZ4 would only cost CPU

  log_configuration {
    level = var.log_level
  }

  tags = merge(var.tags, { Name = "${var.name}-model-store" })
}

resource "aws_fsx_data_repository_association" "this" {
  file_system_id                   = aws_fsx_lustre_file_system.this.id
  data_repository_path             = "s3://${local.bucket}/${var.s3_prefix}"
  file_system_path                 = var.file_system_path
  batch_import_meta_data_on_create = true  # models already in the bucket are visible at once
  delete_data_in_filesystem        = false # S3 is the source of truth; the cache is disposable

  s3 {
    auto_import_policy {
      events = ["NEW", "CHANGED", "DELETED"]
    }
    # No auto export: instances mount read-only and never write models back.
  }

  tags = merge(var.tags, { Name = "${var.name}-models" })

  # The bucket's encryption and public access block are in place before FSx starts reading it.
  depends_on = [
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_s3_bucket_public_access_block.this,
  ]
}
