variable "name" {
  description = "Prefix of every resource name (at most 12 characters: NLB and target group names <name>-rt-<region> fit 32)."
  type        = string
  default     = "mrgc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,11}$", var.name))
    error_message = "name must start with a lowercase letter and hold at most 12 lowercase letters, digits or dashes (it also prefixes S3 bucket names)."
  }
}

variable "tags" {
  description = "Tags added to every resource (Environment = production and Stack = <name> are always added)."
  type        = map(string)
  default     = {}
}

variable "images" {
  description = "The service image (containers/Containerfile) per region, pinned by digest: <account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex>. Each region pulls from its own ECR (ECR replication from us-east-1, docs/deploy.md): Fargate tasks have no internet egress to pull across regions."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["us-east-1", "us-east-2", "us-west-2"], keys(var.images))) == 0 && alltrue([for i in values(var.images) : can(regex("^[^\\s]+@sha256:[0-9a-f]{64}$", i))])
    error_message = "images must hold us-east-1, us-east-2 and us-west-2, each pinned by digest (REPO@sha256:<64 hex digits>)."
  }
}

variable "ecr_repository_arns" {
  description = "ARNs of the ECR repositories holding the service image, every region (the ECS task execution role pulls from these only)."
  type        = list(string)

  validation {
    condition     = length(var.ecr_repository_arns) > 0 && alltrue([for a in var.ecr_repository_arns : can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/.+$", a))])
    error_message = "ecr_repository_arns must hold ECR repository ARNs."
  }
}

variable "gpu_ami_ids" {
  description = "The GPU AMI per region (module gpu_fleet's AMI contract: NVIDIA driver and CUDA, aws-nitro-enclaves-cli, Lustre client, CloudWatch agent, AWS CLI, Java 17, the MRGC distribution at /opt/mrgc). AMIs are regional: copy the built AMI to each region."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["us-east-1", "us-east-2", "us-west-2"], keys(var.gpu_ami_ids))) == 0 && alltrue([for a in values(var.gpu_ami_ids) : can(regex("^ami-[0-9a-f]{8,17}$", a))])
    error_message = "gpu_ami_ids must hold an AMI id (ami-...) for us-east-1, us-east-2 and us-west-2."
  }
}

variable "gpu_instance_type" {
  description = "GPU instance type the autoscaler launches (the seed's g6e.2xlarge: 1 L40S, 8 vCPU, 64 GiB; must support Nitro Enclaves)."
  type        = string
  default     = "g6e.2xlarge"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[0-9a-z]+$", var.gpu_instance_type))
    error_message = "gpu_instance_type must be an EC2 instance type such as g6e.2xlarge."
  }
}

variable "enclave_image_sha384" {
  description = "PCR0 (ImageSha384) of each region's release EIF, 96 hex digits, printed by containers/enclave/build-eif.sh --region REGION (nitro-cli Measurements). One EIF per region: the region is part of the enclave's command and so of PCR0. The GPU instances of a region run that EIF only (user data refuses any other); every key policy accepts all three."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["us-east-1", "us-east-2", "us-west-2"], keys(var.enclave_image_sha384))) == 0 && alltrue([for v in values(var.enclave_image_sha384) : can(regex("^[0-9a-f]{96}$", v)) && !can(regex("^0{96}$", v))])
    error_message = "enclave_image_sha384 must hold a PCR0 of 96 lowercase hex digits for us-east-1, us-east-2 and us-west-2, never all zeros (a debug enclave)."
  }
}

variable "enclave_image_sha384_previous" {
  description = "PCR0 values still accepted by the key policies during an enclave rollout (the EIFs being replaced); empty otherwise."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.enclave_image_sha384_previous : can(regex("^[0-9a-f]{96}$", v)) && !can(regex("^0{96}$", v))])
    error_message = "enclave_image_sha384_previous values must be 96 lowercase hex digits, never all zeros."
  }
}

variable "enclave_pcr1" {
  description = "Optional PCR1 values (kernel and boot ramdisk) of the EIF, 96 hex digits each; empty: not pinned in the key policies."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.enclave_pcr1 : can(regex("^[0-9a-f]{96}$", v))])
    error_message = "enclave_pcr1 values must be 96 lowercase hex digits."
  }
}

variable "enclave_pcr2" {
  description = "Optional PCR2 values (application) of the EIF, 96 hex digits each; empty: not pinned."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.enclave_pcr2 : can(regex("^[0-9a-f]{96}$", v))])
    error_message = "enclave_pcr2 values must be 96 lowercase hex digits."
  }
}

variable "enclave_pcr8" {
  description = "Optional PCR8 values (the EIF signing certificate), 96 hex digits each; empty: not pinned (docs/security.md §3 suggests pinning it when the EIF is signed)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.enclave_pcr8 : can(regex("^[0-9a-f]{96}$", v))])
    error_message = "enclave_pcr8 values must be 96 lowercase hex digits."
  }
}

variable "eif_s3_uris" {
  description = "Optional S3 URI of the release EIF per region (s3://bucket/key.eif), copied to the instance at boot; a region left out: its AMI holds the EIF at /opt/mrgc/enclave/mrgc-enclave.eif."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for r, u in var.eif_s3_uris : contains(["us-east-1", "us-east-2", "us-west-2"], r) && can(regex("^s3://[a-z0-9.-]+/.+\\.eif$", u))])
    error_message = "eif_s3_uris: keys are deployment regions, values s3://BUCKET/KEY.eif."
  }
}

