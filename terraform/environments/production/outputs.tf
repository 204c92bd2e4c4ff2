output "anycast_ip_addresses" {
  description = "The two static anycast IPv4 addresses of Global Accelerator: tenants connect to https://<ip>/ (port 443)."
  value       = module.edge.ip_addresses
}

output "accelerator_dns_name" {
  description = "The accelerator's DNS name (a CNAME or alias target for the tenants' hostname)."
  value       = module.edge.dns_name
}

output "endpoint_group_arns" {
  description = "Global Accelerator endpoint group ARN per region (the failover controllers' dials)."
  value       = module.edge.endpoint_group_arns
}

output "nlb_dns_names" {
  description = "DNS name of each region's router NLB (direct regional access, bypassing Global Accelerator)."
  value = {
    "us-east-1" = module.region_network_us_east_1.nlb_dns_name
    "us-east-2" = module.region_network_us_east_2.nlb_dns_name
    "us-west-2" = module.region_network_us_west_2.nlb_dns_name
  }
}

output "endpoint_service_names" {
  description = "PrivateLink endpoint service name per region (tenants create an interface VPC endpoint to it, port 8444)."
  value = {
    "us-east-1" = module.region_us_east_1.endpoint_service_name
    "us-east-2" = module.region_us_east_2.endpoint_service_name
    "us-west-2" = module.region_us_west_2.endpoint_service_name
  }
}

output "table_names" {
  description = "DynamoDB global table names by table (the same in every region), plus the regional rate_limits table."
  value       = merge(module.global_state.table_names, { rate_limits = "rate_limits" })
}

output "table_consistency" {
  description = "MREC or MRSC by global table."
  value       = module.global_state.table_consistency
}

output "tenant_key_arns" {
  description = "Primary (us-east-1) KMS key ARN per tenant id (the canary key under mrgc-canary): the tenants' SDKs encrypt with these."
  value       = module.keys.key_arns
}

output "canary_key_id" {
  description = "The canary key id (multi-Region: the same in every region; the agents' enclave.canaryKeyId)."
  value       = module.keys.canary_key_id
}

output "model_buckets" {
  description = "The S3 location linked to each region's model store (s3://<bucket>/models/): a published version sits under <name>@<version>/, which FSx imports under /fsx/models."
  value = {
    "us-east-1" = module.region_us_east_1.model_bucket
    "us-east-2" = module.region_us_east_2.model_bucket
    "us-west-2" = module.region_us_west_2.model_bucket
  }
}

output "model_stores" {
  description = "Per region, what `mrgc model publish` needs in AWS mode: file_system_id and data_repository_path (upload, then import), and the resources of the publisher's permissions (s3_objects_arn, file_system_arn)."
  value = {
    "us-east-1" = module.region_us_east_1.model_store
    "us-east-2" = module.region_us_east_2.model_store
    "us-west-2" = module.region_us_west_2.model_store
  }
}

output "ecs_clusters" {
  description = "ECS cluster name per region (services router, autoscaler, failover-controller)."
  value = {
    "us-east-1" = module.region_us_east_1.ecs_cluster_name
    "us-east-2" = module.region_us_east_2.ecs_cluster_name
    "us-west-2" = module.region_us_west_2.ecs_cluster_name
  }
}

output "launch_template_ids" {
  description = "GPU launch template id per region (the autoscalers' MRGC_FLEET_EC2_LAUNCH_TEMPLATE_ID)."
  value = {
    "us-east-1" = module.region_us_east_1.launch_template_id
    "us-east-2" = module.region_us_east_2.launch_template_id
    "us-west-2" = module.region_us_west_2.launch_template_id
  }
}
