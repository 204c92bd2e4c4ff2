variable "name" {
  description = "Prefix of every name."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,31}$", var.name))
    error_message = "name must start with a letter and hold at most 32 letters, digits or dashes."
  }
}

variable "tags" {
  description = "Tags added to every resource (and to the instances and volumes the template launches)."
  type        = map(string)
  default     = {}
}

variable "region" {
  description = "The region of this fleet (the agent's region key, the mrgc:region tag)."
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

variable "vpc_cidr" {
  description = "The VPC's CIDR: egress to the interface endpoints (HTTPS) and to FSx for Lustre stays inside it."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a CIDR block."
  }
}

variable "subnet_id" {
  description = "The private subnet the instances launch in. Ec2Fleet passes no subnet (docs/config.md fleet.ec2.launchTemplateId: the subnets are the template's), so the template names one: the FSx file system's subnet (FSx for Lustre lives in one AZ; the fleet beside it reads models without cross-AZ traffic). An AZ outage is a region failure for the failover controller."
  type        = string

  validation {
    condition     = can(regex("^subnet-[0-9a-f]+$", var.subnet_id))
    error_message = "subnet_id must be a subnet id (subnet-...)."
  }
}

variable "router_security_group_id" {
  description = "Security group of the region's router tasks, with add_router_ingress_rule: the only source allowed on the agent port. null (default): module services adds that rule (its gpu_security_group_id), since services comes after this module."
  type        = string
  default     = null

  validation {
    condition     = var.router_security_group_id == null ? true : can(regex("^sg-[0-9a-f]+$", var.router_security_group_id))
    error_message = "router_security_group_id must be a security group id (sg-...) or null."
  }
}

variable "add_router_ingress_rule" {
  description = "Add the agent port ingress rule from router_security_group_id here. false (default): module services adds it (a plain bool, because the group id is usually unknown at plan time)."
  type        = bool
  default     = false
}

variable "fsx_security_group_id" {
  description = "Security group of the region's FSx for Lustre file system (module model_store: security_group_id): this module opens it to the GPU instances' group on TCP 988 and 1018-1023 (model_store's client_security_group_ids stays empty, so model_store needs nothing from this module)."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.fsx_security_group_id))
    error_message = "fsx_security_group_id must be a security group id (sg-...)."
  }
}

variable "dynamodb_prefix_list_id" {
  description = "Prefix list of the DynamoDB gateway endpoint (module network): HTTPS egress to DynamoDB goes there."
  type        = string

  validation {
    condition     = can(regex("^pl-[0-9a-f]+$", var.dynamodb_prefix_list_id))
    error_message = "dynamodb_prefix_list_id must be a prefix list id (pl-...)."
  }
}

variable "s3_prefix_list_id" {
  description = "Prefix list of the S3 gateway endpoint (module network), for the EIF download; null: none."
  type        = string
  default     = null

  validation {
    condition     = var.s3_prefix_list_id == null || can(regex("^pl-[0-9a-f]+$", var.s3_prefix_list_id))
    error_message = "s3_prefix_list_id must be a prefix list id (pl-...) or null."
  }
}

variable "ami_id" {
  description = "The GPU AMI: NVIDIA driver and CUDA, aws-nitro-enclaves-cli (nitro-cli, allocator, vsock-proxy), the Lustre client, the CloudWatch agent, the AWS CLI, Java 17 and the MRGC distribution at /opt/mrgc (the service image's /app: bin/mrgc, lib/, native/). Built and scanned like the images."
  type        = string

  validation {
    condition     = can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must be an AMI id (ami-...)."
  }
}

variable "instance_type" {
  description = "GPU instance type (the seed's g6e.2xlarge: 1 L40S, 8 vCPU, 64 GiB). It must support Nitro Enclaves and have vCPUs for the enclave beyond the agent's."
  type        = string
  default     = "g6e.2xlarge"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[0-9]*[a-z]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as g6e.2xlarge."
  }
}

variable "instance_profile_name" {
  description = "The GPU instance profile (module iam: gpu_instance_profile_name)."
  type        = string

  validation {
    condition     = length(var.instance_profile_name) > 0
    error_message = "instance_profile_name must be set."
  }
}

variable "root_volume_size_gib" {
  description = "Size of the encrypted gp3 root volume in GiB (AMI, logs, the EIF, the agent's dataDir)."
  type        = number
  default     = 100

  validation {
    condition     = var.root_volume_size_gib >= 30 && var.root_volume_size_gib <= 16384
    error_message = "root_volume_size_gib must be between 30 and 16384."
  }
}

variable "root_volume_kms_key_arn" {
  description = "KMS key for the root volume; null: the account's default EBS key (aws/ebs)."
  type        = string
  default     = null

  validation {
    condition     = var.root_volume_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.root_volume_kms_key_arn))
    error_message = "root_volume_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "fsx_dns_name" {
  description = "DNS name of the region's FSx for Lustre file system (module model_store)."
  type        = string

  validation {
    condition     = can(regex("^fs-[0-9a-f]+\\.fsx\\.[a-z0-9-]+\\.amazonaws\\.com$", var.fsx_dns_name))
    error_message = "fsx_dns_name must be an FSx DNS name (fs-....fsx.REGION.amazonaws.com)."
  }
}

