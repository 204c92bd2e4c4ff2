output "nlb_arn" {
  description = "ARN of the region's NLB (module edge: endpoints; module privatelink: nlb_arn)."
  value       = aws_lb.this.arn
}

output "nlb_arn_suffix" {
  description = "ARN suffix of the NLB (CloudWatch AWS/NetworkELB LoadBalancer dimension; module observability)."
  value       = aws_lb.this.arn_suffix
}

output "nlb_dns_name" {
  description = "DNS name of the region's NLB."
  value       = aws_lb.this.dns_name
}

output "nlb_zone_id" {
  description = "Route 53 zone id of the NLB."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "Security group of the NLB (module services: nlb_security_group_id)."
  value       = aws_security_group.this.id
}

output "router_target_group_arn" {
  description = "ARN of the routers' tenant target group (module services: target_group_arn)."
  value       = aws_lb_target_group.this.arn
}

output "router_target_group_arn_suffix" {
  description = "ARN suffix of the routers' target group (CloudWatch TargetGroup dimension; module observability)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "listener_arn" {
  description = "ARN of the tenant TCP listener."
  value       = aws_lb_listener.this.arn
}

output "listener_port" {
  description = "The NLB's tenant listener port (module edge: nlb_listener_port)."
  value       = aws_lb_listener.this.port
}

output "health_check" {
  description = "The tenant target group's health check (what Global Accelerator follows for this endpoint)."
  value = {
    protocol            = "HTTP"
    port                = var.health_check_port
    path                = var.health_check_path
    interval_seconds    = var.health_check_interval_seconds
    healthy_threshold   = var.health_check_threshold
    unhealthy_threshold = var.health_check_threshold
  }
}
