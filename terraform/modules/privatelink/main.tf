################################################################################
# PrivateLink into one region: a VPC endpoint service on the router NLB, and a PROXY protocol v2 path through it:
# NLB listener (listener_port) -> target group (proxy_protocol_v2) -> router tasks' PROXY listener 8444, which
# reads the header (it names the tenant's VPC endpoint id) and relays to the tenant listener.
# The routers accept PROXY headers only from the NLB's subnets (proxyProtocol.trustedCidrs = output trusted_cidrs).
################################################################################

resource "aws_lb_target_group" "this" {
  name        = "${var.name}-router-proxy"
  vpc_id      = var.vpc_id
  target_type = "ip" # Fargate tasks register by address
  protocol    = "TCP"
  port        = var.proxy_protocol_port

  proxy_protocol_v2    = true
  preserve_client_ip   = "false" # the router must see the NLB's address as the peer: that is what it trusts
  deregistration_delay = tostring(var.deregistration_delay_seconds)

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = tostring(var.health_check_port)
    path                = var.health_check_path
    interval            = var.health_check_interval_seconds
    healthy_threshold   = var.health_check_threshold_count
    unhealthy_threshold = var.health_check_threshold_count
  }

  tags = merge(var.tags, { Name = "${var.name}-router-proxy" })
}

resource "aws_lb_listener" "this" {
  load_balancer_arn = var.nlb_arn
  port              = var.listener_port
  protocol          = "TCP" # TLS ends in the router

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = merge(var.tags, { Name = "${var.name}-privatelink" })
}

resource "aws_vpc_endpoint_service" "this" {
  acceptance_required        = var.acceptance_required
  network_load_balancer_arns = [var.nlb_arn]
  allowed_principals         = var.allowed_principals
  private_dns_name           = var.private_dns_name
  supported_ip_address_types = ["ipv4"]

  tags = merge(var.tags, { Name = "${var.name}-router" })
}

# Optional: open the router tasks to the NLB nodes (PROXY port and the health check port).
resource "aws_vpc_security_group_ingress_rule" "proxy" {
  # Keyed by position and gated by a plain bool: the group id is usually unknown at plan time.
  for_each = var.add_router_ingress_rules ? { for i, cidr in var.nlb_subnet_cidrs : tostring(i) => cidr } : {}

  security_group_id = var.router_security_group_id
  description       = "PROXY v2 from the PrivateLink NLB"
  ip_protocol       = "tcp"
  from_port         = var.proxy_protocol_port
  to_port           = var.proxy_protocol_port
  cidr_ipv4         = each.value

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.router_security_group_id != null
      error_message = "add_router_ingress_rules needs router_security_group_id."
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "health" {
  # Keyed by position and gated by a plain bool: the group id is usually unknown at plan time.
  for_each = var.add_router_ingress_rules ? { for i, cidr in var.nlb_subnet_cidrs : tostring(i) => cidr } : {}

  security_group_id = var.router_security_group_id
  description       = "NLB health checks on the admin port"
  ip_protocol       = "tcp"
  from_port         = var.health_check_port
  to_port           = var.health_check_port
  cidr_ipv4         = each.value

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.router_security_group_id != null
      error_message = "add_router_ingress_rules needs router_security_group_id."
    }
  }
}
