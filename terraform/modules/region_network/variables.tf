variable "name" {
  description = "Prefix of every name (modules network and load_balancer)."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,11}$", var.name))
    error_message = "name must start with a letter and hold at most 12 letters, digits or dashes (module load_balancer's names are limited to 32 characters)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "region" {
  description = "The region of the aws provider this module is given (names: the NAT gateway <name>-nat-<region>, the NLB <name>-<region>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region id such as us-east-1."
  }
}

variable "cidr" {
  description = "The region's VPC block (module network: one /18 of 10.66.0.0/16 per region, see its README)."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && tonumber(split("/", var.cidr)[1]) >= 16 && tonumber(split("/", var.cidr)[1]) <= 20
    error_message = "cidr must be an IPv4 block from /16 to /20, e.g. 10.66.64.0/18."
  }
}

variable "interface_endpoint_services" {
  description = "Interface VPC endpoints (module network): its defaults plus Secrets Manager (ECS pulls the TLS and agent auth secrets into tasks, GPU instances read the agent auth secret at every agent start; no internet egress for either)."
  type        = list(string)
  default     = ["kms", "ec2", "logs", "monitoring", "ecr.api", "ecr.dkr", "sts", "secretsmanager"]

  validation {
    condition     = contains(var.interface_endpoint_services, "secretsmanager") && length(distinct(var.interface_endpoint_services)) == length(var.interface_endpoint_services)
    error_message = "interface_endpoint_services must hold secretsmanager (tasks and GPU instances read secrets without internet egress) and no service twice."
  }
}

variable "deletion_protection" {
  description = "NLB deletion protection (module load_balancer; turn it off, apply, then destroy: docs/deploy.md tear-down)."
  type        = bool
  default     = true
}
