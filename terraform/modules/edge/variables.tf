variable "name" {
  description = "Name of the accelerator (and prefix of anything else named)."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,62}$", var.name))
    error_message = "name must be 1-63 letters, digits or hyphens, starting with a letter or digit (Global Accelerator's rule)."
  }
}

variable "endpoints" {
  description = "One endpoint group per region: region => ARN of that region's internet-facing router NLB (its tenant listener on nlb_listener_port)."
  type        = map(string)

  validation {
    condition     = length(var.endpoints) >= 1
    error_message = "endpoints must name at least one region."
  }

  validation {
    condition = alltrue([
      for region, arn in var.endpoints :
      can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:loadbalancer/net/.+$", arn)) && try(split(":", arn)[3] == region, false)
    ])
    error_message = "each endpoint must be a Network Load Balancer ARN in the region it is keyed by."
  }
}

variable "listener_port" {
  description = "TCP port tenants connect to on the two anycast IPs (https://<anycast ip>/ with the default)."
  type        = number
  default     = 443

  validation {
    condition     = var.listener_port >= 1 && var.listener_port <= 65535 && floor(var.listener_port) == var.listener_port
    error_message = "listener_port must be an integer from 1 to 65535."
  }
}

variable "nlb_listener_port" {
  description = "Port of the NLBs' tenant listener (which forwards to the routers' tenant port 8443). When it differs from listener_port, the endpoint groups carry a port override."
  type        = number
  default     = 443

  validation {
    condition     = var.nlb_listener_port >= 1 && var.nlb_listener_port <= 65535 && floor(var.nlb_listener_port) == var.nlb_listener_port
    error_message = "nlb_listener_port must be an integer from 1 to 65535."
  }
}

variable "client_affinity" {
  description = "NONE (default): every new connection is placed on its own; requests are self-contained encrypted envelopes and routers keep no session, so nothing needs stickiness and the SDK's retries may land in another region. SOURCE_IP pins a client to an endpoint."
  type        = string
  default     = "NONE"

  validation {
    condition     = contains(["NONE", "SOURCE_IP"], var.client_affinity)
    error_message = "client_affinity must be NONE or SOURCE_IP."
  }
}

variable "health_check_protocol" {
  description = "Protocol of the regional health check. Note: for NLB endpoints Global Accelerator uses the NLB target group's health check; these settings are kept equal to it (see health_check output)."
  type        = string
  default     = "HTTP"

  validation {
    condition     = contains(["TCP", "HTTP", "HTTPS"], var.health_check_protocol)
    error_message = "health_check_protocol must be TCP, HTTP or HTTPS."
  }
}

variable "health_check_port" {
  description = "Port of the routers' regional health path: the admin port 9100."
  type        = number
  default     = 9100

  validation {
    condition     = var.health_check_port >= 1 && var.health_check_port <= 65535 && floor(var.health_check_port) == var.health_check_port
    error_message = "health_check_port must be an integer from 1 to 65535."
  }
}

variable "health_check_path" {
  description = "The routers' regional health path: 503 while the region cannot serve or is FAILOVER_ACTIVE, so health checks move traffic without the GA control plane."
  type        = string
  default     = "/healthz/region"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with /."
  }
}

variable "health_check_interval_seconds" {
  description = "Seconds between health checks: 10 (GA's fastest; the failover design's 2 x 10 s = about 20 s to take a region out, measured p95 18 s in docs/benchmarks.md) or 30."
  type        = number
  default     = 10

  validation {
    condition     = contains([10, 30], var.health_check_interval_seconds)
    error_message = "health_check_interval_seconds must be 10 or 30 (Global Accelerator's only values)."
  }
}

variable "health_check_threshold_count" {
  description = "Consecutive failed (or passing) checks that take a region out (or back): 2, as the failover design assumes."
  type        = number
  default     = 2

  validation {
    condition     = var.health_check_threshold_count >= 1 && var.health_check_threshold_count <= 10 && floor(var.health_check_threshold_count) == var.health_check_threshold_count
    error_message = "health_check_threshold_count must be an integer from 1 to 10."
  }
}

variable "endpoint_weight" {
  description = "Weight of each region's NLB in its endpoint group (one endpoint per group, so only its 0 = no traffic matters)."
  type        = number
  default     = 128

  validation {
    condition     = var.endpoint_weight >= 0 && var.endpoint_weight <= 255 && floor(var.endpoint_weight) == var.endpoint_weight
    error_message = "endpoint_weight must be an integer from 0 to 255."
  }
}

variable "client_ip_preservation_enabled" {
  description = "Preserve the tenant's source address through to the NLB (per-source limits on failed authentications depend on it, docs/security.md). Needs an NLB that supports it (one with security groups)."
  type        = bool
  default     = true
}

variable "flow_logs_s3_bucket" {
  description = "S3 bucket for Global Accelerator flow logs; null (default) = no flow logs."
  type        = string
  default     = null

  validation {
    condition     = var.flow_logs_s3_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.flow_logs_s3_bucket))
    error_message = "flow_logs_s3_bucket must be null or an S3 bucket name."
  }
}

variable "flow_logs_s3_prefix" {
  description = "Key prefix of the flow logs in flow_logs_s3_bucket."
  type        = string
  default     = "global-accelerator/"
}

variable "tags" {
  description = "Tags added to the accelerator."
  type        = map(string)
  default     = {}
}
