output "router_task_role_arn" {
  description = "ARN of the router's ECS task role."
  value       = aws_iam_role.router.arn
}

output "autoscaler_task_role_arn" {
  description = "ARN of the autoscaler's ECS task role."
  value       = aws_iam_role.autoscaler.arn
}

output "failover_controller_task_role_arn" {
  description = "ARN of the failover controller's ECS task role."
  value       = aws_iam_role.failover_controller.arn
}

output "task_execution_role_arn" {
  description = "ARN of the ECS task execution role (ECR pull, awslogs, secrets)."
  value       = aws_iam_role.task_execution.arn
}

output "gpu_instance_role_arn" {
  description = "ARN of the GPU instance role: the principal of the tenant key policies' AttestedEnclaveOnly and InstanceRoleNeverWithoutRecipient statements (module keys)."
  value       = aws_iam_role.gpu_instance.arn
}

output "gpu_instance_role_name" {
  description = "Name of the GPU instance role."
  value       = aws_iam_role.gpu_instance.name
}

output "gpu_instance_profile_name" {
  description = "Name of the GPU instance profile (module gpu_fleet's launch template)."
  value       = aws_iam_instance_profile.gpu_instance.name
}

output "gpu_instance_profile_arn" {
  description = "ARN of the GPU instance profile."
  value       = aws_iam_instance_profile.gpu_instance.arn
}

output "actions" {
  description = "The IAM actions each role allows (the same lists as actions.json)."
  value       = jsondecode(file("${path.module}/actions.json")).roles
}
