################################################################################
# Global Accelerator: two static anycast IPv4 addresses, one TCP listener, one endpoint group per region pointing
# at the region's router NLB.
#
# Port mapping: GA listener 443 -> NLB tenant listener 443 (TCP) -> router tasks' tenant port 8443 (TLS ends in
# the router, so GA and the NLB only see TCP). The NLB target group and listener belong to the services module.
#
# Health: a region leaves rotation when its routers' /healthz/region (admin port 9100) fails: FAILOVER_ACTIVE, or
# no routable instance. For NLB endpoints GA ignores the endpoint group's health settings and follows the NLB
# target group's health check, so that check must carry the same values (output health_check); they are set here
# as well so that the group documents, and keeps, the intended check if the endpoint type ever changes.
################################################################################

resource "aws_globalaccelerator_accelerator" "this" {
  name            = var.name
  ip_address_type = "IPV4"
  enabled         = true

  attributes {
    flow_logs_enabled   = var.flow_logs_s3_bucket != null
    flow_logs_s3_bucket = var.flow_logs_s3_bucket
    flow_logs_s3_prefix = var.flow_logs_s3_bucket != null ? var.flow_logs_s3_prefix : null
  }

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_globalaccelerator_listener" "this" {
  accelerator_arn = aws_globalaccelerator_accelerator.this.arn
  protocol        = "TCP"
  client_affinity = var.client_affinity

  port_range {
    from_port = var.listener_port
    to_port   = var.listener_port
  }
}

resource "aws_globalaccelerator_endpoint_group" "this" {
  for_each = var.endpoints

  listener_arn          = aws_globalaccelerator_listener.this.arn
  endpoint_group_region = each.key

  # Initial dial only. At run time the failover controller owns the dial (UpdateEndpointGroup for planned drains
  # and gradual failback, e.g. 10 -> 50 -> 100); ignore_changes below keeps terraform from resetting it.
  traffic_dial_percentage = 100

  health_check_protocol         = var.health_check_protocol
  health_check_port             = var.health_check_port
  health_check_path             = var.health_check_protocol == "TCP" ? null : var.health_check_path
  health_check_interval_seconds = var.health_check_interval_seconds
  threshold_count               = var.health_check_threshold_count

  endpoint_configuration {
    endpoint_id                    = each.value
    weight                         = var.endpoint_weight
    client_ip_preservation_enabled = var.client_ip_preservation_enabled
  }

  dynamic "port_override" {
    for_each = var.nlb_listener_port == var.listener_port ? [] : [var.nlb_listener_port]
    content {
      listener_port = var.listener_port
      endpoint_port = port_override.value
    }
  }

  lifecycle {
    # The failover controller moves the dial at run time (docs/config.md dials.type: global-accelerator).
    ignore_changes = [traffic_dial_percentage]
  }
}
