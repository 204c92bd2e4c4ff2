# One region of MRGC after its network layer (module region_network): privatelink, model_store, gpu_fleet, services,
# observability, wired as the environment wired them per region. Global values (roles, the canary key, the endpoint
# groups) come in from the environment; the aws provider given is the region's.

module "privatelink" {
  source = "../privatelink"

  name                = var.name
  nlb_arn             = var.network.nlb_arn
  vpc_id              = var.network.vpc_id
  nlb_subnet_cidrs    = var.network.public_subnet_cidrs
  allowed_principals  = var.privatelink_allowed_principals
  acceptance_required = var.privatelink_acceptance_required
  tags                = var.tags
}

module "model_store" {
  source = "../model_store"

  name             = var.name
  vpc_id           = var.network.vpc_id
  subnet_id        = var.network.model_store_subnet_ids[0]
  storage_capacity = var.fsx_storage_capacity_gib
  tags             = var.tags
}

module "gpu_fleet" {
  source = "../gpu_fleet"

  name                    = var.name
  region                  = var.region
  vpc_id                  = var.network.vpc_id
  vpc_cidr                = var.network.cidr
  subnet_id               = var.network.private_subnet_ids[0] # the FSx file system's AZ
  dynamodb_prefix_list_id = var.network.dynamodb_prefix_list_id
  s3_prefix_list_id       = var.network.s3_prefix_list_id
  ami_id                  = var.gpu_ami_id
  instance_type           = var.gpu_instance_type
  instance_profile_name   = var.iam.gpu_instance_profile_name
  fsx_dns_name            = module.model_store.dns_name
  fsx_mount_name          = module.model_store.mount_name
  fsx_security_group_id   = module.model_store.security_group_id
  eif_s3_uri              = var.eif_s3_uri
  enclave_image_sha384    = var.enclave_image_sha384
  canary_key_id           = var.canary_key_id
  peer_auth_secret_arn    = var.agent_auth_secret_arn
  log_retention_days      = var.log_retention_days
  tags                    = var.tags
}

module "services" {
  source = "../services"

  name                              = var.name
  region                            = var.region
  regions                           = var.regions
  vpc_id                            = var.network.vpc_id
  vpc_cidr                          = var.network.cidr
  private_subnet_ids                = var.network.private_subnet_ids
  dynamodb_prefix_list_id           = var.network.dynamodb_prefix_list_id
  s3_prefix_list_id                 = var.network.s3_prefix_list_id
  image                             = var.image
  task_execution_role_arn           = var.iam.task_execution_role_arn
  router_task_role_arn              = var.iam.router_task_role_arn
  autoscaler_task_role_arn          = var.iam.autoscaler_task_role_arn
  failover_controller_task_role_arn = var.iam.failover_controller_task_role_arn
  agent_auth_secret_arn             = var.agent_auth_secret_arn
  router_tls_certificate_secret_arn = var.router_tls_certificate_secret_arn
  router_tls_key_secret_arn         = var.router_tls_key_secret_arn
  target_group_arn                  = var.network.router_target_group_arn
  nlb_security_group_id             = var.network.nlb_security_group_id
  proxy_target_group_arn            = module.privatelink.target_group_arn
  proxy_protocol_port               = module.privatelink.proxy_protocol_port
  proxy_protocol_trusted_cidrs      = module.privatelink.trusted_cidrs
  gpu_security_group_id             = module.gpu_fleet.security_group_id
  launch_template_id                = module.gpu_fleet.launch_template_id
  endpoint_group_arns               = var.endpoint_group_arns
  router_count                      = var.router_count
  scaling                           = var.scaling
  log_retention_days                = var.log_retention_days
  tags                              = var.tags
}

module "observability" {
  source = "../observability"

  name                           = var.name
  region                         = var.region
  regions                        = var.regions
  create_global_dashboards       = var.create_global_dashboards
  fsx_file_system_id             = module.model_store.file_system_id
  fsx_storage_capacity_gib       = var.fsx_storage_capacity_gib
  nlb_arn_suffix                 = var.network.nlb_arn_suffix
  router_target_group_arn_suffix = var.network.router_target_group_arn_suffix
  sns_topic_arn                  = var.sns_topic_arn
  tags                           = var.tags
}
