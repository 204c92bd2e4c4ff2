# MRGC production: us-east-1 (home), us-east-2, us-west-2.
#
# Module order (no module cycle; see each module's README):
#   region_network (per region: network, a NAT gateway, load_balancer) -> global_state (us-east-1, replicas in the
#   other two) -> edge (Global Accelerator over the three NLBs) -> iam (global; endpoint groups, tables, secrets; launch
#   templates, KMS keys and log groups by tag or name) -> keys (needs iam's GPU instance role)
#   -> region (per region: privatelink, model_store -> gpu_fleet (iam's instance profile, keys' canary key,
#   model_store's FSx) -> services (iam's roles, gpu_fleet's launch template, edge's endpoint groups,
#   load_balancer's target group) -> observability; global dashboards once, in us-east-1).
# Terraform cannot for_each over providers, so each region is two short module calls (one per composition module);
# region_network comes before edge and region after it, so the NLB ARNs -> edge -> endpoint groups path has no cycle.
#
# No VPC peering: the failover controllers set no MRGC_PROBE_ROUTERS (module services), so nothing crosses regions
# inside AWS. They judge every region from the global tables (gpu_instances heartbeats, router metrics, replicated
# within about a second) and Global Accelerator's own health checks on each region's NLB target group (/healthz/region)
# move traffic in the data plane. The only cross-region call is the failover controllers' UpdateEndpointGroup to the
# Global Accelerator API (us-west-2, no VPC endpoint), which leaves through a NAT gateway per region (module
# region_network); the control tasks' security group is the only one with HTTPS egress to 0.0.0.0/0.

