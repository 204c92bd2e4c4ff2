variable "name" {
  description = "Prefix of every name (passed to every module of the region)."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,11}$", var.name))
    error_message = "name must start with a letter and hold at most 12 letters, digits or dashes."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "region" {
  description = "The region of the aws provider this module is given."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region id such as us-east-1."
  }
}

variable "regions" {
  description = "Every region of the deployment (modules services and observability)."
  type        = list(string)
  default     = ["us-east-1", "us-east-2", "us-west-2"]

  validation {
    condition     = contains(var.regions, var.region) && length(distinct(var.regions)) == length(var.regions)
    error_message = "regions must hold this module's region and no region twice."
  }
}

variable "network" {
  description = "The region's network layer: pass the module region_network call of the same region whole (network = module.region_network_<region>)."
  type = object({
    vpc_id                         = string
    cidr                           = string
    public_subnet_cidrs            = list(string)
    private_subnet_ids             = list(string)
    model_store_subnet_ids         = list(string)
    dynamodb_prefix_list_id        = string
    s3_prefix_list_id              = string
    nlb_arn                        = string
    nlb_arn_suffix                 = string
    nlb_security_group_id          = string
    router_target_group_arn        = string
    router_target_group_arn_suffix = string
  })
}

variable "iam" {
  description = "The global roles: pass the module iam call whole (iam = module.iam)."
  type = object({
    gpu_instance_profile_name         = string
    task_execution_role_arn           = string
    router_task_role_arn              = string
    autoscaler_task_role_arn          = string
    failover_controller_task_role_arn = string
  })
}

variable "canary_key_id" {
  description = "The canary key id (module keys: multi-Region, the same id in every region)."
  type        = string
}

variable "endpoint_group_arns" {
  description = "Global Accelerator endpoint group ARN per region (module edge; module services)."
  type        = map(string)
}

variable "image" {
  description = "The MRGC image of this region, pinned by digest (module services validates @sha256:)."
  type        = string
}

variable "gpu_ami_id" {
  description = "The GPU instances' AMI in this region (module gpu_fleet)."
  type        = string

  validation {
    condition     = can(regex("^ami-[0-9a-f]{8,17}$", var.gpu_ami_id))
    error_message = "gpu_ami_id must be an AMI id (ami-...)."
  }
}

variable "gpu_instance_type" {
  description = "GPU instance type the autoscaler launches (module gpu_fleet; must support Nitro Enclaves)."
  type        = string
}

variable "eif_s3_uri" {
  description = "The enclave image file of this region (module gpu_fleet); null: the AMI carries it."
  type        = string
  default     = null
}

variable "enclave_image_sha384" {
  description = "The enclave image's PCR0 in this region (module gpu_fleet)."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{96}$", var.enclave_image_sha384)) && !can(regex("^0{96}$", var.enclave_image_sha384))
    error_message = "enclave_image_sha384 must be 96 lowercase hex digits, not all zero."
  }
}

variable "agent_auth_secret_arn" {
  description = "The agent auth secret of this region (modules gpu_fleet and services)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:${var.region}:[0-9]{12}:secret:.+$", var.agent_auth_secret_arn))
    error_message = "agent_auth_secret_arn must be a Secrets Manager secret ARN in this module's region."
  }
}

variable "router_tls_certificate_secret_arn" {
  description = "The routers' TLS certificate secret in this region (module services)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:${var.region}:[0-9]{12}:secret:.+$", var.router_tls_certificate_secret_arn))
    error_message = "router_tls_certificate_secret_arn must be a Secrets Manager secret ARN in this module's region."
  }
}

variable "router_tls_key_secret_arn" {
  description = "The routers' TLS key secret in this region (module services)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:${var.region}:[0-9]{12}:secret:.+$", var.router_tls_key_secret_arn))
    error_message = "router_tls_key_secret_arn must be a Secrets Manager secret ARN in this module's region."
  }
}

variable "privatelink_allowed_principals" {
  description = "Principals allowed to connect endpoints to the endpoint service (module privatelink allowed_principals)."
  type        = list(string)
  default     = []
}

variable "privatelink_acceptance_required" {
  description = "Endpoint connections wait for acceptance (module privatelink acceptance_required)."
  type        = bool
  default     = true
}

variable "fsx_storage_capacity_gib" {
  description = "FSx for Lustre capacity (module model_store storage_capacity; module observability's free-space alarm)."
  type        = number
  default     = 1200
}

variable "router_count" {
  description = "Router tasks in this region (module services)."
  type        = number
  default     = 3
}

variable "scaling" {
  description = "The autoscaler's scaling keys (module services scaling; unset keys take that module's defaults)."
  type = object({
    min_instances           = optional(number, 2)
    max_instances           = optional(number, 20)
    target_rps_per_instance = optional(number, 12)
  })
  default = {}
}

variable "log_retention_days" {
  description = "Retention of the tasks' and GPU instances' log groups (modules services and gpu_fleet)."
  type        = number
  default     = 30
}

variable "create_global_dashboards" {
  description = "Create the global dashboards (module observability): true in exactly one region of the deployment."
  type        = bool
  default     = false
}

variable "sns_topic_arn" {
  description = "SNS topic of this region's alarms (module observability); null: alarms without actions."
  type        = string
  default     = null
}
