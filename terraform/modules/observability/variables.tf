variable "name" {
  description = "Prefix of every dashboard and alarm name."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,31}$", var.name))
    error_message = "name must start with a letter and hold at most 32 letters, digits or dashes."
  }
}

variable "tags" {
  description = "Tags added to every alarm."
  type        = map(string)
  default     = {}
}

variable "region" {
  description = "The region this module call deploys to (its CloudWatch holds this region's EMF metrics, and this region's failover controllers' view of every region)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region id such as us-east-1."
  }
}

variable "regions" {
  description = "Every region of the deployment (observed by the failover controllers; receiving regions of the replicated tables)."
  type        = list(string)
  default     = ["us-east-1", "us-east-2", "us-west-2"]

  validation {
    condition     = length(var.regions) >= 1 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "regions must be AWS region ids."
  }
}

variable "sns_topic_arn" {
  description = "SNS topic notified when an alarm fires and when it clears; null: alarms without actions."
  type        = string
  default     = null

  validation {
    condition     = var.sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.sns_topic_arn))
    error_message = "sns_topic_arn must be an SNS topic ARN or null."
  }
}

variable "create_global_dashboards" {
  description = "Whether this call also creates the global overview and security dashboards (true in exactly one region; they show every region's metrics)."
  type        = bool
  default     = false
}

variable "replicated_tables" {
  description = "MREC global tables whose ReplicationLatency is alarmed (MRSC tables replicate synchronously)."
  type        = list(string)
  default     = ["gpu_instances", "metrics", "cleanup_validation", "tenants"]

  validation {
    condition     = alltrue([for t in var.replicated_tables : contains(["gpu_instances", "metrics", "cleanup_validation", "tenants"], t)])
    error_message = "replicated_tables must be MREC tables of docs/state.md: gpu_instances, metrics, cleanup_validation, tenants."
  }
}

variable "replication_latency_threshold_ms" {
  description = "DynamoDB ReplicationLatency alarm threshold in milliseconds (the seed: 5 s)."
  type        = number
  default     = 5000

  validation {
    condition     = var.replication_latency_threshold_ms > 0
    error_message = "replication_latency_threshold_ms must be positive."
  }
}

variable "fsx_file_system_id" {
  description = "The region's FSx for Lustre file system (module model_store); null: no FSx alarm."
  type        = string
  default     = null

  validation {
    condition     = var.fsx_file_system_id == null || can(regex("^fs-[0-9a-f]+$", var.fsx_file_system_id))
    error_message = "fsx_file_system_id must be an FSx file system id (fs-...) or null."
  }
}

variable "fsx_storage_capacity_gib" {
  description = "Storage capacity of that file system in GiB (the free-capacity percentage's denominator)."
  type        = number
  default     = 1200

  validation {
    condition     = var.fsx_storage_capacity_gib >= 1200
    error_message = "fsx_storage_capacity_gib must be at least 1200 (the smallest PERSISTENT_2 file system)."
  }
}

variable "fsx_free_percent_threshold" {
  description = "FSx free capacity alarm threshold in percent (the seed: 15)."
  type        = number
  default     = 15

  validation {
    condition     = var.fsx_free_percent_threshold > 0 && var.fsx_free_percent_threshold < 100
    error_message = "fsx_free_percent_threshold must be between 0 and 100."
  }
}

variable "wash_failures_threshold" {
  description = "Car wash failures (Wash.failed + Wash.timed_out) in the region per 5 minutes above which the alarm fires. An alarm cannot take the 5 % ratio (see README); the per-region dashboard shows the ratio."
  type        = number
  default     = 2

  validation {
    condition     = var.wash_failures_threshold >= 0
    error_message = "wash_failures_threshold must be 0 or more."
  }
}

variable "instance_health_threshold" {
  description = "AgentHealth (0..100) below which an instance alarms (the seed: 50)."
  type        = number
  default     = 50

  validation {
    condition     = var.instance_health_threshold > 0 && var.instance_health_threshold <= 100
    error_message = "instance_health_threshold must be from 1 to 100."
  }
}

variable "gpu_temperature_threshold_c" {
  description = "GPU temperature alarm threshold in degrees C (the seed: 80): on the CloudWatch agent's nvidia_smi_temperature_gpu (module gpu_fleet gpu_metrics_enabled)."
  type        = number
  default     = 80

  validation {
    condition     = var.gpu_temperature_threshold_c > 0 && var.gpu_temperature_threshold_c < 120
    error_message = "gpu_temperature_threshold_c must be between 0 and 120."
  }
}

variable "gpu_metrics_enabled" {
  description = "Whether the GPU instances publish nvidia_smi metrics (module gpu_fleet): without them, no GPU temperature alarm."
  type        = bool
  default     = true
}

variable "cwagent_namespace" {
  description = "Namespace of the CloudWatch agent's GPU metrics."
  type        = string
  default     = "CWAgent"

  validation {
    condition     = length(var.cwagent_namespace) > 0
    error_message = "cwagent_namespace must be set."
  }
}

variable "request_latency_threshold_ms" {
  description = "Router request p95 (RouterRequestDuration.P95, ms, the highest router task's) above which the latency alarm fires: the seed's p95 > 1 s."
  type        = number
  default     = 1000

  validation {
    condition     = var.request_latency_threshold_ms > 0
    error_message = "request_latency_threshold_ms must be positive."
  }
}

variable "model_load_threshold_ms" {
  description = "AgentModelLoad.Max (ms) above which the model-load alarm fires: the seed's 60 s."
  type        = number
  default     = 60000

  validation {
    condition     = var.model_load_threshold_ms > 0
    error_message = "model_load_threshold_ms must be positive."
  }
}

variable "nlb_arn_suffix" {
  description = "ARN suffix of the region's NLB (module load_balancer), for the dashboard; null: no NLB widgets."
  type        = string
  default     = null
}

variable "router_target_group_arn_suffix" {
  description = "ARN suffix of the routers' target group (module load_balancer), for the dashboard and the no-healthy-router alarm; null: neither."
  type        = string
  default     = null
}
