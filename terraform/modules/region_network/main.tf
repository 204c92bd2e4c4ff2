# One region's network layer: the VPC (module network), a NAT gateway for the failover controllers' Global Accelerator
# API calls, and the router NLB (module load_balancer). Split from module region so that the environment's edge (which
# needs every region's NLB ARN) comes after this module and before module region (whose services need edge's endpoint
# group ARNs): no module cycle.

module "network" {
  source = "../network"

  name                        = var.name
  cidr                        = var.cidr
  interface_endpoint_services = var.interface_endpoint_services
  tags                        = var.tags
}

# NAT for the failover controllers' Global Accelerator API calls (us-west-2, no VPC endpoint). One gateway, in the
# first public subnet: losing that AZ only stops dial changes from this region (the other regions' controllers and
# GA's own health checks still move traffic).
resource "aws_eip" "nat" {
  domain = "vpc"
  tags   = merge(var.tags, { Name = "${var.name}-nat-${var.region}" })
}

resource "aws_nat_gateway" "this" {
  allocation_id = aws_eip.nat.id
  subnet_id     = module.network.public_subnet_ids[0]
  tags          = merge(var.tags, { Name = "${var.name}-nat-${var.region}" })
}

resource "aws_route" "nat" {
  route_table_id         = module.network.private_route_table_id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this.id
}

module "load_balancer" {
  source = "../load_balancer"

  name                = var.name
  region              = var.region
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  deletion_protection = var.deletion_protection
  tags                = var.tags
}
