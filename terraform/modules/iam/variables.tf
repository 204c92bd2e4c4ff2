variable "name" {
  description = "Prefix of every IAM name this module creates."
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

variable "regions" {
  description = "Regions of the deployment: the EC2 actions of the autoscaler are limited to them (aws:RequestedRegion)."
  type        = list(string)
  default     = ["us-east-1", "us-east-2", "us-west-2"]

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "regions must be AWS region ids such as us-east-1."
  }
}

variable "table_arns" {
  description = "ARNs of the DynamoDB tables, keyed by the table's name (Tables.ALL and rate_limits): every region's replica of each table. Index ARNs are derived (<arn>/index/*)."
  type        = map(list(string))

  validation {
    condition = alltrue([for k in keys(var.table_arns) : contains(
    ["gpu_instances", "routing_state", "autoscaling_state", "metrics", "cleanup_validation", "tenants", "models", "rate_limits"], k)])
    error_message = "table_arns keys must be table names of docs/state.md: gpu_instances, routing_state, autoscaling_state, metrics, cleanup_validation, tenants, models, rate_limits."
  }

  validation {
    condition = alltrue([for t in ["gpu_instances", "routing_state", "autoscaling_state", "metrics", "cleanup_validation", "tenants", "models", "rate_limits"] :
    contains(keys(var.table_arns), t) && length(lookup(var.table_arns, t, [])) > 0])
    error_message = "table_arns needs at least one ARN for each of the eight tables (docs/state.md)."
  }

  validation {
    condition     = alltrue([for arn in flatten(values(var.table_arns)) : can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", arn))])
    error_message = "every table ARN must look like arn:aws:dynamodb:REGION:ACCOUNT:table/NAME."
  }
}

variable "tenant_key_arns" {
  description = "ARNs of the tenant KMS keys (module keys): the GPU instance role may Decrypt with them only with an attested Recipient (the key policies are what grant it)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.tenant_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-z0-9-]+$", arn))])
    error_message = "tenant_key_arns must be KMS key ARNs (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "canary_key_arns" {
  description = "ARNs of the canary KMS key(s) of the system tenant mrgc-canary (agent enclave.canaryKeyId), one per region: the agent calls GenerateDataKey on it from the parent. Empty (default) together with tenant_key_arns: the keys are matched by their mrgc:tenant tag (module keys tags every key; the canary key mrgc:tenant = mrgc-canary), so this module needs nothing from module keys, which needs this module's GPU instance role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.canary_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-z0-9-]+$", arn))])
    error_message = "canary_key_arns must be KMS key ARNs."
  }
}

variable "launch_template_arns" {
  description = "ARNs of the GPU launch templates the autoscaler may launch from. Empty (default): every launch template in the regions tagged mrgc:role = gpu-launch-template (module gpu_fleet tags its template so), which needs no output of gpu_fleet (gpu_fleet needs this module's instance profile)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.launch_template_arns : can(regex("^arn:aws[a-z-]*:ec2:[a-z0-9-]+:[0-9]{12}:launch-template/lt-[0-9a-f]+$", arn))])
    error_message = "launch_template_arns must be launch template ARNs (arn:aws:ec2:REGION:ACCOUNT:launch-template/lt-...)."
  }
}

variable "endpoint_group_arns" {
  description = "ARNs of the Global Accelerator endpoint groups (module edge, one per region) whose traffic dials the failover controller sets."
  type        = list(string)

  validation {
    condition     = length(var.endpoint_group_arns) > 0 && alltrue([for arn in var.endpoint_group_arns : can(regex("^arn:aws[a-z-]*:globalaccelerator::[0-9]{12}:accelerator/[^/]+/listener/[^/]+/endpoint-group/[^/]+$", arn))])
    error_message = "endpoint_group_arns must be endpoint group ARNs (arn:aws:globalaccelerator::ACCOUNT:accelerator/ID/listener/ID/endpoint-group/ID)."
  }
}

variable "ecr_repository_arns" {
  description = "ARNs of the ECR repositories holding the service image (the task execution role pulls from them only)."
  type        = list(string)

  validation {
    condition     = length(var.ecr_repository_arns) > 0 && alltrue([for arn in var.ecr_repository_arns : can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/.+$", arn))])
    error_message = "ecr_repository_arns must be ECR repository ARNs."
  }
}

variable "task_log_group_arns" {
  description = "ARNs of the CloudWatch log groups of the ECS tasks (every region), without the trailing :*. Empty (default): built from module services' names, /<name>/<region>/{router,autoscaler,failover-controller} in every region of regions (no module cycle: services needs this module's roles)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.task_log_group_arns : can(regex("^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[^:*]+$", arn))])
    error_message = "task_log_group_arns must be log group ARNs without a trailing :*."
  }
}

variable "instance_log_group_arns" {
  description = "ARNs of the CloudWatch log groups the GPU instances' CloudWatch agent writes (agent stdout with its EMF lines, enclave console), without the trailing :*. Empty (default): built from module gpu_fleet's default name, /<name>/<region>/gpu-instances in every region of regions."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.instance_log_group_arns : can(regex("^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[^:*]+$", arn))])
    error_message = "instance_log_group_arns must be log group ARNs without a trailing :*."
  }
}

variable "agent_auth_secret_arns" {
  description = "ARNs of the Secrets Manager secrets holding the router<->agent HMAC keys (one per region): routers get them as MRGC_AGENT_AUTH_KEYS through the task execution role, GPU instances read them as MRGC_PEER_AUTH_KEYS in user data."
  type        = list(string)

  validation {
    condition     = length(var.agent_auth_secret_arns) > 0 && alltrue([for arn in var.agent_auth_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", arn))])
    error_message = "agent_auth_secret_arns must be Secrets Manager secret ARNs."
  }
}

variable "gpu_metrics_enabled" {
  description = "Whether the GPU instance role may put the CloudWatch agent's nvidia_smi metrics (namespace CWAgent only): the GPU temperature alarm needs them, the services emit no GPU temperature."
  type        = bool
  default     = true
}

variable "cwagent_namespace" {
  description = "CloudWatch namespace the GPU instances' CloudWatch agent writes nvidia_smi metrics to."
  type        = string
  default     = "CWAgent"

  validation {
    condition     = length(var.cwagent_namespace) > 0 && var.cwagent_namespace != "MRGC"
    error_message = "cwagent_namespace must be set and must not be MRGC (the services' EMF namespace)."
  }
}

variable "router_tls_secret_arns" {
  description = "Secrets Manager secrets of the routers' TLS certificate chain and key (module services: router_tls_certificate_secret_arn, router_tls_key_secret_arn), every region: the task execution role reads them into the router task's secrets MRGC_TLS_CERTIFICATE_PEM and MRGC_TLS_KEY_PEM."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.router_tls_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", arn))])
    error_message = "router_tls_secret_arns must be Secrets Manager secret ARNs."
  }
}

variable "eif_object_arns" {
  description = "S3 object ARNs of the release EIF(s) (module gpu_fleet eif_s3_uri): the GPU instances download them at boot. Empty: the AMI holds the EIF and the role has no S3 access."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.eif_object_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+/.+\\.eif$", arn))])
    error_message = "eif_object_arns must be S3 object ARNs of .eif files (arn:aws:s3:::BUCKET/KEY.eif)."
  }
}
