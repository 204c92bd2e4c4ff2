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
  description = "The region of this NLB (names: <name>-<region>, target group <name>-rt-<region>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region id such as us-east-1."
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

variable "public_subnet_ids" {
  description = "Public subnets of the internet-facing NLB, one per AZ (module network: public_subnet_ids)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2 && alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "public_subnet_ids must hold at least two subnet ids."
  }
}

variable "listener_port" {
  description = "The NLB's tenant TCP listener port (Global Accelerator forwards here; module edge nlb_listener_port)."
  type        = number
  default     = 443

  validation {
    condition     = var.listener_port >= 1 && var.listener_port <= 65535 && var.listener_port != 8444
    error_message = "listener_port must be a TCP port other than 8444 (module privatelink's listener on the same NLB)."
  }
}

variable "ingress_cidrs" {
  description = "Sources allowed on the tenant listener (Global Accelerator with client IP preservation shows the tenants' own addresses, so the default is everyone)."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.ingress_cidrs) > 0 && alltrue([for c in var.ingress_cidrs : can(cidrhost(c, 0))])
    error_message = "ingress_cidrs must hold at least one CIDR block."
  }
}

variable "target_port" {
  description = "The router's tenant listener (TLS) port: the target group's port (CONTRACT-13: 8443)."
  type        = number
  default     = 8443

  validation {
    condition     = var.target_port >= 1024 && var.target_port <= 65535
    error_message = "target_port must be an unprivileged port (the image runs as uid 10001)."
  }
}

variable "health_check_port" {
  description = "The routers' admin port, where the target group's HTTP health check goes (CONTRACT-13: 9100)."
  type        = number
  default     = 9100

  validation {
    condition     = var.health_check_port >= 1024 && var.health_check_port <= 65535
    error_message = "health_check_port must be an unprivileged port."
  }
}

variable "health_check_path" {
  description = "The regional health path (CONTRACT-13: /healthz/region): 503 on every router of a region in FAILOVER_ACTIVE, so Global Accelerator, which follows this target group's health, moves traffic away."
  type        = string
  default     = "/healthz/region"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with /."
  }
}

variable "health_check_interval_seconds" {
  description = "Health check interval (the failover design: 10 s)."
  type        = number
  default     = 10

  validation {
    condition     = contains([10, 30], var.health_check_interval_seconds)
    error_message = "health_check_interval_seconds must be 10 or 30 (NLB target groups with HTTP checks)."
  }
}

variable "health_check_threshold" {
  description = "Healthy and unhealthy threshold (the failover design: 2 checks, so a failing region is out after about 20 s)."
  type        = number
  default     = 2

  validation {
    condition     = var.health_check_threshold >= 2 && var.health_check_threshold <= 10
    error_message = "health_check_threshold must be from 2 to 10."
  }
}

variable "deregistration_delay_seconds" {
  description = "Deregistration delay: connections of a stopping router get this long before ECS sends SIGTERM."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600
    error_message = "deregistration_delay_seconds must be from 0 to 3600."
  }
}

variable "cross_zone" {
  description = "Cross-zone load balancing (routers in every AZ take an equal share)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "NLB deletion protection (turn it off, apply, then destroy: docs/deploy.md tear-down)."
  type        = bool
  default     = true
}
