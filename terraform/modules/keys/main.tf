# Tenant KMS keys: one customer managed key per tenant, made by for_each over var.tenants in one module call (one
# place lists every tenant, and one enclave release updates every policy at once), plus the canary key of the
# system tenant mrgc-canary (the agent's enclave.canaryKeyId).
#
# The keys are multi-Region (primary in this provider's region, replicas in replica_1 and replica_2): an EDK the
# tenant's SDK made in one region must decrypt in another after a failover, and KMS Decrypt only works in the key's
# region.
#
# Every key policy is the one docs/security.md §3 "KMS key policy for a tenant key" states:
#   "KeyAdministrationWithoutCryptoUse": Allow, the admin role, kms:Describe* ... kms:CancelKeyDeletion
#   "TenantSdkGeneratesDataKeysForItself": Allow, the tenant's SDK role, kms:GenerateDataKey,
#       StringEquals kms:EncryptionContext:mrgc:tenant = <tenant>, ForAllValues:StringEquals kms:EncryptionContextKeys = [mrgc:tenant]
#   "AttestedEnclaveOnly": Allow, the instance role, kms:Decrypt + kms:GenerateDataKey,
#       StringEqualsIgnoreCase kms:RecipientAttestation:ImageSha384 = <PCR0>, StringEquals kms:EncryptionContext:mrgc:tenant = <tenant>
#   "NeverDebugEnclaves": Deny, *, Decrypt/GenerateDataKey/GenerateDataKeyPair/GenerateRandom, ImageSha384 = 96 zeros
#   "InstanceRoleNeverWithoutRecipient": Deny, the instance role, Decrypt/GenerateDataKey/GenerateDataKeyWithoutPlaintext/
#       ReEncrypt*/Encrypt, Null kms:RecipientAttestation:ImageSha384 = true
# and, as the same section says, without the usual "Enable IAM User Permissions" (kms:* for the account root)
# statement: the key policy is the single source of truth, so an IAM policy can never re-grant use.
# Optional extra pins (§3 "Optionally also pin PCR8"): PCR1, PCR2, PCR8 when their variables are set.
#
# The canary key differs in one place, on purpose: EnclaveCanary (enclave-bridge) calls GenerateDataKey from the
# parent with the instance role and context mrgc:tenant = mrgc-canary, so for the canary key the instance role is the
# "tenant SDK" principal and the no-Recipient Deny leaves GenerateDataKey out. The canary key protects no tenant data
# (EnclaveCanary javadoc); Decrypt still needs an attested Recipient.

locals {
  canary_tenant = "mrgc-canary"
  zero_pcr      = join("", [for i in range(96) : "0"])

  keys = merge(
    { for id, t in var.tenants : id => {
      sdk_principal_arns = t.sdk_principal_arns
      description        = t.description != "" ? t.description : "MRGC tenant ${id}: data keys for its envelopes, released only to the attested enclave"
      canary             = false
    } },
    { (local.canary_tenant) = {
      sdk_principal_arns = [var.gpu_instance_role_arn]
      description        = "MRGC canary key (system tenant mrgc-canary): proves a restarted enclave decrypts; protects no tenant data"
      canary             = true
    } },
  )

  no_recipient_denied = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncrypt*"]

  pcr_pins = { for k, v in {
    "kms:RecipientAttestation:PCR1" = var.enclave_pcr1
    "kms:RecipientAttestation:PCR2" = var.enclave_pcr2
    "kms:RecipientAttestation:PCR8" = var.enclave_pcr8
  } : k => v if length(v) > 0 }
}

