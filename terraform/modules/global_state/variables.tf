variable "name" {
  description = "Stack name, set as the Stack tag. Table names are fixed by the code (io.mrgc.state.Tables) and are not prefixed."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.name))
    error_message = "name must be 1-31 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "replica_regions" {
  description = "The two regions besides the provider's (home) region that hold replicas of every global table, e.g. [\"us-east-2\", \"us-west-2\"] with a us-east-1 provider. MRSC (routing_state, autoscaling_state) needs exactly three regions of one region set (us-east-1, us-east-2, us-west-2), or two and a witness."
  type        = list(string)

  validation {
    condition     = length(var.replica_regions) == 2 && length(distinct(var.replica_regions)) == 2
    error_message = "replica_regions must be exactly two distinct regions."
  }

  validation {
    condition     = alltrue([for r in var.replica_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "replica_regions must be region names such as us-east-2."
  }
}

variable "mrsc_witness_region" {
  description = "null (default): the MRSC tables get full replicas in both replica_regions (three replicas). A region of replica_regions: the MRSC tables get a full replica in the other replica region and a witness here instead (two replicas and a witness); MREC tables are not affected."
  type        = string
  default     = null

  validation {
    condition     = var.mrsc_witness_region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.mrsc_witness_region))
    error_message = "mrsc_witness_region must be null or a region name such as us-west-2."
  }
}

variable "deletion_protection" {
  description = "Deletion protection on every table and replica (set false only to tear an environment down)."
  type        = bool
  default     = true
}

variable "point_in_time_recovery" {
  description = "Point-in-time recovery on every table and replica."
  type        = bool
  default     = true
}

variable "kms_key_arns" {
  description = "Customer managed KMS keys for server-side encryption, region => key ARN, for the home region and both replica regions; empty (default) = the AWS managed key aws/dynamodb in each region. Encryption at rest is on either way."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for r, arn in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "kms_key_arns values must be KMS key ARNs."
  }
}

variable "create_regional_tables" {
  description = "Create the regional rate_limits table (never replicated) in the home region and in each replica region, through the provider's per-resource region argument."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every table (and propagated to replicas)."
  type        = map(string)
  default     = {}
}
