variable "name" {
  description = "Prefix of every name."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,11}$", var.name))
    error_message = "name must start with a letter and hold at most 12 letters, digits or dashes (NLB and target group names, <name>-rt-<region>, are limited to 32 characters)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "region" {
  description = "The region these services serve (MRGC_REGION)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region id such as us-east-1."
  }
}

variable "regions" {
  description = "Every region of the deployment (failover controller MRGC_REGIONS)."
  type        = list(string)
  default     = ["us-east-1", "us-east-2", "us-west-2"]

  validation {
    condition     = length(var.regions) >= 2 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "regions must hold at least two AWS region ids."
  }
}

variable "vpc_id" {
  description = "The region's VPC (module network)."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "vpc_cidr" {
  description = "The VPC's CIDR (egress to the interface endpoints and to the agents on 8080)."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a CIDR block."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets of the tasks, one per AZ."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "private_subnet_ids must hold at least two subnet ids."
  }
}

variable "dynamodb_prefix_list_id" {
  description = "Prefix list of the DynamoDB gateway endpoint (module network)."
  type        = string

  validation {
    condition     = can(regex("^pl-[0-9a-f]+$", var.dynamodb_prefix_list_id))
    error_message = "dynamodb_prefix_list_id must be a prefix list id (pl-...)."
  }
}

variable "s3_prefix_list_id" {
  description = "Prefix list of the S3 gateway endpoint (module network): ECR image layers come from S3."
  type        = string

  validation {
    condition     = can(regex("^pl-[0-9a-f]+$", var.s3_prefix_list_id))
    error_message = "s3_prefix_list_id must be a prefix list id (pl-...)."
  }
}

variable "image" {
  description = "The service image (containers/Containerfile on a registry base), pinned by digest: REGISTRY/REPO@sha256:<64 hex> (a tag alone can move)."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]+@sha256:[0-9a-f]{64}$", var.image))
    error_message = "image must be pinned by digest: REPO@sha256:<64 hex digits>."
  }
}

variable "task_execution_role_arn" {
  description = "The ECS task execution role (module iam)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.task_execution_role_arn))
    error_message = "task_execution_role_arn must be an IAM role ARN."
  }
}

variable "router_task_role_arn" {
  description = "The router's task role (module iam)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.router_task_role_arn))
    error_message = "router_task_role_arn must be an IAM role ARN."
  }
}

variable "autoscaler_task_role_arn" {
  description = "The autoscaler's task role (module iam)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.autoscaler_task_role_arn))
    error_message = "autoscaler_task_role_arn must be an IAM role ARN."
  }
}

variable "failover_controller_task_role_arn" {
  description = "The failover controller's task role (module iam)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.failover_controller_task_role_arn))
    error_message = "failover_controller_task_role_arn must be an IAM role ARN."
  }
}

variable "agent_auth_secret_arn" {
  description = "Secrets Manager secret with the router<->agent HMAC keys, given to routers as MRGC_AGENT_AUTH_KEYS (the same secret the GPU instances read as MRGC_PEER_AUTH_KEYS)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.agent_auth_secret_arn))
    error_message = "agent_auth_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "router_tls_certificate_secret_arn" {
  description = "Secrets Manager secret holding the routers' PEM certificate chain (TLS passthrough: the router ends TLS, docs/tls.md way 2). The router task gets it as the secret MRGC_TLS_CERTIFICATE_PEM (tls.certificatePem)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.router_tls_certificate_secret_arn))
    error_message = "router_tls_certificate_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "router_tls_key_secret_arn" {
  description = "Secrets Manager secret holding the routers' PEM private key (unencrypted PEM). The router task gets it as the secret MRGC_TLS_KEY_PEM (tls.keyPem)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.router_tls_key_secret_arn))
    error_message = "router_tls_key_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "router_count" {
  description = "Router tasks in the region (behind its NLB)."
  type        = number
  default     = 3

  validation {
    condition     = var.router_count >= 2 && var.router_count <= 100
    error_message = "router_count must be from 2 to 100 (one router is a single point of failure)."
  }
}

variable "router_cpu" {
  description = "Fargate CPU units of a router task."
  type        = number
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.router_cpu)
    error_message = "router_cpu must be a Fargate CPU value (256, 512, 1024, 2048, 4096, 8192, 16384)."
  }
}

