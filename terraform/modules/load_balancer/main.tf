# One region's router NLB: internet-facing in the public subnets, TCP 443 -> the routers' tenant listener 8443
# (TLS passthrough: the router ends TLS, docs/tls.md way 2), with its own security group and the tenant target group.
#
# Split out of module `services` so the environment has no module cycle: edge needs this NLB's ARN, and services
# needs edge's endpoint group ARNs (the failover controller's MRGC_DIALS_ENDPOINT_GROUP_ARNS). Order:
# load_balancer -> edge -> services (which registers the router tasks in `router_target_group_arn` and opens the
# router tasks' security group to `security_group_id`). Module privatelink adds its own listener (8444) on this NLB.
#
# Global Accelerator follows the NLB target group's health for NLB endpoints (the endpoint group's own health check
# settings are ignored), so the tenant target group carries the failover design's check: HTTP on the admin port 9100,
# path /healthz/region, every 10 s, threshold 2 (a region in FAILOVER_ACTIVE answers 503 there).

locals {
  prefix = "${var.name}-${var.region}"
  tg     = "${var.name}-rt-${var.region}"
}

resource "aws_security_group" "this" {
  name        = "${local.prefix}-nlb"
  description = "MRGC regional NLB: TCP 443 from anywhere (Global Accelerator and tenants), to the routers"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${local.prefix}-nlb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "tls" {
  for_each = toset(var.ingress_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "tenant TLS (passed through to the routers)"
  ip_protocol       = "tcp"
  from_port         = var.listener_port
  to_port           = var.listener_port
  cidr_ipv4         = each.key
  tags              = merge(var.tags, { Name = "${local.prefix}-nlb-tls" })
}

# Egress from this group to the router tasks (tenant port, admin port for health checks, PROXY port for PrivateLink)
# is added by module services, which owns the router tasks' security group (no cycle: services comes after this).

resource "aws_lb" "this" {
  name                             = local.prefix
  load_balancer_type               = "network"
  internal                         = false
  subnets                          = var.public_subnet_ids
  security_groups                  = [aws_security_group.this.id]
  enable_cross_zone_load_balancing = var.cross_zone
  enable_deletion_protection       = var.deletion_protection
  ip_address_type                  = "ipv4"

  # PrivateLink (module privatelink) connections arrive from tenants' endpoint addresses, unknown here: the security
  # group's inbound rules apply to the internet path only; the endpoint service's allowed principals and acceptance
  # gate PrivateLink.
  enforce_security_group_inbound_rules_on_private_link_traffic = "off"

  tags = merge(var.tags, { Name = local.prefix })
}

resource "aws_lb_target_group" "this" {
  name                 = local.tg
  port                 = var.target_port
  protocol             = "TCP"
  target_type          = "ip" # Fargate tasks register by address
  vpc_id               = var.vpc_id
  deregistration_delay = tostring(var.deregistration_delay_seconds)
  preserve_client_ip   = "true"

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = tostring(var.health_check_port)
    path                = var.health_check_path
    matcher             = "200"
    interval            = var.health_check_interval_seconds
    timeout             = 5
    healthy_threshold   = var.health_check_threshold
    unhealthy_threshold = var.health_check_threshold
  }

  tags = merge(var.tags, { Name = local.tg })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "this" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.listener_port
  protocol          = "TCP" # TLS passthrough: the router ends TLS

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = merge(var.tags, { Name = "${local.prefix}-${var.listener_port}" })
}
