# One region's ECS Fargate services: the routers behind the region's internet-facing NLB (module load_balancer: TCP
# 443 -> 8443, TLS passed through to the router, health checked over HTTP on the admin port's /healthz/region), and the autoscaler and the
# failover controller (control_count tasks each: a lease picks the leader, the others stand by).
#
# Every environment variable and secret below is a documented key's MRGC_ name (docs/config.md: router, autoscaler,
# failover-controller); the router's TLS chain and key come from Secrets Manager as the secrets
# MRGC_TLS_CERTIFICATE_PEM and MRGC_TLS_KEY_PEM (tls.certificatePem, tls.keyPem: Fargate has no host files). Every
# task reads `--config /dev/null` (an empty file is an empty mapping) and takes all of its settings from the
# environment, as docs/config.md intends for ECS.

locals {
  prefix   = "${var.name}-${var.region}"
  services = ["router", "autoscaler", "failover-controller"]

  # NLB -> router tasks: tenant listener, admin port (health checks of both target groups), PROXY v2 (PrivateLink).
  nlb_to_router_ports = merge(
    { tenant = var.listener_port, admin = var.admin_port },
    var.proxy_protocol_port == null ? {} : { proxy = var.proxy_protocol_port },
  )

  common_env = {
    MRGC_MODE                   = "aws"
    MRGC_REGION                 = var.region
    MRGC_ADMIN_HOST             = "0.0.0.0"
    MRGC_ADMIN_PORT             = tostring(var.admin_port)
    MRGC_PROCESS_SHUTDOWN_GRACE = "${var.shutdown_grace_seconds}s"
    MRGC_METRICS_EMF            = "on"
  }

  router_env = merge(local.common_env, {
    MRGC_LISTENER_HOST         = "0.0.0.0"
    MRGC_LISTENER_PORT         = tostring(var.listener_port)
    MRGC_TLS_ENABLED           = "true"
    MRGC_LIFECYCLE_DRAIN_DELAY = "${var.drain_delay_seconds}s"
    }, var.proxy_protocol_port == null ? {} : {
    MRGC_PROXY_PROTOCOL_PORT          = tostring(var.proxy_protocol_port)
    MRGC_PROXY_PROTOCOL_HOST          = "0.0.0.0"
    MRGC_PROXY_PROTOCOL_TRUSTED_CIDRS = join(",", var.proxy_protocol_trusted_cidrs)
  })

  autoscaler_env = merge(local.common_env, {
    MRGC_FLEET_TYPE                        = "ec2"
    MRGC_FLEET_EC2_LAUNCH_TEMPLATE_ID      = var.launch_template_id
    MRGC_FLEET_EC2_LAUNCH_TEMPLATE_VERSION = var.launch_template_version
    MRGC_SCALING_MIN_INSTANCES             = tostring(var.scaling.min_instances)
    MRGC_SCALING_MAX_INSTANCES             = tostring(var.scaling.max_instances)
    MRGC_SCALING_TARGET_RPS_PER_INSTANCE   = tostring(var.scaling.target_rps_per_instance)
  })

  # No MRGC_PROBE_ROUTERS: router task addresses change with every deployment and the admin port is not on the NLB,
  # so regions are judged from heartbeats and router metrics without the probe (docs/config.md: "a region without
  # URLs is judged without the probe"). MRGC_LEASE_HOLDER is left to its default (<hostname>-<pid>), unique per task.
  failover_env = merge(local.common_env, {
    MRGC_REGIONS                   = join(",", var.regions)
    MRGC_DIALS_TYPE                = "global-accelerator"
    MRGC_DIALS_ENDPOINT_GROUP_ARNS = join(";", [for r in sort(keys(var.endpoint_group_arns)) : "${r}=${var.endpoint_group_arns[r]}"])
    MRGC_START_DELAY               = var.failover_start_delay
  })

  # The image's HEALTHCHECK command (containers/Containerfile): GET http://127.0.0.1:9100/readyz, 200 only.
  health_check = {
    command     = ["CMD", "/app/bin/healthcheck"]
    interval    = 10
    timeout     = 5
    retries     = 3
    startPeriod = 60
  }

  log_config = { for s in local.services : s => {
    logDriver = "awslogs"
    options = {
      awslogs-group         = aws_cloudwatch_log_group.this[s].name
      awslogs-region        = var.region
      awslogs-stream-prefix = s
      mode                  = "non-blocking"
      max-buffer-size       = "4m"
    }
  } }
}

# ---------------------------------------------------------------------------------------------------------------
# Cluster and logs
# ---------------------------------------------------------------------------------------------------------------
resource "aws_ecs_cluster" "this" {
  name = local.prefix

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = merge(var.tags, { Name = local.prefix })
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(local.services)

  name              = "/${var.name}/${var.region}/${each.key}"
  retention_in_days = var.log_retention_days
  tags              = merge(var.tags, { Name = "/${var.name}/${var.region}/${each.key}", "mrgc:service" = each.key })
}

