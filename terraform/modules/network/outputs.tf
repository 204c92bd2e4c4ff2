output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "cidr" {
  description = "The VPC's IPv4 block."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "The three availability zones, in subnet order."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets (the internet-facing NLBs), one per AZ."
  value       = aws_subnet.public[*].id
}

output "public_subnet_cidrs" {
  description = "CIDR blocks of the public subnets (the NLBs' private addresses: the routers' proxyProtocol.trustedCidrs when the PrivateLink NLB lives there)."
  value       = aws_subnet.public[*].cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets (ECS tasks, GPU instances, interface endpoints), one per AZ."
  value       = aws_subnet.private[*].id
}

output "private_subnet_cidrs" {
  description = "CIDR blocks of the private subnets."
  value       = aws_subnet.private[*].cidr_block
}

output "model_store_subnet_ids" {
  description = "Model-store subnets (FSx for Lustre), one per AZ."
  value       = aws_subnet.model_store[*].id
}

output "model_store_subnet_cidrs" {
  description = "CIDR blocks of the model-store subnets."
  value       = aws_subnet.model_store[*].cidr_block
}

output "public_route_table_id" {
  description = "Route table of the public subnets."
  value       = aws_route_table.public.id
}

output "private_route_table_id" {
  description = "Route table of the private and model-store subnets (add cross-region peering routes here, or through peering_routes)."
  value       = aws_route_table.private.id
}

output "endpoint_security_group_id" {
  description = "Security group of the interface VPC endpoints (443 from the VPC)."
  value       = aws_security_group.endpoints.id
}

output "gateway_endpoint_ids" {
  description = "Gateway endpoint ids by service (dynamodb, s3)."
  value       = { for k, v in aws_vpc_endpoint.gateway : k => v.id }
}

output "interface_endpoint_ids" {
  description = "Interface endpoint ids by service."
  value       = { for k, v in aws_vpc_endpoint.interface : k => v.id }
}

output "dynamodb_prefix_list_id" {
  description = "Prefix list of the DynamoDB gateway endpoint (security group egress of tasks and GPU instances: modules services and gpu_fleet)."
  value       = aws_vpc_endpoint.gateway["dynamodb"].prefix_list_id
}

output "s3_prefix_list_id" {
  description = "Prefix list of the S3 gateway endpoint (ECR image layers, the EIF download: modules services and gpu_fleet)."
  value       = aws_vpc_endpoint.gateway["s3"].prefix_list_id
}
