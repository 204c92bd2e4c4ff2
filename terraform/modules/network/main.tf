################################################################################
# One region's VPC over three AZs. Subnet plan (for a /18, e.g. 10.66.0.0/18):
#   private      /20 x 3  index 0-2 of the /20s   10.66.0.0/20, 10.66.16.0/20, 10.66.32.0/20   router tasks, control tasks, GPU instances
#   public       /24 x 3  /24 index 48-50         10.66.48.0/24 .. 10.66.50.0/24              the NLBs only
#   model store  /24 x 3  /24 index 52-54         10.66.52.0/24 .. 10.66.54.0/24              FSx for Lustre
# (newbits are relative to var.cidr, so a /16 or /20 scales the same plan.)
# No NAT gateway: tasks and GPU instances reach AWS APIs through the endpoints below and nothing else.
################################################################################

data "aws_region" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  azs    = length(var.azs) == 3 ? var.azs : slice(data.aws_availability_zones.available.names, 0, 3)
  region = data.aws_region.current.region

  private_cidrs     = [for i in range(3) : cidrsubnet(var.cidr, 2, i)]
  public_cidrs      = [for i in range(3) : cidrsubnet(var.cidr, 6, 48 + i)]
  model_store_cidrs = [for i in range(3) : cidrsubnet(var.cidr, 6, 52 + i)]
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true # interface endpoints with private DNS need both

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "public" {
  count = 3

  vpc_id                  = aws_vpc.this.id
  availability_zone       = local.azs[count.index]
  cidr_block              = local.public_cidrs[count.index]
  map_public_ip_on_launch = false # only the NLBs live here; they get their addresses from ELB

  tags = merge(var.tags, { Name = "${var.name}-public-${local.azs[count.index]}", Tier = "public" })
}

resource "aws_subnet" "private" {
  count = 3

  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = local.private_cidrs[count.index]

  tags = merge(var.tags, { Name = "${var.name}-private-${local.azs[count.index]}", Tier = "private" })
}

resource "aws_subnet" "model_store" {
  count = 3

  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = local.model_store_cidrs[count.index]

  tags = merge(var.tags, { Name = "${var.name}-model-store-${local.azs[count.index]}", Tier = "model-store" })
}

################################################################################
# Routing: the internet gateway serves the public subnets (internet-facing NLBs) only.
################################################################################

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = 3

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# One table for the private and model-store subnets: without NAT there is nothing per-AZ to route.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-private" })
}

resource "aws_route" "peering" {
  for_each = var.peering_routes

  route_table_id            = aws_route_table.private.id
  destination_cidr_block    = each.key
  vpc_peering_connection_id = each.value
}

resource "aws_route_table_association" "private" {
  count = 3

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_route_table_association" "model_store" {
  count = 3

  subnet_id      = aws_subnet.model_store[count.index].id
  route_table_id = aws_route_table.private.id
}

################################################################################
# VPC endpoints. Gateway endpoints (free) for DynamoDB (the tables) and S3 (ECR image layers, the model bucket);
# interface endpoints for the rest of the AWS APIs the services and GPU instances call.
################################################################################

resource "aws_vpc_endpoint" "gateway" {
  for_each = toset(["dynamodb", "s3"])

  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name}-vpc-endpoints"
  description = "Interface VPC endpoints: HTTPS from inside the VPC"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-vpc-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS to the AWS APIs from the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.cidr

  tags = var.tags
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoint_services)

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true # the SDKs' default endpoints resolve to these ENIs
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]

  tags = merge(var.tags, { Name = "${var.name}-${replace(each.key, ".", "-")}" })
}