# ---------------------------------------------------------------------------------------------------------------
# Security groups
# ---------------------------------------------------------------------------------------------------------------
# The NLB's security group belongs to module load_balancer (nlb_security_group_id); the rules between it and the
# router tasks live here, next to the router tasks' group (load_balancer comes first, so no cycle).
resource "aws_vpc_security_group_egress_rule" "nlb_to_router" {
  for_each = local.nlb_to_router_ports

  security_group_id            = var.nlb_security_group_id
  description                  = "NLB to the routers: ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.router.id
  tags                         = merge(var.tags, { Name = "${local.prefix}-nlb-to-router-${each.key}" })
}

resource "aws_security_group" "router" {
  name        = "${local.prefix}-router"
  description = "MRGC router tasks: tenant listener and health checks from the NLB, PROXY v2 from the PrivateLink NLB"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${local.prefix}-router" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "router_tls" {
  security_group_id            = aws_security_group.router.id
  description                  = "tenant listener from the NLB"
  ip_protocol                  = "tcp"
  from_port                    = var.listener_port
  to_port                      = var.listener_port
  referenced_security_group_id = var.nlb_security_group_id
  tags                         = merge(var.tags, { Name = "${local.prefix}-router-tls" })
}

resource "aws_vpc_security_group_ingress_rule" "router_admin_nlb" {
  security_group_id            = aws_security_group.router.id
  description                  = "NLB health checks on the admin port"
  ip_protocol                  = "tcp"
  from_port                    = var.admin_port
  to_port                      = var.admin_port
  referenced_security_group_id = var.nlb_security_group_id
  tags                         = merge(var.tags, { Name = "${local.prefix}-router-admin-nlb" })
}

resource "aws_vpc_security_group_ingress_rule" "router_proxy" {
  for_each = var.proxy_protocol_port == null ? toset([]) : toset(var.proxy_protocol_trusted_cidrs)

  security_group_id = aws_security_group.router.id
  description       = "PROXY v2 listener from the PrivateLink NLB's subnets"
  ip_protocol       = "tcp"
  from_port         = var.proxy_protocol_port
  to_port           = var.proxy_protocol_port
  cidr_ipv4         = each.key
  tags              = merge(var.tags, { Name = "${local.prefix}-router-proxy" })
}

# The GPU instances' agent port from the routers only. The GPU group belongs to module gpu_fleet, which comes before
# this module (services needs its launch template id), so the rule that names both groups is made here.
resource "aws_vpc_security_group_ingress_rule" "agents_from_routers" {
  security_group_id            = var.gpu_security_group_id
  description                  = "agent listener from the region's routers only"
  ip_protocol                  = "tcp"
  from_port                    = var.agent_port
  to_port                      = var.agent_port
  referenced_security_group_id = aws_security_group.router.id
  tags                         = merge(var.tags, { Name = "${local.prefix}-agent-from-routers" })
}

resource "aws_security_group" "control" {
  name        = "${local.prefix}-control"
  description = "MRGC autoscaler and failover controller tasks: no ingress; egress to AWS APIs only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${local.prefix}-control" })

  lifecycle {
    create_before_destroy = true
  }
}

# Egress shared by routers and control tasks: HTTPS to the interface endpoints (inside the VPC), to DynamoDB and S3
# (gateway endpoints; ECR layers come from S3). Global Accelerator's API (us-west-2) has no VPC endpoint: the failover
# controller reaches it through the network module's egress (NAT), over HTTPS.
resource "aws_vpc_security_group_egress_rule" "https_vpc" {
  for_each = { router = aws_security_group.router.id, control = aws_security_group.control.id }

  security_group_id = each.value
  description       = "HTTPS to the interface endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr
  tags              = merge(var.tags, { Name = "${local.prefix}-${each.key}-https-vpc" })
}

resource "aws_vpc_security_group_egress_rule" "https_dynamodb" {
  for_each = { router = aws_security_group.router.id, control = aws_security_group.control.id }

  security_group_id = each.value
  description       = "HTTPS to DynamoDB (gateway endpoint)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.dynamodb_prefix_list_id
  tags              = merge(var.tags, { Name = "${local.prefix}-${each.key}-https-dynamodb" })
}

resource "aws_vpc_security_group_egress_rule" "https_s3" {
  for_each = { router = aws_security_group.router.id, control = aws_security_group.control.id }

  security_group_id = each.value
  description       = "HTTPS to S3 (gateway endpoint): ECR image layers"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
  tags              = merge(var.tags, { Name = "${local.prefix}-${each.key}-https-s3" })
}

resource "aws_vpc_security_group_egress_rule" "control_https_internet" {
  security_group_id = aws_security_group.control.id
  description       = "HTTPS to the Global Accelerator API (us-west-2; no VPC endpoint)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
  tags              = merge(var.tags, { Name = "${local.prefix}-control-https-internet" })
}

