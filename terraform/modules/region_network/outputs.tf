# Everything module region reads (pass the whole module: network = module.<this call>), plus what the environment
# reports.

output "vpc_id" {
  description = "The region's VPC id."
  value       = module.network.vpc_id
}

output "cidr" {
  description = "The VPC's block."
  value       = module.network.cidr
}

output "public_subnet_ids" {
  description = "Public subnets (the NLB, the NAT gateway in the first), one per AZ."
  value       = module.network.public_subnet_ids
}

output "public_subnet_cidrs" {
  description = "The public subnets' blocks (module privatelink: the NLB's source addresses for PROXY v2 trust)."
  value       = module.network.public_subnet_cidrs
}

output "private_subnet_ids" {
  description = "Private subnets (tasks, GPU instances), one per AZ."
  value       = module.network.private_subnet_ids
}

output "model_store_subnet_ids" {
  description = "Model store subnets (FSx), one per AZ."
  value       = module.network.model_store_subnet_ids
}

output "dynamodb_prefix_list_id" {
  description = "The DynamoDB gateway endpoint's prefix list (security group egress)."
  value       = module.network.dynamodb_prefix_list_id
}

output "s3_prefix_list_id" {
  description = "The S3 gateway endpoint's prefix list (security group egress)."
  value       = module.network.s3_prefix_list_id
}

output "nat_gateway_id" {
  description = "The NAT gateway of the private route table's default route."
  value       = aws_nat_gateway.this.id
}

output "nlb_arn" {
  description = "The router NLB's ARN (module edge endpoints; module privatelink)."
  value       = module.load_balancer.nlb_arn
}

output "nlb_arn_suffix" {
  description = "The NLB's ARN suffix (CloudWatch dimension LoadBalancer)."
  value       = module.load_balancer.nlb_arn_suffix
}

output "nlb_dns_name" {
  description = "The NLB's DNS name (direct regional access, bypassing Global Accelerator)."
  value       = module.load_balancer.nlb_dns_name
}

output "nlb_security_group_id" {
  description = "The NLB's security group (module services adds its rules to the router tasks)."
  value       = module.load_balancer.security_group_id
}

output "router_target_group_arn" {
  description = "The routers' tenant target group (module services)."
  value       = module.load_balancer.router_target_group_arn
}

output "router_target_group_arn_suffix" {
  description = "The target group's ARN suffix (CloudWatch dimension TargetGroup)."
  value       = module.load_balancer.router_target_group_arn_suffix
}
