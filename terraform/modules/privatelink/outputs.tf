output "endpoint_service_id" {
  description = "ID of the VPC endpoint service (vpce-svc-...)."
  value       = aws_vpc_endpoint_service.this.id
}

output "endpoint_service_name" {
  description = "Service name tenants create their interface endpoints with (com.amazonaws.vpce.<region>.vpce-svc-...)."
  value       = aws_vpc_endpoint_service.this.service_name
}

output "target_group_arn" {
  description = "ARN of the PROXY v2 target group (the router ECS service registers its tasks here on proxy_protocol_port)."
  value       = aws_lb_target_group.this.arn
}

output "listener_arn" {
  description = "ARN of the NLB listener PrivateLink tenants connect to."
  value       = aws_lb_listener.this.arn
}

output "listener_port" {
  description = "Port PrivateLink tenants connect to."
  value       = var.listener_port
}

output "proxy_protocol_port" {
  description = "The routers' PROXY listener port (proxyProtocol.port, MRGC_PROXY_PROTOCOL_PORT)."
  value       = var.proxy_protocol_port
}

output "trusted_cidrs" {
  description = "Networks the routers' PROXY listener must trust: the NLB's subnets (proxyProtocol.trustedCidrs)."
  value       = var.nlb_subnet_cidrs
}

output "trusted_cidrs_env" {
  description = "trusted_cidrs in the form of MRGC_PROXY_PROTOCOL_TRUSTED_CIDRS (comma-separated)."
  value       = join(",", var.nlb_subnet_cidrs)
}
