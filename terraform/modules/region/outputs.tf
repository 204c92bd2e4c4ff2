output "endpoint_service_name" {
  description = "The PrivateLink endpoint service name (tenants create an interface VPC endpoint to it, port 8444)."
  value       = module.privatelink.endpoint_service_name
}

output "model_bucket" {
  description = "Where to upload models (s3://<bucket>/models/<model>/<version>/...): FSx imports them under /fsx/models."
  value       = module.model_store.data_repository_path
}

output "fsx_file_system_id" {
  description = "The model store's FSx for Lustre file system."
  value       = module.model_store.file_system_id
}

output "launch_template_id" {
  description = "The GPU launch template id (the autoscaler's MRGC_FLEET_EC2_LAUNCH_TEMPLATE_ID)."
  value       = module.gpu_fleet.launch_template_id
}

output "gpu_security_group_id" {
  description = "The GPU instances' security group."
  value       = module.gpu_fleet.security_group_id
}

output "ecs_cluster_name" {
  description = "The ECS cluster (services router, autoscaler, failover-controller)."
  value       = module.services.cluster_name
}

output "region_dashboard_name" {
  description = "The region's CloudWatch dashboard."
  value       = module.observability.region_dashboard_name
}