variable "fsx_mount_name" {
  description = "Mount name of the FSx for Lustre file system (module model_store)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9]+$", var.fsx_mount_name))
    error_message = "fsx_mount_name must be the file system's mount name (letters and digits)."
  }
}

variable "fsx_subdirectory" {
  description = "Directory of the file system mounted at /fsx/models (Lustre fileset mount): \"\" mounts the root; e.g. \"/models\" when the data repository association's file_system_path is /models."
  type        = string
  default     = ""

  validation {
    condition     = var.fsx_subdirectory == "" || can(regex("^/[A-Za-z0-9._/-]+$", var.fsx_subdirectory))
    error_message = "fsx_subdirectory must be empty or an absolute path."
  }
}

variable "agent_port" {
  description = "The agent's listener port (listener.port; CONTRACT-13: 8080)."
  type        = number
  default     = 8080

  validation {
    condition     = var.agent_port >= 1 && var.agent_port <= 65535
    error_message = "agent_port must be a TCP port."
  }
}

variable "eif_s3_uri" {
  description = "S3 URI of the release EIF (its PCR0 is the keys module's enclave_image_sha384), copied to eif_path at boot; null: the AMI already holds eif_path."
  type        = string
  default     = null

  validation {
    condition     = var.eif_s3_uri == null || can(regex("^s3://[a-z0-9.-]+/.+\\.eif$", var.eif_s3_uri))
    error_message = "eif_s3_uri must be s3://BUCKET/KEY.eif or null."
  }
}

variable "eif_path" {
  description = "Path of the EIF on the instance (agent enclave.eifPath)."
  type        = string
  default     = "/opt/mrgc/enclave/mrgc-enclave.eif"

  validation {
    condition     = can(regex("^/.+\\.eif$", var.eif_path))
    error_message = "eif_path must be an absolute path ending in .eif."
  }
}

variable "enclave_image_sha384" {
  description = "Expected PCR0 of the EIF (96 hex digits): user data refuses to start the agent when nitro-cli describe-eif says otherwise, so an instance never runs an enclave the key policies would refuse."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-fA-F]{96}$", var.enclave_image_sha384)) && !can(regex("^0{96}$", var.enclave_image_sha384))
    error_message = "enclave_image_sha384 must be 96 hex digits and not all zero (debug)."
  }
}

variable "enclave_cpu_count" {
  description = "vCPUs of the enclave (agent enclave.cpuCount; the allocator reserves them). Even on hyperthreaded types: whole cores."
  type        = number
  default     = 2

  validation {
    condition     = var.enclave_cpu_count >= 2 && var.enclave_cpu_count <= 128 && var.enclave_cpu_count % 2 == 0
    error_message = "enclave_cpu_count must be an even number from 2 to 128."
  }
}

variable "enclave_memory_mib" {
  description = "Memory of the enclave in MiB (agent enclave.memoryMib; the allocator reserves it; at least 4x the EIF's size)."
  type        = number
  default     = 2048

  validation {
    condition     = var.enclave_memory_mib >= 64 && var.enclave_memory_mib <= 1048576
    error_message = "enclave_memory_mib must be between 64 and 1048576."
  }
}

variable "enclave_cid" {
  description = "The enclave's CID (agent enclave.cid)."
  type        = number
  default     = 16

  validation {
    condition     = var.enclave_cid >= 4 && var.enclave_cid <= 2147483647
    error_message = "enclave_cid must be from 4 to 2147483647."
  }
}

variable "canary_key_id" {
  description = "The canary key (module keys: canary_key_id; agent enclave.canaryKeyId)."
  type        = string

  validation {
    condition     = length(var.canary_key_id) > 0
    error_message = "canary_key_id must be set."
  }
}

variable "peer_auth_secret_arn" {
  description = "Secrets Manager secret with the router<->agent HMAC keys (id:base64secret, current first): the same secret the routers get as MRGC_AGENT_AUTH_KEYS; the agent gets it as MRGC_PEER_AUTH_KEYS, read at every agent start into tmpfs."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.peer_auth_secret_arn))
    error_message = "peer_auth_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "heartbeat_interval" {
  description = "The agent's heartbeatInterval (the seed's 1s; docs/cost.md: the largest DynamoDB cost)."
  type        = string
  default     = "1s"

  validation {
    condition     = can(regex("^[0-9]+(ms|s|m)$", var.heartbeat_interval))
    error_message = "heartbeat_interval must be a duration such as 500ms, 1s or 5s."
  }
}

variable "log_group_name" {
  description = "CloudWatch log group of the agents' stdout (EMF lines included) and the enclave console; created here."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the instance log group in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "gpu_metrics_enabled" {
  description = "Whether the CloudWatch agent also collects nvidia_smi metrics (namespace CWAgent): the GPU temperature alarm's metric."
  type        = bool
  default     = true
}
