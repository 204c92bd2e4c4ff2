output "launch_template_id" {
  description = "Launch template id (autoscaler fleet.ec2.launchTemplateId, MRGC_FLEET_EC2_LAUNCH_TEMPLATE_ID)."
  value       = aws_launch_template.this.id
}

output "launch_template_arn" {
  description = "Launch template ARN (module iam: launch_template_arns)."
  value       = aws_launch_template.this.arn
}

output "launch_template_name" {
  description = "Launch template name."
  value       = aws_launch_template.this.name
}

output "launch_template_latest_version" {
  description = "Latest version of the launch template (also the default: update_default_version)."
  value       = aws_launch_template.this.latest_version
}

output "security_group_id" {
  description = "Security group of the GPU instances."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "Log group of the GPU instances (agent stdout with EMF lines, enclave console, user data)."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of that log group (module iam: instance_log_group_arns)."
  value       = aws_cloudwatch_log_group.this.arn
}