variable "router_memory" {
  description = "Memory (MiB) of a router task; keep body.routerBufferBytes well under it."
  type        = number
  default     = 2048

  validation {
    condition     = var.router_memory >= 512 && var.router_memory <= 122880
    error_message = "router_memory must be between 512 and 122880 MiB (and valid for router_cpu)."
  }
}

variable "control_cpu" {
  description = "Fargate CPU units of an autoscaler or failover controller task."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.control_cpu)
    error_message = "control_cpu must be 256, 512, 1024, 2048 or 4096."
  }
}

variable "control_memory" {
  description = "Memory (MiB) of an autoscaler or failover controller task."
  type        = number
  default     = 512

  validation {
    condition     = var.control_memory >= 512 && var.control_memory <= 30720
    error_message = "control_memory must be between 512 and 30720 MiB."
  }
}

variable "control_count" {
  description = "Tasks of the autoscaler and of the failover controller each (one leads by lease, the others stand by)."
  type        = number
  default     = 2

  validation {
    condition     = var.control_count >= 1 && var.control_count <= 5
    error_message = "control_count must be from 1 to 5."
  }
}

variable "listener_port" {
  description = "The router's tenant listener (TLS) port: the NLB target group's port (CONTRACT-13: 8443)."
  type        = number
  default     = 8443

  validation {
    condition     = var.listener_port >= 1024 && var.listener_port <= 65535
    error_message = "listener_port must be an unprivileged port (the image runs as uid 10001)."
  }
}

variable "admin_port" {
  description = "Admin listener port of every task (CONTRACT-13: 9100; the image's HEALTHCHECK reads http://127.0.0.1:9100/readyz)."
  type        = number
  default     = 9100

  validation {
    condition     = var.admin_port >= 1024 && var.admin_port <= 65535
    error_message = "admin_port must be an unprivileged port."
  }
}

variable "proxy_protocol_port" {
  description = "The router's PROXY v2 listener port for the PrivateLink NLB (module privatelink; CONTRACT-13: 8444); null: no such listener."
  type        = number
  default     = 8444

  validation {
    condition     = var.proxy_protocol_port == null ? true : (var.proxy_protocol_port >= 1024 && var.proxy_protocol_port <= 65535)
    error_message = "proxy_protocol_port must be an unprivileged port or null."
  }
}

variable "proxy_protocol_trusted_cidrs" {
  description = "Networks allowed to send PROXY v2 headers (the PrivateLink NLB's subnets; MRGC_PROXY_PROTOCOL_TRUSTED_CIDRS). Also the security group's source for the PROXY port."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.proxy_protocol_trusted_cidrs : can(cidrhost(c, 0))])
    error_message = "proxy_protocol_trusted_cidrs must be CIDR blocks."
  }
}

variable "shutdown_grace_seconds" {
  description = "process.shutdownGrace of every service (MRGC_PROCESS_SHUTDOWN_GRACE), seconds."
  type        = number
  default     = 20

  validation {
    condition     = var.shutdown_grace_seconds >= 1 && var.shutdown_grace_seconds <= 100
    error_message = "shutdown_grace_seconds must be from 1 to 100."
  }
}

variable "drain_delay_seconds" {
  description = "The router's lifecycle.drainDelay (MRGC_LIFECYCLE_DRAIN_DELAY), seconds: health checks see 503 this long before the listeners close."
  type        = number
  default     = 5

  validation {
    condition     = var.drain_delay_seconds >= 1 && var.drain_delay_seconds <= 60
    error_message = "drain_delay_seconds must be from 1 to 60."
  }
}

variable "stop_timeout_seconds" {
  description = "ECS stopTimeout (SIGTERM to SIGKILL): above drain delay + shutdown grace (checked by a precondition); Fargate allows at most 120."
  type        = number
  default     = 40

  validation {
    condition     = var.stop_timeout_seconds >= 2 && var.stop_timeout_seconds <= 120
    error_message = "stop_timeout_seconds must be from 2 to 120 (Fargate's limit)."
  }
}

variable "launch_template_id" {
  description = "The GPU launch template (module gpu_fleet): MRGC_FLEET_EC2_LAUNCH_TEMPLATE_ID."
  type        = string

  validation {
    condition     = can(regex("^lt-[0-9a-f]+$", var.launch_template_id))
    error_message = "launch_template_id must be a launch template id (lt-...)."
  }
}

