output "endpoint_service_name" {
  description = "The PrivateLink endpoint service name (tenants create an interface VPC endpoint to it, port 8444)."
  value       = module.privatelink.endpoint_service_name
}

output "model_bucket" {
  description = "The S3 location linked to the model store (s3://<bucket>/models/): a published version sits under <name>@<version>/ (docs/state.md, models), which FSx imports under /fsx/models."
  value       = module.model_store.data_repository_path
}

output "model_store" {
  description = "What `mrgc model publish` needs in AWS mode: where to upload (data_repository_path) and the file system to import into (file_system_id, file_system_arn), and the resources of the publisher's permissions (s3_objects_arn, file_system_arn)."
  value = {
    file_system_id                 = module.model_store.file_system_id
    file_system_arn                = module.model_store.file_system_arn
    data_repository_association_id = module.model_store.data_repository_association_id
    data_repository_path           = module.model_store.data_repository_path
    s3_objects_arn                 = module.model_store.s3_objects_arn
    file_system_path               = module.model_store.file_system_path
    model_root                     = module.model_store.model_root
  }
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