variable "admin_principal_arns" {
  description = "IAM principals that administer the tenant KMS keys without any cryptographic use (docs/security.md §3). Must include the principal terraform runs as, or KMS refuses the key policies (lockout check)."
  type        = list(string)

  validation {
    condition     = length(var.admin_principal_arns) > 0 && alltrue([for a in var.admin_principal_arns : can(regex("^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:.+$", a))])
    error_message = "admin_principal_arns must hold at least one IAM principal ARN."
  }
}

variable "tenants" {
  description = "Tenants, keyed by tenant id (the envelope's tenant and the mrgc:tenant encryption context): one multi-Region KMS key each. sdk_principal_arns: the tenant's IAM principals allowed to GenerateDataKey for it (the tenant SDK's role, usually in the tenant's account). API keys are not terraform's: add them with ./mrgc tenant (docs/deploy.md)."
  type = map(object({
    sdk_principal_arns = list(string)
    description        = optional(string, "")
  }))
  default = {}

  validation {
    condition     = alltrue([for id, t in var.tenants : can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", id)) && id != "mrgc-canary" && length(t.sdk_principal_arns) > 0])
    error_message = "tenant ids must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}, must not be mrgc-canary (the system tenant), and each needs at least one sdk principal."
  }
}

variable "agent_auth_secret_arns" {
  description = "Secrets Manager secret per region with the router<->agent HMAC keys (id:base64secret, current first): routers get it as MRGC_AGENT_AUTH_KEYS, GPU instances as MRGC_PEER_AUTH_KEYS. Create them before the apply (docs/deploy.md)."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["us-east-1", "us-east-2", "us-west-2"], keys(var.agent_auth_secret_arns))) == 0 && alltrue([for r, a in var.agent_auth_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:${r}:[0-9]{12}:secret:.+$", a))])
    error_message = "agent_auth_secret_arns must hold a Secrets Manager secret ARN in each region (us-east-1, us-east-2, us-west-2), each in its own region."
  }
}

variable "router_tls_certificate_secret_arns" {
  description = "Secrets Manager secret per region holding the routers' PEM certificate chain (the router ends TLS: the name tenants use, or the anycast IPs as SANs)."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["us-east-1", "us-east-2", "us-west-2"], keys(var.router_tls_certificate_secret_arns))) == 0 && alltrue([for r, a in var.router_tls_certificate_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:${r}:[0-9]{12}:secret:.+$", a))])
    error_message = "router_tls_certificate_secret_arns must hold a secret ARN in each of the three regions, each in its own region."
  }
}

variable "router_tls_key_secret_arns" {
  description = "Secrets Manager secret per region holding the routers' PEM private key (unencrypted PEM)."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["us-east-1", "us-east-2", "us-west-2"], keys(var.router_tls_key_secret_arns))) == 0 && alltrue([for r, a in var.router_tls_key_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:${r}:[0-9]{12}:secret:.+$", a))])
    error_message = "router_tls_key_secret_arns must hold a secret ARN in each of the three regions, each in its own region."
  }
}

variable "privatelink_allowed_principals" {
  description = "IAM principals (usually tenant account roots, arn:aws:iam::<account>:root) allowed to create VPC endpoints to the routers' endpoint services. Empty: nobody until added."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.privatelink_allowed_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:.+$", p))])
    error_message = "privatelink_allowed_principals must be IAM ARNs (no wildcard)."
  }
}

variable "privatelink_acceptance_required" {
  description = "Whether each tenant's endpoint connection waits for acceptance (aws ec2 accept-vpc-endpoint-connections)."
  type        = bool
  default     = true
}

variable "sns_topic_arns" {
  description = "SNS topic per region for alarm and OK notifications (alarms notify a topic in their own region); a region left out: its alarms have no actions."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for r, a in var.sns_topic_arns : can(regex("^arn:aws[a-z-]*:sns:${r}:[0-9]{12}:.+$", a))])
    error_message = "sns_topic_arns: each value must be an SNS topic ARN in the region of its key."
  }
}

variable "router_count" {
  description = "Router tasks per region."
  type        = number
  default     = 3

  validation {
    condition     = var.router_count >= 2 && var.router_count <= 100
    error_message = "router_count must be from 2 to 100."
  }
}

variable "scaling" {
  description = "The autoscaler's scaling keys per region: min and max GPU instances, target RPS per instance."
  type = object({
    min_instances           = optional(number, 2)
    max_instances           = optional(number, 20)
    target_rps_per_instance = optional(number, 12)
  })
  default = {}

  validation {
    condition     = var.scaling.min_instances >= 1 && var.scaling.min_instances <= var.scaling.max_instances && var.scaling.max_instances <= 100
    error_message = "scaling: 1 <= min_instances <= max_instances <= 100."
  }
}

variable "fsx_storage_capacity_gib" {
  description = "FSx for Lustre capacity per region in GiB (the seed's 1.2 TiB: 1200, or a multiple of 2400)."
  type        = number
  default     = 1200

  validation {
    condition     = var.fsx_storage_capacity_gib == 1200 || (var.fsx_storage_capacity_gib >= 2400 && var.fsx_storage_capacity_gib % 2400 == 0)
    error_message = "fsx_storage_capacity_gib must be 1200 or a multiple of 2400."
  }
}

variable "deletion_protection" {
  description = "Deletion protection of the DynamoDB tables and the NLBs. Set false and apply before `terraform destroy` (docs/deploy.md tear-down)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the services' and GPU instances' log groups in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value."
  }
}

variable "ga_flow_logs_s3_bucket" {
  description = "S3 bucket for Global Accelerator flow logs; null (default): no flow logs."
  type        = string
  default     = null
}