variable "launch_template_version" {
  description = "Launch template version the autoscaler launches (MRGC_FLEET_EC2_LAUNCH_TEMPLATE_VERSION): a number, $Default or $Latest."
  type        = string
  default     = "$Default"

  validation {
    condition     = can(regex("^([0-9]+|\\$Default|\\$Latest)$", var.launch_template_version))
    error_message = "launch_template_version must be a number, $Default or $Latest."
  }
}

variable "scaling" {
  description = "The autoscaler's scaling keys: min and max instances per region, target RPS per instance (docs/config.md autoscaler scaling.*)."
  type = object({
    min_instances           = optional(number, 2)
    max_instances           = optional(number, 20)
    target_rps_per_instance = optional(number, 12)
  })
  default = {}

  validation {
    condition = (var.scaling.min_instances >= 1 && var.scaling.max_instances <= 100 &&
      var.scaling.min_instances <= var.scaling.max_instances &&
    var.scaling.target_rps_per_instance >= 10 && var.scaling.target_rps_per_instance <= 15)
    error_message = "scaling: 1 <= min_instances <= max_instances <= 100, target_rps_per_instance from 10 to 15."
  }
}

variable "endpoint_group_arns" {
  description = "Global Accelerator endpoint group ARN per region (module edge): MRGC_DIALS_ENDPOINT_GROUP_ARNS, required for every region."
  type        = map(string)

  validation {
    condition     = alltrue([for arn in values(var.endpoint_group_arns) : can(regex("^arn:aws[a-z-]*:globalaccelerator::[0-9]{12}:accelerator/[^/]+/listener/[^/]+/endpoint-group/[^/]+$", arn))])
    error_message = "endpoint_group_arns values must be endpoint group ARNs."
  }
}

variable "failover_start_delay" {
  description = "The failover controller's startDelay (MRGC_START_DELAY): lets a new deployment's first instances boot before a region is judged."
  type        = string
  default     = "10m"

  validation {
    condition     = can(regex("^[0-9]+(ms|s|m|h)$", var.failover_start_delay))
    error_message = "failover_start_delay must be a duration such as 0s, 30s or 10m."
  }
}

variable "log_retention_days" {
  description = "Retention of the services' log groups in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "container_insights" {
  description = "CloudWatch Container Insights on the cluster (\"enabled\", \"enhanced\" or \"disabled\")."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced", "disabled"], var.container_insights)
    error_message = "container_insights must be enabled, enhanced or disabled."
  }
}

variable "target_group_arn" {
  description = "The routers' tenant target group on the region's NLB (module load_balancer: router_target_group_arn); the router service registers its tasks' listener_port there."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/.+$", var.target_group_arn))
    error_message = "target_group_arn must be an ELB target group ARN."
  }
}

variable "nlb_security_group_id" {
  description = "Security group of the region's NLB (module load_balancer: security_group_id): the router tasks admit it on the tenant and admin ports, and its egress to the router tasks is added here."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.nlb_security_group_id))
    error_message = "nlb_security_group_id must be a security group id (sg-...)."
  }
}

variable "proxy_target_group_arn" {
  description = "The PrivateLink PROXY v2 target group (module privatelink: target_group_arn): the router service's second load balancer, on proxy_protocol_port; null: routers are not registered for PrivateLink."
  type        = string
  default     = null

  validation {
    condition     = var.proxy_target_group_arn == null ? true : can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/.+$", var.proxy_target_group_arn))
    error_message = "proxy_target_group_arn must be an ELB target group ARN or null."
  }
}

variable "gpu_security_group_id" {
  description = "Security group of the region's GPU instances (module gpu_fleet: security_group_id): the agent port is opened on it to the router tasks' group only, and the routers' egress to the agents goes to it."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.gpu_security_group_id))
    error_message = "gpu_security_group_id must be a security group id (sg-...)."
  }
}

variable "agent_port" {
  description = "The node agents' listener port (CONTRACT-13: 8080)."
  type        = number
  default     = 8080

  validation {
    condition     = var.agent_port >= 1024 && var.agent_port <= 65535
    error_message = "agent_port must be an unprivileged port."
  }
}