data "aws_iam_policy_document" "this" {
  for_each = local.keys

  policy_id = "${var.name}-tenant-${each.key}"

  statement {
    sid    = "KeyAdministrationWithoutCryptoUse"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = var.admin_principal_arns
    }
    actions = [
      "kms:Describe*", "kms:List*", "kms:Get*", "kms:Create*", "kms:Put*", "kms:Update*", "kms:Enable*",
      "kms:Disable*", "kms:Revoke*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
      "kms:CancelKeyDeletion", "kms:ReplicateKey",
    ]
    resources = ["*"]
  }

  statement {
    sid    = "TenantSdkGeneratesDataKeysForItself"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = each.value.sdk_principal_arns
    }
    actions   = ["kms:GenerateDataKey"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:mrgc:tenant"
      values   = [each.key]
    }
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "kms:EncryptionContextKeys"
      values   = ["mrgc:tenant"]
    }
  }

  statement {
    sid    = "AttestedEnclaveOnly"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = [var.gpu_instance_role_arn]
    }
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    condition {
      test     = "StringEqualsIgnoreCase"
      variable = "kms:RecipientAttestation:ImageSha384"
      values   = var.enclave_image_sha384
    }
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:mrgc:tenant"
      values   = [each.key]
    }
    dynamic "condition" {
      for_each = local.pcr_pins
      content {
        test     = "StringEqualsIgnoreCase"
        variable = condition.key
        values   = condition.value
      }
    }
  }

  statement {
    sid    = "NeverDebugEnclaves"
    effect = "Deny"
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:GenerateRandom"]
    resources = ["*"]
    condition {
      test     = "StringEqualsIgnoreCase"
      variable = "kms:RecipientAttestation:ImageSha384"
      values   = [local.zero_pcr]
    }
  }

  statement {
    sid    = "InstanceRoleNeverWithoutRecipient"
    effect = "Deny"
    principals {
      type        = "AWS"
      identifiers = [var.gpu_instance_role_arn]
    }
    actions   = each.value.canary ? [for a in local.no_recipient_denied : a if a != "kms:GenerateDataKey"] : local.no_recipient_denied
    resources = ["*"]
    condition {
      test     = "Null"
      variable = "kms:RecipientAttestation:ImageSha384"
      values   = ["true"]
    }
  }
}

resource "aws_kms_key" "this" {
  for_each = local.keys

  description              = each.value.description
  key_usage                = "ENCRYPT_DECRYPT"
  customer_master_key_spec = "SYMMETRIC_DEFAULT"
  multi_region             = true
  enable_key_rotation      = true
  deletion_window_in_days  = var.deletion_window_in_days
  policy                   = data.aws_iam_policy_document.this[each.key].json

  tags = merge(var.tags, {
    Name          = "${var.name}-tenant-${each.key}"
    "mrgc:tenant" = each.key
  })
}

resource "aws_kms_alias" "this" {
  for_each = local.keys

  name          = "alias/${var.name}/tenant/${each.key}"
  target_key_id = aws_kms_key.this[each.key].key_id
}

resource "aws_kms_replica_key" "replica_1" {
  for_each = var.create_replicas ? local.keys : {}
  provider = aws.replica_1

  description             = each.value.description
  primary_key_arn         = aws_kms_key.this[each.key].arn
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this[each.key].json

  tags = merge(var.tags, {
    Name          = "${var.name}-tenant-${each.key}"
    "mrgc:tenant" = each.key
  })
}

resource "aws_kms_alias" "replica_1" {
  for_each = var.create_replicas ? local.keys : {}
  provider = aws.replica_1

  name          = "alias/${var.name}/tenant/${each.key}"
  target_key_id = aws_kms_replica_key.replica_1[each.key].key_id
}

resource "aws_kms_replica_key" "replica_2" {
  for_each = var.create_replicas ? local.keys : {}
  provider = aws.replica_2

  description             = each.value.description
  primary_key_arn         = aws_kms_key.this[each.key].arn
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this[each.key].json

  tags = merge(var.tags, {
    Name          = "${var.name}-tenant-${each.key}"
    "mrgc:tenant" = each.key
  })
}

resource "aws_kms_alias" "replica_2" {
  for_each = var.create_replicas ? local.keys : {}
  provider = aws.replica_2

  name          = "alias/${var.name}/tenant/${each.key}"
  target_key_id = aws_kms_replica_key.replica_2[each.key].key_id
}
