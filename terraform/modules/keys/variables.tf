variable "name" {
  description = "Prefix of every name (key aliases: alias/<name>/tenant/<tenant id>)."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,31}$", var.name))
    error_message = "name must start with a letter and hold at most 32 letters, digits or dashes."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "tenants" {
  description = "Tenants, keyed by tenant id (the envelope's tenant and the mrgc:tenant encryption context; EnvelopeCodec.TENANT: [A-Za-z0-9][A-Za-z0-9._-]{0,63}). sdk_principal_arns: the tenant's IAM principals that may GenerateDataKey for it (the tenant SDK's role, usually in the tenant's account)."
  type = map(object({
    sdk_principal_arns = list(string)
    description        = optional(string, "")
  }))
  default = {}

  validation {
    condition     = alltrue([for id in keys(var.tenants) : can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", id)) && id != "mrgc-canary"])
    error_message = "tenant ids must match [A-Za-z0-9][A-Za-z0-9._-]{0,63} and must not be mrgc-canary (the system tenant of the canary key)."
  }

  validation {
    condition = alltrue([for t in values(var.tenants) : length(t.sdk_principal_arns) > 0 && alltrue([
    for arn in t.sdk_principal_arns : can(regex("^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:(role|user|assumed-role)/.+$", arn))])])
    error_message = "every tenant needs at least one sdk_principal_arns entry, each an IAM role or user ARN."
  }
}

variable "admin_principal_arns" {
  description = "Principals that administer the keys without any cryptographic use (docs/security.md §3 KeyAdministrationWithoutCryptoUse). Must include the principal terraform runs as, or KMS's policy lockout check refuses the policy."
  type        = list(string)

  validation {
    condition     = length(var.admin_principal_arns) > 0 && alltrue([for arn in var.admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", arn))])
    error_message = "admin_principal_arns must hold at least one IAM role or user ARN (not the account root: docs/security.md §3)."
  }
}

variable "gpu_instance_role_arn" {
  description = "ARN of the GPU instance role (module iam): the only principal that may Decrypt, and only with an attested Recipient."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.gpu_instance_role_arn))
    error_message = "gpu_instance_role_arn must be an IAM role ARN."
  }
}

variable "enclave_image_sha384" {
  description = "PCR0 (ImageSha384) of the release EIF(s), 96 hex digits each, from containers/enclave/build-eif.sh (nitro-cli Measurements). List the old and the new image during an enclave rollout."
  type        = list(string)

  validation {
    condition     = length(var.enclave_image_sha384) > 0 && alltrue([for v in var.enclave_image_sha384 : can(regex("^[0-9a-fA-F]{96}$", v))])
    error_message = "enclave_image_sha384 must hold at least one value of exactly 96 hex digits."
  }

  validation {
    condition     = alltrue([for v in var.enclave_image_sha384 : !can(regex("^0{96}$", v))])
    error_message = "an all-zero PCR0 is a debug enclave and is never allowed (docs/security.md §3 NeverDebugEnclaves)."
  }
}

variable "enclave_pcr1" {
  description = "Optional PCR1 values (kernel and boot ramdisk), 96 hex digits each; empty: not pinned."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.enclave_pcr1 : can(regex("^[0-9a-fA-F]{96}$", v)) && !can(regex("^0{96}$", v))])
    error_message = "enclave_pcr1 values must be 96 hex digits, not all zero."
  }
}

variable "enclave_pcr2" {
  description = "Optional PCR2 values (application), 96 hex digits each; empty: not pinned."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.enclave_pcr2 : can(regex("^[0-9a-fA-F]{96}$", v)) && !can(regex("^0{96}$", v))])
    error_message = "enclave_pcr2 values must be 96 hex digits, not all zero."
  }
}

variable "enclave_pcr8" {
  description = "Optional PCR8 values (the EIF signing certificate), 96 hex digits each; empty: not pinned (docs/security.md §3 suggests pinning it)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.enclave_pcr8 : can(regex("^[0-9a-fA-F]{96}$", v)) && !can(regex("^0{96}$", v))])
    error_message = "enclave_pcr8 values must be 96 hex digits, not all zero."
  }
}

variable "create_replicas" {
  description = "Whether to replicate every key (multi-Region keys) into the replica_1 and replica_2 regions, so an enclave in any region decrypts an EDK made in another (failover)."
  type        = bool
  default     = true
}

variable "deletion_window_in_days" {
  description = "Waiting period before a deleted key is gone (7 to 30 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}
