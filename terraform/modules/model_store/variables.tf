variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.name))
    error_message = "name must be 1-21 lower-case letters, digits or hyphens, starting with a letter (it prefixes the bucket name)."
  }
}

variable "vpc_id" {
  description = "VPC of the file system and the GPU instances."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_id" {
  description = "The model-store subnet the file system lives in (PERSISTENT_2 is single-AZ: pick the AZ most GPU instances run in; others read across AZs)."
  type        = string

  validation {
    condition     = can(regex("^subnet-[0-9a-f]+$", var.subnet_id))
    error_message = "subnet_id must be a subnet id (subnet-...)."
  }
}

variable "client_security_group_ids" {
  description = "Security groups of the Lustre clients (the GPU instances): allowed in on TCP 988 and 1018-1023. Empty (default): the clients' module adds the ingress rules itself on security_group_id (module gpu_fleet does, which avoids a module cycle: gpu_fleet needs this module's DNS and mount names)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.client_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "client_security_group_ids must be security group ids (sg-...)."
  }
}

variable "add_client_egress_rules" {
  description = "Also add egress rules (TCP 988, 1018-1023 to the file system) to each client security group. Set false when the GPU fleet's security group already allows that egress."
  type        = bool
  default     = true
}

variable "storage_capacity" {
  description = "Storage in GiB. PERSISTENT_2 SSD takes 1200 GiB or a multiple of 2400 GiB; 1200 (1.2 TiB) is the seed's default."
  type        = number
  default     = 1200

  validation {
    condition     = var.storage_capacity == 1200 || (var.storage_capacity >= 2400 && var.storage_capacity % 2400 == 0)
    error_message = "storage_capacity must be 1200 or a multiple of 2400 (GiB) for PERSISTENT_2 SSD."
  }
}

variable "per_unit_storage_throughput" {
  description = "MB/s per TiB of storage: 125, 250, 500 or 1000. 250 at 1.2 TiB gives 300 MB/s, about 50 s to read a 14 GB model cold (the model-load alarm fires at 60 s)."
  type        = number
  default     = 250

  validation {
    condition     = contains([125, 250, 500, 1000], var.per_unit_storage_throughput)
    error_message = "per_unit_storage_throughput must be 125, 250, 500 or 1000 for PERSISTENT_2."
  }
}

variable "file_system_type_version" {
  description = "Lustre version of the file system."
  type        = string
  default     = "2.15"

  validation {
    condition     = contains(["2.10", "2.12", "2.15"], var.file_system_type_version)
    error_message = "file_system_type_version must be 2.10, 2.12 or 2.15."
  }
}

variable "kms_key_arn" {
  description = "KMS key for the file system's encryption at rest; null = the AWS managed key (FSx always encrypts)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN."
  }
}

variable "automatic_backup_retention_days" {
  description = "Days of automatic backups; 0 (default) = none: every model is in the S3 bucket, which is the source of truth."
  type        = number
  default     = 0

  validation {
    condition     = var.automatic_backup_retention_days >= 0 && var.automatic_backup_retention_days <= 90
    error_message = "automatic_backup_retention_days must be from 0 to 90."
  }
}

variable "s3_bucket_name" {
  description = "Existing S3 bucket holding the models; null (default) = create <name>-models-<account>-<region> with versioning, encryption and all public access blocked."
  type        = string
  default     = null

  validation {
    condition     = var.s3_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.s3_bucket_name))
    error_message = "s3_bucket_name must be null or an S3 bucket name."
  }
}

variable "s3_prefix" {
  description = "Prefix in the bucket linked to the file system (ends with /). Layout under it is the model store's (docs/state.md, models): <name>@<version>/ per published version, a Triton model directory."
  type        = string
  default     = "models/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)*$", var.s3_prefix))
    error_message = "s3_prefix must be empty or path segments each ending with / (e.g. models/)."
  }
}

variable "file_system_path" {
  description = "Directory of the file system the bucket prefix is linked to. / (default) makes the mount point itself the model root."
  type        = string
  default     = "/"

  validation {
    condition     = startswith(var.file_system_path, "/")
    error_message = "file_system_path must start with /."
  }
}

variable "mount_point" {
  description = "Where the GPU instances mount the file system; with file_system_path / it is the agent's modelRoot (MRGC_MODEL_ROOT)."
  type        = string
  default     = "/fsx/models"

  validation {
    condition     = can(regex("^/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$", var.mount_point))
    error_message = "mount_point must be an absolute path without a trailing slash."
  }
}

variable "mount_options" {
  description = "Lustre mount options on the GPU instances. Read-only by default: the agent only reads models, and an instance serving one tenant must not be able to change what the next one loads."
  type        = string
  default     = "ro,relatime"

  validation {
    condition     = can(regex("^[a-z0-9_=,.-]+$", var.mount_options))
    error_message = "mount_options must be a comma-separated option list."
  }
}

variable "log_level" {
  description = "FSx for Lustre logging of data repository events to CloudWatch Logs: DISABLED, WARN_ONLY, ERROR_ONLY or WARN_ERROR."
  type        = string
  default     = "WARN_ERROR"

  validation {
    condition     = contains(["DISABLED", "WARN_ONLY", "ERROR_ONLY", "WARN_ERROR"], var.log_level)
    error_message = "log_level must be DISABLED, WARN_ONLY, ERROR_ONLY or WARN_ERROR."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