locals {
  regions = ["us-east-1", "us-east-2", "us-west-2"]

  tags = merge(var.tags, {
    Environment = "production"
    Stack       = var.name
  })

  # Every table's ARN in every region, by table (module iam). rate_limits is regional: one table per region.
  table_arns = merge(
    { for t, _ in module.global_state.table_names : t => [for r in local.regions : module.global_state.table_arns_by_region[r][t]] },
    { rate_limits = [for r in local.regions : module.global_state.regional_table_arns[r]["rate_limits"]] },
  )

  eif_object_arns = [for u in values(var.eif_s3_uris) : "arn:aws:s3:::${trimprefix(u, "s3://")}"]

  nlb_arns = {
    "us-east-1" = module.region_network_us_east_1.nlb_arn
    "us-east-2" = module.region_network_us_east_2.nlb_arn
    "us-west-2" = module.region_network_us_west_2.nlb_arn
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
module "region_network_us_east_1" {
  source    = "../../modules/region_network"
  providers = { aws = aws.use1 }

  name                = var.name
  region              = "us-east-1"
  cidr                = "10.66.0.0/18"
  deletion_protection = var.deletion_protection
  tags                = local.tags
}

module "region_us_east_1" {
  source    = "../../modules/region"
  providers = { aws = aws.use1 }

  name                              = var.name
  region                            = "us-east-1"
  regions                           = local.regions
  network                           = module.region_network_us_east_1
  iam                               = module.iam
  canary_key_id                     = module.keys.canary_key_id
  endpoint_group_arns               = module.edge.endpoint_group_arns
  image                             = var.images["us-east-1"]
  gpu_ami_id                        = var.gpu_ami_ids["us-east-1"]
  gpu_instance_type                 = var.gpu_instance_type
  eif_s3_uri                        = lookup(var.eif_s3_uris, "us-east-1", null)
  enclave_image_sha384              = var.enclave_image_sha384["us-east-1"]
  agent_auth_secret_arn             = var.agent_auth_secret_arns["us-east-1"]
  router_tls_certificate_secret_arn = var.router_tls_certificate_secret_arns["us-east-1"]
  router_tls_key_secret_arn         = var.router_tls_key_secret_arns["us-east-1"]
  privatelink_allowed_principals    = var.privatelink_allowed_principals
  privatelink_acceptance_required   = var.privatelink_acceptance_required
  fsx_storage_capacity_gib          = var.fsx_storage_capacity_gib
  router_count                      = var.router_count
  scaling                           = var.scaling
  log_retention_days                = var.log_retention_days
  create_global_dashboards          = true
  sns_topic_arn                     = lookup(var.sns_topic_arns, "us-east-1", null)
  tags                              = local.tags
}

# ---------------------------------------------------------------------------------------------------------------
# us-east-2
# ---------------------------------------------------------------------------------------------------------------
module "region_network_us_east_2" {
  source    = "../../modules/region_network"
  providers = { aws = aws.use2 }

  name                = var.name
  region              = "us-east-2"
  cidr                = "10.66.64.0/18"
  deletion_protection = var.deletion_protection
  tags                = local.tags
}

module "region_us_east_2" {
  source    = "../../modules/region"
  providers = { aws = aws.use2 }

  name                              = var.name
  region                            = "us-east-2"
  regions                           = local.regions
  network                           = module.region_network_us_east_2
  iam                               = module.iam
  canary_key_id                     = module.keys.canary_key_id
  endpoint_group_arns               = module.edge.endpoint_group_arns
  image                             = var.images["us-east-2"]
  gpu_ami_id                        = var.gpu_ami_ids["us-east-2"]
  gpu_instance_type                 = var.gpu_instance_type
  eif_s3_uri                        = lookup(var.eif_s3_uris, "us-east-2", null)
  enclave_image_sha384              = var.enclave_image_sha384["us-east-2"]
  agent_auth_secret_arn             = var.agent_auth_secret_arns["us-east-2"]
  router_tls_certificate_secret_arn = var.router_tls_certificate_secret_arns["us-east-2"]
  router_tls_key_secret_arn         = var.router_tls_key_secret_arns["us-east-2"]
  privatelink_allowed_principals    = var.privatelink_allowed_principals
  privatelink_acceptance_required   = var.privatelink_acceptance_required
  fsx_storage_capacity_gib          = var.fsx_storage_capacity_gib
  router_count                      = var.router_count
  scaling                           = var.scaling
  log_retention_days                = var.log_retention_days
  create_global_dashboards          = false
  sns_topic_arn                     = lookup(var.sns_topic_arns, "us-east-2", null)
  tags                              = local.tags
}

# ---------------------------------------------------------------------------------------------------------------
# us-west-2
# ---------------------------------------------------------------------------------------------------------------
module "region_network_us_west_2" {
  source    = "../../modules/region_network"
  providers = { aws = aws.usw2 }

  name                = var.name
  region              = "us-west-2"
  cidr                = "10.66.128.0/18"
  deletion_protection = var.deletion_protection
  tags                = local.tags
}

module "region_us_west_2" {
  source    = "../../modules/region"
  providers = { aws = aws.usw2 }

  name                              = var.name
  region                            = "us-west-2"
  regions                           = local.regions
  network                           = module.region_network_us_west_2
  iam                               = module.iam
  canary_key_id                     = module.keys.canary_key_id
  endpoint_group_arns               = module.edge.endpoint_group_arns
  image                             = var.images["us-west-2"]
  gpu_ami_id                        = var.gpu_ami_ids["us-west-2"]
  gpu_instance_type                 = var.gpu_instance_type
  eif_s3_uri                        = lookup(var.eif_s3_uris, "us-west-2", null)
  enclave_image_sha384              = var.enclave_image_sha384["us-west-2"]
  agent_auth_secret_arn             = var.agent_auth_secret_arns["us-west-2"]
  router_tls_certificate_secret_arn = var.router_tls_certificate_secret_arns["us-west-2"]
  router_tls_key_secret_arn         = var.router_tls_key_secret_arns["us-west-2"]
  privatelink_allowed_principals    = var.privatelink_allowed_principals
  privatelink_acceptance_required   = var.privatelink_acceptance_required
  fsx_storage_capacity_gib          = var.fsx_storage_capacity_gib
  router_count                      = var.router_count
  scaling                           = var.scaling
  log_retention_days                = var.log_retention_days
  create_global_dashboards          = false
  sns_topic_arn                     = lookup(var.sns_topic_arns, "us-west-2", null)
  tags                              = local.tags
}