resource "aws_vpc_security_group_egress_rule" "router_to_agents" {
  security_group_id            = aws_security_group.router.id
  description                  = "to the node agents (the GPU security group admits the routers' group only)"
  ip_protocol                  = "tcp"
  from_port                    = var.agent_port
  to_port                      = var.agent_port
  referenced_security_group_id = var.gpu_security_group_id
  tags                         = merge(var.tags, { Name = "${local.prefix}-router-to-agents" })
}

# ---------------------------------------------------------------------------------------------------------------
# Task definitions
# ---------------------------------------------------------------------------------------------------------------
resource "aws_ecs_task_definition" "router" {
  family                   = "${local.prefix}-router"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.router_cpu)
  memory                   = tostring(var.router_memory)
  execution_role_arn       = var.task_execution_role_arn
  task_role_arn            = var.router_task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = "router"
      image                  = var.image
      essential              = true
      command                = ["serve", "router", "--config", "/dev/null"]
      readonlyRootFilesystem = true
      stopTimeout            = var.stop_timeout_seconds
      portMappings = concat(
        [
          { containerPort = var.listener_port, protocol = "tcp", name = "tenant" },
          { containerPort = var.admin_port, protocol = "tcp", name = "admin" },
        ],
        var.proxy_protocol_port == null ? [] : [{ containerPort = var.proxy_protocol_port, protocol = "tcp", name = "proxy-v2" }],
      )
      environment = [for k in sort(keys(local.router_env)) : { name = k, value = local.router_env[k] }]
      # The TLS chain and key as PEM text (TLS passthrough: way 2 of the TLS doc), straight from Secrets Manager.
      secrets = [
        { name = "MRGC_AGENT_AUTH_KEYS", valueFrom = var.agent_auth_secret_arn },
        { name = "MRGC_TLS_CERTIFICATE_PEM", valueFrom = var.router_tls_certificate_secret_arn },
        { name = "MRGC_TLS_KEY_PEM", valueFrom = var.router_tls_key_secret_arn },
      ]
      mountPoints      = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      healthCheck      = local.health_check
      logConfiguration = local.log_config["router"]
      ulimits          = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]
    },
  ])

  tags = merge(var.tags, { Name = "${local.prefix}-router", "mrgc:service" = "router" })

  lifecycle {
    precondition {
      condition     = var.stop_timeout_seconds > var.drain_delay_seconds + var.shutdown_grace_seconds
      error_message = "stop_timeout_seconds must be above drain_delay_seconds + shutdown_grace_seconds, or ECS kills routers mid-drain."
    }
  }
}

resource "aws_ecs_task_definition" "control" {
  for_each = {
    autoscaler          = { env = local.autoscaler_env, role = var.autoscaler_task_role_arn }
    failover-controller = { env = local.failover_env, role = var.failover_controller_task_role_arn }
  }

  family                   = "${local.prefix}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.control_cpu)
  memory                   = tostring(var.control_memory)
  execution_role_arn       = var.task_execution_role_arn
  task_role_arn            = each.value.role

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = each.key
      image                  = var.image
      essential              = true
      command                = ["serve", each.key, "--config", "/dev/null"]
      readonlyRootFilesystem = true
      stopTimeout            = var.stop_timeout_seconds
      portMappings           = [{ containerPort = var.admin_port, protocol = "tcp", name = "admin" }]
      environment            = [for k in sort(keys(each.value.env)) : { name = k, value = each.value.env[k] }]
      mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      healthCheck            = local.health_check
      logConfiguration       = local.log_config[each.key]
    },
  ])

  tags = merge(var.tags, { Name = "${local.prefix}-${each.key}", "mrgc:service" = each.key })

  lifecycle {
    precondition {
      condition     = var.stop_timeout_seconds > var.shutdown_grace_seconds
      error_message = "stop_timeout_seconds must be above shutdown_grace_seconds."
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------------------------
resource "aws_ecs_service" "router" {
  name                               = "router"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.router.arn
  desired_count                      = var.router_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  health_check_grace_period_seconds  = 90
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.router.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = "router"
    container_port   = var.listener_port
  }

  # The PrivateLink path (module privatelink): the same router tasks, registered on their PROXY v2 port.
  dynamic "load_balancer" {
    for_each = var.proxy_target_group_arn != null && var.proxy_protocol_port != null ? [var.proxy_protocol_port] : []
    content {
      target_group_arn = var.proxy_target_group_arn
      container_name   = "router"
      container_port   = load_balancer.value
    }
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = merge(var.tags, { Name = "${local.prefix}-router", "mrgc:service" = "router" })
}

resource "aws_ecs_service" "control" {
  for_each = aws_ecs_task_definition.control

  name                               = each.key
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = each.value.arn
  desired_count                      = var.control_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 50
  deployment_maximum_percent         = 200
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.control.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = merge(var.tags, { Name = "${local.prefix}-${each.key}", "mrgc:service" = each.key })
}
