output "accelerator_arn" {
  description = "ARN of the accelerator."
  value       = aws_globalaccelerator_accelerator.this.arn
}

output "ip_addresses" {
  description = "The two static anycast IPv4 addresses tenants connect to."
  value       = flatten(aws_globalaccelerator_accelerator.this.ip_sets[*].ip_addresses)
}

output "dns_name" {
  description = "The accelerator's DNS name (resolves to the two anycast addresses)."
  value       = aws_globalaccelerator_accelerator.this.dns_name
}

output "hosted_zone_id" {
  description = "Route 53 hosted zone id of the accelerator, for an alias record."
  value       = aws_globalaccelerator_accelerator.this.hosted_zone_id
}

output "listener_arn" {
  description = "ARN of the TCP listener."
  value       = aws_globalaccelerator_listener.this.arn
}

output "endpoint_group_arns" {
  description = "Endpoint group ARN by region: the failover controller's dials.endpointGroupArns.<region>."
  value       = { for region, g in aws_globalaccelerator_endpoint_group.this : region => g.arn }
}

output "dials_endpoint_group_arns_env" {
  description = "The same map in the environment form the failover controller reads (MRGC_DIALS_ENDPOINT_GROUP_ARNS, or MRGC_FAILOVER_DIALS_ENDPOINT_GROUP_ARNS in the control process): region=arn;region=arn."
  value       = join(";", [for region in sort(keys(aws_globalaccelerator_endpoint_group.this)) : "${region}=${aws_globalaccelerator_endpoint_group.this[region].arn}"])
}

output "health_check" {
  description = "The regional health check the routers' NLB tenant target group must use (GA follows the NLB's health for NLB endpoints)."
  value = {
    protocol            = var.health_check_protocol
    port                = var.health_check_port
    path                = var.health_check_path
    interval_seconds    = var.health_check_interval_seconds
    healthy_threshold   = var.health_check_threshold_count
    unhealthy_threshold = var.health_check_threshold_count
  }
}
