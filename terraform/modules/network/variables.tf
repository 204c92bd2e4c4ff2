variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.name))
    error_message = "name must be 1-31 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "cidr" {
  description = "The region's IPv4 block: one /18 of 10.66.0.0/16 per region (us-east-1 10.66.0.0/18, us-east-2 10.66.64.0/18, us-west-2 10.66.128.0/18). Blocks must not overlap so the regions can be peered."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && can(regex("^[0-9.]+/[0-9]+$", var.cidr)) && try(tonumber(split("/", var.cidr)[1]) >= 16 && tonumber(split("/", var.cidr)[1]) <= 20, false)
    error_message = "cidr must be an IPv4 CIDR block with a prefix length from /16 to /20."
  }

  validation {
    condition     = try(cidrhost(var.cidr, 0) == split("/", var.cidr)[0], false)
    error_message = "cidr must start on its network boundary (e.g. 10.66.64.0/18, not 10.66.65.0/18)."
  }
}

variable "azs" {
  description = "Exactly three availability zones; empty = the region's first three available zones."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.azs) == 0 || (length(var.azs) == 3 && length(distinct(var.azs)) == 3)
    error_message = "azs must be empty or three distinct availability zones."
  }
}

variable "interface_endpoint_services" {
  description = "Services that get an interface VPC endpoint (com.amazonaws.<region>.<service>), so tasks and GPU instances reach them without internet egress. DynamoDB and S3 always get gateway endpoints."
  type        = list(string)
  default     = ["kms", "ec2", "logs", "monitoring", "ecr.api", "ecr.dkr", "sts"]

  validation {
    condition     = alltrue([for s in var.interface_endpoint_services : can(regex("^[a-z0-9][a-z0-9.-]*$", s))]) && length(distinct(var.interface_endpoint_services)) == length(var.interface_endpoint_services)
    error_message = "interface_endpoint_services must be distinct service suffixes such as kms or ecr.api."
  }

  validation {
    condition     = !contains(var.interface_endpoint_services, "dynamodb") && !contains(var.interface_endpoint_services, "s3")
    error_message = "dynamodb and s3 already get gateway endpoints; do not list them here."
  }
}

variable "peering_routes" {
  description = "Routes from the private and model-store subnets to the other regions' VPCs: destination CIDR => VPC peering connection id (the peering itself is created by the environment, which holds both regions' providers). Used by the failover controllers' cross-region probes of the routers' admin listeners."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for cidr, pcx in var.peering_routes : can(cidrhost(cidr, 0)) && can(regex("^pcx-[0-9a-f]+$", pcx))])
    error_message = "peering_routes keys must be IPv4 CIDR blocks and values peering connection ids (pcx-...)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
