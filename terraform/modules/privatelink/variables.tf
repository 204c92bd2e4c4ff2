variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,17}$", var.name))
    error_message = "name must be 1-18 lower-case letters, digits or hyphens (target group names are at most 32 characters)."
  }
}

variable "nlb_arn" {
  description = "ARN of the region's router NLB that the endpoint service fronts."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:loadbalancer/net/.+$", var.nlb_arn))
    error_message = "nlb_arn must be a Network Load Balancer ARN."
  }
}

variable "vpc_id" {
  description = "VPC of the router tasks (the target group's VPC)."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "nlb_subnet_cidrs" {
  description = "CIDR blocks of the subnets the NLB has its nodes in. Traffic through PrivateLink reaches the routers from the NLB's private addresses, so these are the networks the routers' PROXY listener trusts (proxyProtocol.trustedCidrs)."
  type        = list(string)

  validation {
    condition     = length(var.nlb_subnet_cidrs) >= 1 && alltrue([for c in var.nlb_subnet_cidrs : can(cidrhost(c, 0)) && can(regex("^[0-9.]+/[0-9]+$", c))])
    error_message = "nlb_subnet_cidrs must be one or more IPv4 CIDR blocks."
  }
}

variable "listener_port" {
  description = "Port of the NLB listener PrivateLink tenants connect to (https://<endpoint DNS>:<port>/). It must not collide with the NLB's tenant listener (443, the Global Accelerator path) when both share one NLB."
  type        = number
  default     = 8444

  validation {
    condition     = var.listener_port >= 1 && var.listener_port <= 65535 && floor(var.listener_port) == var.listener_port
    error_message = "listener_port must be an integer from 1 to 65535."
  }
}

variable "proxy_protocol_port" {
  description = "The routers' PROXY protocol v2 listener port (proxyProtocol.port): the target group's port."
  type        = number
  default     = 8444

  validation {
    condition     = var.proxy_protocol_port >= 1 && var.proxy_protocol_port <= 65535 && floor(var.proxy_protocol_port) == var.proxy_protocol_port
    error_message = "proxy_protocol_port must be an integer from 1 to 65535."
  }
}

variable "health_check_port" {
  description = "The routers' admin port (9100)."
  type        = number
  default     = 9100

  validation {
    condition     = var.health_check_port >= 1 && var.health_check_port <= 65535 && floor(var.health_check_port) == var.health_check_port
    error_message = "health_check_port must be an integer from 1 to 65535."
  }
}

variable "health_check_path" {
  description = "Per-router health path on the admin port. /readyz (default): a PrivateLink endpoint is bound to this region, there is no other region to move to, so only this router's readiness (started, has a snapshot, not draining) matters."
  type        = string
  default     = "/readyz"

  validation {
    condition     = contains(["/readyz", "/livez", "/healthz", "/healthz/region"], var.health_check_path)
    error_message = "health_check_path must be one of the router's admin paths: /readyz, /livez, /healthz, /healthz/region."
  }
}

variable "health_check_interval_seconds" {
  description = "Seconds between the target group's health checks."
  type        = number
  default     = 10

  validation {
    condition     = var.health_check_interval_seconds >= 5 && var.health_check_interval_seconds <= 300
    error_message = "health_check_interval_seconds must be from 5 to 300."
  }
}

variable "health_check_threshold_count" {
  description = "Consecutive checks that mark a router healthy or unhealthy."
  type        = number
  default     = 2

  validation {
    condition     = var.health_check_threshold_count >= 2 && var.health_check_threshold_count <= 10
    error_message = "health_check_threshold_count must be from 2 to 10."
  }
}

variable "deregistration_delay_seconds" {
  description = "Seconds a draining router keeps its PrivateLink connections before the NLB drops it (the router waits for this before its SIGTERM drain, docs/services.md)."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600
    error_message = "deregistration_delay_seconds must be from 0 to 3600."
  }
}

variable "acceptance_required" {
  description = "Each tenant's endpoint connection waits for our acceptance (the tenant is then added with its vpce id in tenants.vpc_endpoint_ids)."
  type        = bool
  default     = true
}

variable "allowed_principals" {
  description = "ARNs of the principals (tenant accounts' roots or roles) allowed to create endpoints to the service."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.allowed_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", p))])
    error_message = "allowed_principals must be IAM ARNs (arn:aws:iam::<account>:root, :role/..., or :user/...); a wildcard is not allowed."
  }
}

variable "private_dns_name" {
  description = "Private DNS name for the service (needs domain verification); null = none."
  type        = string
  default     = null
}

variable "add_router_ingress_rules" {
  description = "Add ingress rules on the PROXY and health ports from nlb_subnet_cidrs to router_security_group_id. false (default) = the services module opens the router tasks itself."
  type        = bool
  default     = false
}

variable "router_security_group_id" {
  description = "Security group of the router tasks (used when add_router_ingress_rules is true)."
  type        = string
  default     = null

  validation {
    condition     = var.router_security_group_id == null || can(regex("^sg-[0-9a-f]+$", var.router_security_group_id))
    error_message = "router_security_group_id must be null or a security group id (sg-...)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
