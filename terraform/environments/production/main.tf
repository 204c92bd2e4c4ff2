# MRGC production: us-east-1 (home), us-east-2, us-west-2.
#
# Module order (no module cycle; see each module's README):
#   network (per region) -> global_state (us-east-1, replicas in the other two) -> load_balancer (per region)
#   -> edge (Global Accelerator over the three NLBs) -> iam (global; endpoint groups, tables, secrets; launch
#   templates, KMS keys and log groups by tag or name) -> keys (needs iam's GPU instance role)
#   -> privatelink, model_store (per region) -> gpu_fleet (iam's instance profile, keys' canary key, model_store's FSx)
#   -> services (iam's roles, gpu_fleet's launch template, edge's endpoint groups, load_balancer's target group)
#   -> observability (per region; global dashboards once, in us-east-1).
#
# No VPC peering: the failover controllers set no MRGC_PROBE_ROUTERS (module services), so nothing crosses regions
# inside AWS. They judge every region from the global tables (gpu_instances heartbeats, router metrics, replicated
# within about a second) and Global Accelerator's own health checks on each region's NLB target group (/healthz/region)
# move traffic in the data plane. The only cross-region call is the failover controllers' UpdateEndpointGroup to the
# Global Accelerator API (us-west-2, no VPC endpoint), which leaves through a NAT gateway per region (below); the
# control tasks' security group is the only one with HTTPS egress to 0.0.0.0/0.

