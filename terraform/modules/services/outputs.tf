output "cluster_arn" {
  description = "ARN of the region's ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the region's ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "router_security_group_id" {
  description = "Security group of the router tasks (the only source on the GPU instances' agent port; this module adds that rule)."
  value       = aws_security_group.router.id
}

output "control_security_group_id" {
  description = "Security group of the autoscaler and failover controller tasks."
  value       = aws_security_group.control.id
}

output "service_names" {
  description = "ECS service names by service."
  value = merge(
    { router = aws_ecs_service.router.name },
    { for k, s in aws_ecs_service.control : k => s.name },
  )
}

output "task_definition_arns" {
  description = "Task definition ARNs by service."
  value = merge(
    { router = aws_ecs_task_definition.router.arn },
    { for k, t in aws_ecs_task_definition.control : k => t.arn },
  )
}

output "log_group_names" {
  description = "Log group names by service."
  value       = { for k, g in aws_cloudwatch_log_group.this : k => g.name }
}

output "log_group_arns" {
  description = "Log group ARNs by service (module iam: task_log_group_arns)."
  value       = { for k, g in aws_cloudwatch_log_group.this : k => g.arn }
}

output "environment" {
  description = "The environment each task definition sets, by service (for the check that every name is a documented MRGC_ key)."
  value = {
    router              = local.router_env
    autoscaler          = local.autoscaler_env
    failover-controller = local.failover_env
  }
}