locals {
  regions = ["us-east-1", "us-east-2", "us-west-2"]

  tags = merge(var.tags, {
    Environment = "production"
    Stack       = var.name
  })

  # Interface endpoints: the network module's defaults plus Secrets Manager (ECS pulls the TLS and agent auth secrets
  # into tasks, GPU instances read the agent auth secret at every agent start; no internet egress for either).
  interface_endpoint_services = ["kms", "ec2", "logs", "monitoring", "ecr.api", "ecr.dkr", "sts", "secretsmanager"]

  # Every table's ARN in every region, by table (module iam). rate_limits is regional: one table per region.
  table_arns = merge(
    { for t, _ in module.global_state.table_names : t => [for r in local.regions : module.global_state.table_arns_by_region[r][t]] },
    { rate_limits = [for r in local.regions : module.global_state.regional_table_arns[r]["rate_limits"]] },
  )

  eif_object_arns = [for u in values(var.eif_s3_uris) : "arn:aws:s3:::${trimprefix(u, "s3://")}"]

  nlb_arns = {
    "us-east-1" = module.load_balancer_use1.nlb_arn
    "us-east-2" = module.load_balancer_use2.nlb_arn
    "us-west-2" = module.load_balancer_usw2.nlb_arn
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Global: tables, the accelerator, IAM, KMS keys
# ---------------------------------------------------------------------------------------------------------------
module "global_state" {
  source    = "../../modules/global_state"
  providers = { aws = aws.use1 }

  name                = var.name
  replica_regions     = ["us-east-2", "us-west-2"]
  deletion_protection = var.deletion_protection
  tags                = local.tags
}

module "edge" {
  source    = "../../modules/edge"
  providers = { aws = aws.usw2 }

  name                          = var.name
  endpoints                     = local.nlb_arns
  listener_port                 = 443
  nlb_listener_port             = 443
  health_check_port             = 9100
  health_check_path             = "/healthz/region"
  health_check_interval_seconds = 10
  health_check_threshold_count  = 2
  flow_logs_s3_bucket           = var.ga_flow_logs_s3_bucket
  tags                          = local.tags
}

module "iam" {
  source    = "../../modules/iam"
  providers = { aws = aws.use1 }

  name                   = var.name
  regions                = local.regions
  table_arns             = local.table_arns
  endpoint_group_arns    = values(module.edge.endpoint_group_arns)
  ecr_repository_arns    = var.ecr_repository_arns
  agent_auth_secret_arns = values(var.agent_auth_secret_arns)
  router_tls_secret_arns = concat(values(var.router_tls_certificate_secret_arns), values(var.router_tls_key_secret_arns))
  eif_object_arns        = local.eif_object_arns
  # launch_template_arns, tenant_key_arns, canary_key_arns, task_log_group_arns and instance_log_group_arns stay
  # empty: iam matches launch templates and keys by tag and builds the log group ARNs from their names (no cycle).
  tags = local.tags
}

module "keys" {
  source = "../../modules/keys"
  providers = {
    aws           = aws.use1
    aws.replica_1 = aws.use2
    aws.replica_2 = aws.usw2
  }

  name                  = var.name
  admin_principal_arns  = var.admin_principal_arns
  gpu_instance_role_arn = module.iam.gpu_instance_role_arn
  enclave_image_sha384  = distinct(concat([for r in local.regions : var.enclave_image_sha384[r]], var.enclave_image_sha384_previous))
  enclave_pcr1          = var.enclave_pcr1
  enclave_pcr2          = var.enclave_pcr2
  enclave_pcr8          = var.enclave_pcr8
  tenants               = var.tenants
  tags                  = local.tags
}

# ---------------------------------------------------------------------------------------------------------------
# us-east-1
# ---------------------------------------------------------------------------------------------------------------
module "network_use1" {
  source    = "../../modules/network"
  providers = { aws = aws.use1 }

  name                        = var.name
  cidr                        = "10.66.0.0/18"
  interface_endpoint_services = local.interface_endpoint_services
  tags                        = local.tags
}

# NAT for the failover controllers' Global Accelerator API calls (us-west-2, no VPC endpoint). One gateway, in the
# first public subnet: losing that AZ only stops dial changes from this region (the other regions' controllers and
# GA's own health checks still move traffic).
resource "aws_eip" "nat_use1" {
  provider = aws.use1

  domain = "vpc"
  tags   = merge(local.tags, { Name = "${var.name}-nat-us-east-1" })
}

resource "aws_nat_gateway" "use1" {
  provider = aws.use1

  allocation_id = aws_eip.nat_use1.id
  subnet_id     = module.network_use1.public_subnet_ids[0]
  tags          = merge(local.tags, { Name = "${var.name}-nat-us-east-1" })
}

resource "aws_route" "nat_use1" {
  provider = aws.use1

  route_table_id         = module.network_use1.private_route_table_id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.use1.id
}

module "load_balancer_use1" {
  source    = "../../modules/load_balancer"
  providers = { aws = aws.use1 }

  name                = var.name
  region              = "us-east-1"
  vpc_id              = module.network_use1.vpc_id
  public_subnet_ids   = module.network_use1.public_subnet_ids
  deletion_protection = var.deletion_protection
  tags                = local.tags
}

module "privatelink_use1" {
  source    = "../../modules/privatelink"
  providers = { aws = aws.use1 }

  name                = var.name
  nlb_arn             = module.load_balancer_use1.nlb_arn
  vpc_id              = module.network_use1.vpc_id
  nlb_subnet_cidrs    = module.network_use1.public_subnet_cidrs
  allowed_principals  = var.privatelink_allowed_principals
  acceptance_required = var.privatelink_acceptance_required
  tags                = local.tags
}

module "model_store_use1" {
  source    = "../../modules/model_store"
  providers = { aws = aws.use1 }

  name             = var.name
  vpc_id           = module.network_use1.vpc_id
  subnet_id        = module.network_use1.model_store_subnet_ids[0]
  storage_capacity = var.fsx_storage_capacity_gib
  tags             = local.tags
}

module "gpu_fleet_use1" {
  source    = "../../modules/gpu_fleet"
  providers = { aws = aws.use1 }

  name                    = var.name
  region                  = "us-east-1"
  vpc_id                  = module.network_use1.vpc_id
  vpc_cidr                = module.network_use1.cidr
  subnet_id               = module.network_use1.private_subnet_ids[0] # the FSx file system's AZ
  dynamodb_prefix_list_id = module.network_use1.dynamodb_prefix_list_id
  s3_prefix_list_id       = module.network_use1.s3_prefix_list_id
  ami_id                  = var.gpu_ami_ids["us-east-1"]
  instance_type           = var.gpu_instance_type
  instance_profile_name   = module.iam.gpu_instance_profile_name
  fsx_dns_name            = module.model_store_use1.dns_name
  fsx_mount_name          = module.model_store_use1.mount_name
  fsx_security_group_id   = module.model_store_use1.security_group_id
  eif_s3_uri              = lookup(var.eif_s3_uris, "us-east-1", null)
  enclave_image_sha384    = var.enclave_image_sha384["us-east-1"]
  canary_key_id           = module.keys.canary_key_id
  peer_auth_secret_arn    = var.agent_auth_secret_arns["us-east-1"]
  log_retention_days      = var.log_retention_days
  tags                    = local.tags
}

module "services_use1" {
  source    = "../../modules/services"
  providers = { aws = aws.use1 }

  name                              = var.name
  region                            = "us-east-1"
  regions                           = local.regions
  vpc_id                            = module.network_use1.vpc_id
  vpc_cidr                          = module.network_use1.cidr
  private_subnet_ids                = module.network_use1.private_subnet_ids
  dynamodb_prefix_list_id           = module.network_use1.dynamodb_prefix_list_id
  s3_prefix_list_id                 = module.network_use1.s3_prefix_list_id
  image                             = var.images["us-east-1"]
  task_execution_role_arn           = module.iam.task_execution_role_arn
  router_task_role_arn              = module.iam.router_task_role_arn
  autoscaler_task_role_arn          = module.iam.autoscaler_task_role_arn
  failover_controller_task_role_arn = module.iam.failover_controller_task_role_arn
  agent_auth_secret_arn             = var.agent_auth_secret_arns["us-east-1"]
  router_tls_certificate_secret_arn = var.router_tls_certificate_secret_arns["us-east-1"]
  router_tls_key_secret_arn         = var.router_tls_key_secret_arns["us-east-1"]
  target_group_arn                  = module.load_balancer_use1.router_target_group_arn
  nlb_security_group_id             = module.load_balancer_use1.security_group_id
  proxy_target_group_arn            = module.privatelink_use1.target_group_arn
  proxy_protocol_port               = module.privatelink_use1.proxy_protocol_port
  proxy_protocol_trusted_cidrs      = module.privatelink_use1.trusted_cidrs
  gpu_security_group_id             = module.gpu_fleet_use1.security_group_id
  launch_template_id                = module.gpu_fleet_use1.launch_template_id
  endpoint_group_arns               = module.edge.endpoint_group_arns
  router_count                      = var.router_count
  scaling                           = var.scaling
  log_retention_days                = var.log_retention_days
  tags                              = local.tags
}

module "observability_use1" {
  source    = "../../modules/observability"
  providers = { aws = aws.use1 }

  name                           = var.name
  region                         = "us-east-1"
  regions                        = local.regions
  create_global_dashboards       = true
  fsx_file_system_id             = module.model_store_use1.file_system_id
  fsx_storage_capacity_gib       = var.fsx_storage_capacity_gib
  nlb_arn_suffix                 = module.load_balancer_use1.nlb_arn_suffix
  router_target_group_arn_suffix = module.load_balancer_use1.router_target_group_arn_suffix
  sns_topic_arn                  = lookup(var.sns_topic_arns, "us-east-1", null)
  tags                           = local.tags
}

# ---------------------------------------------------------------------------------------------------------------
# us-east-2
# ---------------------------------------------------------------------------------------------------------------
module "network_use2" {
  source    = "../../modules/network"
  providers = { aws = aws.use2 }

  name                        = var.name
  cidr                        = "10.66.64.0/18"
  interface_endpoint_services = local.interface_endpoint_services
  tags                        = local.tags
}

# NAT for the failover controllers' Global Accelerator API calls (us-west-2, no VPC endpoint). One gateway, in the
# first public subnet: losing that AZ only stops dial changes from this region (the other regions' controllers and
# GA's own health checks still move traffic).
resource "aws_eip" "nat_use2" {
  provider = aws.use2

  domain = "vpc"
  tags   = merge(local.tags, { Name = "${var.name}-nat-us-east-2" })
}

resource "aws_nat_gateway" "use2" {
  provider = aws.use2

  allocation_id = aws_eip.nat_use2.id
  subnet_id     = module.network_use2.public_subnet_ids[0]
  tags          = merge(local.tags, { Name = "${var.name}-nat-us-east-2" })
}

resource "aws_route" "nat_use2" {
  provider = aws.use2

  route_table_id         = module.network_use2.private_route_table_id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.use2.id
}

module "load_balancer_use2" {
  source    = "../../modules/load_balancer"
  providers = { aws = aws.use2 }

  name                = var.name
  region              = "us-east-2"
  vpc_id              = module.network_use2.vpc_id
  public_subnet_ids   = module.network_use2.public_subnet_ids
  deletion_protection = var.deletion_protection
  tags                = local.tags
}

module "privatelink_use2" {
  source    = "../../modules/privatelink"
  providers = { aws = aws.use2 }

  name                = var.name
  nlb_arn             = module.load_balancer_use2.nlb_arn
  vpc_id              = module.network_use2.vpc_id
  nlb_subnet_cidrs    = module.network_use2.public_subnet_cidrs
  allowed_principals  = var.privatelink_allowed_principals
  acceptance_required = var.privatelink_acceptance_required
  tags                = local.tags
}

module "model_store_use2" {
  source    = "../../modules/model_store"
  providers = { aws = aws.use2 }

  name             = var.name
  vpc_id           = module.network_use2.vpc_id
  subnet_id        = module.network_use2.model_store_subnet_ids[0]
  storage_capacity = var.fsx_storage_capacity_gib
  tags             = local.tags
}

module "gpu_fleet_use2" {
  source    = "../../modules/gpu_fleet"
  providers = { aws = aws.use2 }

  name                    = var.name
  region                  = "us-east-2"
  vpc_id                  = module.network_use2.vpc_id
  vpc_cidr                = module.network_use2.cidr
  subnet_id               = module.network_use2.private_subnet_ids[0] # the FSx file system's AZ
  dynamodb_prefix_list_id = module.network_use2.dynamodb_prefix_list_id
  s3_prefix_list_id       = module.network_use2.s3_prefix_list_id
  ami_id                  = var.gpu_ami_ids["us-east-2"]
  instance_type           = var.gpu_instance_type
  instance_profile_name   = module.iam.gpu_instance_profile_name
  fsx_dns_name            = module.model_store_use2.dns_name
  fsx_mount_name          = module.model_store_use2.mount_name
  fsx_security_group_id   = module.model_store_use2.security_group_id
  eif_s3_uri              = lookup(var.eif_s3_uris, "us-east-2", null)
  enclave_image_sha384    = var.enclave_image_sha384["us-east-2"]
  canary_key_id           = module.keys.canary_key_id
  peer_auth_secret_arn    = var.agent_auth_secret_arns["us-east-2"]
  log_retention_days      = var.log_retention_days
  tags                    = local.tags
}

module "services_use2" {
  source    = "../../modules/services"
  providers = { aws = aws.use2 }

  name                              = var.name
  region                            = "us-east-2"
  regions                           = local.regions
  vpc_id                            = module.network_use2.vpc_id
  vpc_cidr                          = module.network_use2.cidr
  private_subnet_ids                = module.network_use2.private_subnet_ids
  dynamodb_prefix_list_id           = module.network_use2.dynamodb_prefix_list_id
  s3_prefix_list_id                 = module.network_use2.s3_prefix_list_id
  image                             = var.images["us-east-2"]
  task_execution_role_arn           = module.iam.task_execution_role_arn
  router_task_role_arn              = module.iam.router_task_role_arn
  autoscaler_task_role_arn          = module.iam.autoscaler_task_role_arn
  failover_controller_task_role_arn = module.iam.failover_controller_task_role_arn
  agent_auth_secret_arn             = var.agent_auth_secret_arns["us-east-2"]
  router_tls_certificate_secret_arn = var.router_tls_certificate_secret_arns["us-east-2"]
  router_tls_key_secret_arn         = var.router_tls_key_secret_arns["us-east-2"]
  target_group_arn                  = module.load_balancer_use2.router_target_group_arn
  nlb_security_group_id             = module.load_balancer_use2.security_group_id
  proxy_target_group_arn            = module.privatelink_use2.target_group_arn
  proxy_protocol_port               = module.privatelink_use2.proxy_protocol_port
  proxy_protocol_trusted_cidrs      = module.privatelink_use2.trusted_cidrs
  gpu_security_group_id             = module.gpu_fleet_use2.security_group_id
  launch_template_id                = module.gpu_fleet_use2.launch_template_id
  endpoint_group_arns               = module.edge.endpoint_group_arns
  router_count                      = var.router_count
  scaling                           = var.scaling
  log_retention_days                = var.log_retention_days
  tags                              = local.tags
}

module "observability_use2" {
  source    = "../../modules/observability"
  providers = { aws = aws.use2 }

  name                           = var.name
  region                         = "us-east-2"
  regions                        = local.regions
  create_global_dashboards       = false
  fsx_file_system_id             = module.model_store_use2.file_system_id
  fsx_storage_capacity_gib       = var.fsx_storage_capacity_gib
  nlb_arn_suffix                 = module.load_balancer_use2.nlb_arn_suffix
  router_target_group_arn_suffix = module.load_balancer_use2.router_target_group_arn_suffix
  sns_topic_arn                  = lookup(var.sns_topic_arns, "us-east-2", null)
  tags                           = local.tags
}

# ---------------------------------------------------------------------------------------------------------------
# us-west-2
# ---------------------------------------------------------------------------------------------------------------
module "network_usw2" {
  source    = "../../modules/network"
  providers = { aws = aws.usw2 }

  name                        = var.name
  cidr                        = "10.66.128.0/18"
  interface_endpoint_services = local.interface_endpoint_services
  tags                        = local.tags
}

# NAT for the failover controllers' Global Accelerator API calls (us-west-2, no VPC endpoint). One gateway, in the
# first public subnet: losing that AZ only stops dial changes from this region (the other regions' controllers and
# GA's own health checks still move traffic).
resource "aws_eip" "nat_usw2" {
  provider = aws.usw2

  domain = "vpc"
  tags   = merge(local.tags, { Name = "${var.name}-nat-us-west-2" })
}

resource "aws_nat_gateway" "usw2" {
  provider = aws.usw2

  allocation_id = aws_eip.nat_usw2.id
  subnet_id     = module.network_usw2.public_subnet_ids[0]
  tags          = merge(local.tags, { Name = "${var.name}-nat-us-west-2" })
}

resource "aws_route" "nat_usw2" {
  provider = aws.usw2

  route_table_id         = module.network_usw2.private_route_table_id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.usw2.id
}

module "load_balancer_usw2" {
  source    = "../../modules/load_balancer"
  providers = { aws = aws.usw2 }

  name                = var.name
  region              = "us-west-2"
  vpc_id              = module.network_usw2.vpc_id
  public_subnet_ids   = module.network_usw2.public_subnet_ids
  deletion_protection = var.deletion_protection
  tags                = local.tags
}

module "privatelink_usw2" {
  source    = "../../modules/privatelink"
  providers = { aws = aws.usw2 }

  name                = var.name
  nlb_arn             = module.load_balancer_usw2.nlb_arn
  vpc_id              = module.network_usw2.vpc_id
  nlb_subnet_cidrs    = module.network_usw2.public_subnet_cidrs
  allowed_principals  = var.privatelink_allowed_principals
  acceptance_required = var.privatelink_acceptance_required
  tags                = local.tags
}

module "model_store_usw2" {
  source    = "../../modules/model_store"
  providers = { aws = aws.usw2 }

  name             = var.name
  vpc_id           = module.network_usw2.vpc_id
  subnet_id        = module.network_usw2.model_store_subnet_ids[0]
  storage_capacity = var.fsx_storage_capacity_gib
  tags             = local.tags
}

module "gpu_fleet_usw2" {
  source    = "../../modules/gpu_fleet"
  providers = { aws = aws.usw2 }

  name                    = var.name
  region                  = "us-west-2"
  vpc_id                  = module.network_usw2.vpc_id
  vpc_cidr                = module.network_usw2.cidr
  subnet_id               = module.network_usw2.private_subnet_ids[0] # the FSx file system's AZ
  dynamodb_prefix_list_id = module.network_usw2.dynamodb_prefix_list_id
  s3_prefix_list_id       = module.network_usw2.s3_prefix_list_id
  ami_id                  = var.gpu_ami_ids["us-west-2"]
  instance_type           = var.gpu_instance_type
  instance_profile_name   = module.iam.gpu_instance_profile_name
  fsx_dns_name            = module.model_store_usw2.dns_name
  fsx_mount_name          = module.model_store_usw2.mount_name
  fsx_security_group_id   = module.model_store_usw2.security_group_id
  eif_s3_uri              = lookup(var.eif_s3_uris, "us-west-2", null)
  enclave_image_sha384    = var.enclave_image_sha384["us-west-2"]
  canary_key_id           = module.keys.canary_key_id
  peer_auth_secret_arn    = var.agent_auth_secret_arns["us-west-2"]
  log_retention_days      = var.log_retention_days
  tags                    = local.tags
}

module "services_usw2" {
  source    = "../../modules/services"
  providers = { aws = aws.usw2 }

  name                              = var.name
  region                            = "us-west-2"
  regions                           = local.regions
  vpc_id                            = module.network_usw2.vpc_id
  vpc_cidr                          = module.network_usw2.cidr
  private_subnet_ids                = module.network_usw2.private_subnet_ids
  dynamodb_prefix_list_id           = module.network_usw2.dynamodb_prefix_list_id
  s3_prefix_list_id                 = module.network_usw2.s3_prefix_list_id
  image                             = var.images["us-west-2"]
  task_execution_role_arn           = module.iam.task_execution_role_arn
  router_task_role_arn              = module.iam.router_task_role_arn
  autoscaler_task_role_arn          = module.iam.autoscaler_task_role_arn
  failover_controller_task_role_arn = module.iam.failover_controller_task_role_arn
  agent_auth_secret_arn             = var.agent_auth_secret_arns["us-west-2"]
  router_tls_certificate_secret_arn = var.router_tls_certificate_secret_arns["us-west-2"]
  router_tls_key_secret_arn         = var.router_tls_key_secret_arns["us-west-2"]
  target_group_arn                  = module.load_balancer_usw2.router_target_group_arn
  nlb_security_group_id             = module.load_balancer_usw2.security_group_id
  proxy_target_group_arn            = module.privatelink_usw2.target_group_arn
  proxy_protocol_port               = module.privatelink_usw2.proxy_protocol_port
  proxy_protocol_trusted_cidrs      = module.privatelink_usw2.trusted_cidrs
  gpu_security_group_id             = module.gpu_fleet_usw2.security_group_id
  launch_template_id                = module.gpu_fleet_usw2.launch_template_id
  endpoint_group_arns               = module.edge.endpoint_group_arns
  router_count                      = var.router_count
  scaling                           = var.scaling
  log_retention_days                = var.log_retention_days
  tags                              = local.tags
}

module "observability_usw2" {
  source    = "../../modules/observability"
  providers = { aws = aws.usw2 }

  name                           = var.name
  region                         = "us-west-2"
  regions                        = local.regions
  create_global_dashboards       = false
  fsx_file_system_id             = module.model_store_usw2.file_system_id
  fsx_storage_capacity_gib       = var.fsx_storage_capacity_gib
  nlb_arn_suffix                 = module.load_balancer_usw2.nlb_arn_suffix
  router_target_group_arn_suffix = module.load_balancer_usw2.router_target_group_arn_suffix
  sns_topic_arn                  = lookup(var.sns_topic_arns, "us-west-2", null)
  tags                           = local.tags
}
