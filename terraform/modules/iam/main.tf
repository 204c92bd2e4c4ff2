# One role per service, each with only the actions its code calls, on only its resources. The list of actions per
# role is also in actions.json (the integrator's tests compare it with the calls an SDK execution interceptor records
# while each service's contract tests run); keep the two equal.
#
# IAM is global: each role serves its service in every region, so resources are the ARNs of every region.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition

  tables  = var.table_arns
  indexes = { for name, arns in var.table_arns : name => [for arn in arns : "${arn}/index/*"] }

  # Log groups: given, or built from the names modules services (/<name>/<region>/<service>) and gpu_fleet
  # (/<name>/<region>/gpu-instances) give them, so this module needs no output of theirs (they need this module's
  # roles: passing their ARNs would be a module cycle). The same exact groups either way.
  task_log_group_arns = length(var.task_log_group_arns) > 0 ? var.task_log_group_arns : flatten([
    for r in var.regions : [
      for svc in ["router", "autoscaler", "failover-controller"] :
      "arn:${local.partition}:logs:${r}:${local.account}:log-group:/${var.name}/${r}/${svc}"
    ]
  ])
  instance_log_group_arns = length(var.instance_log_group_arns) > 0 ? var.instance_log_group_arns : [
    for r in var.regions : "arn:${local.partition}:logs:${r}:${local.account}:log-group:/${var.name}/${r}/gpu-instances"
  ]

  # "<group>:*" covers the group (CreateLogStream, DescribeLogStreams) and its streams (PutLogEvents).
  task_log_groups     = [for arn in local.task_log_group_arns : "${arn}:*"]
  instance_log_groups = [for arn in local.instance_log_group_arns : "${arn}:*"]

  # Launch templates: the given ARNs, or (default, no module cycle: gpu_fleet's template needs this module's instance
  # profile) every launch template of the deployment's regions that carries the tag module gpu_fleet puts on its
  # template, mrgc:role = gpu-launch-template. The autoscaler role cannot tag launch templates (its CreateTags is
  # limited to instances and volumes during RunInstances), so it cannot promote another template.
  launch_templates_by_tag = length(var.launch_template_arns) == 0
  launch_template_resources = local.launch_templates_by_tag ? [
    for r in var.regions : "arn:${local.partition}:ec2:${r}:${local.account}:launch-template/*"
  ] : var.launch_template_arns
  launch_template_tag_key   = "mrgc:role"
  launch_template_tag_value = "gpu-launch-template"

  # KMS keys: the given ARNs, or (default, no module cycle: module keys needs this module's GPU instance role ARN for
  # its key policies) the keys of the deployment's regions tagged mrgc:tenant by module keys (the canary key:
  # mrgc:tenant = mrgc-canary). Either way the key policies are what grant (no IAM delegation, docs/security.md §3).
  keys_by_tag   = length(var.tenant_key_arns) == 0 && length(var.canary_key_arns) == 0
  key_resources = [for r in var.regions : "arn:${local.partition}:kms:${r}:${local.account}:key/*"]
  canary_tenant = "mrgc-canary"

  # Tags Ec2Fleet puts on what it launches (Ec2Fleet.TAG_ROLE / ROLE_GPU_NODE).
  gpu_role_tag_key   = "mrgc:role"
  gpu_role_tag_value = "gpu-node"
}

# ---------------------------------------------------------------------------------------------------------------
# Trust
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    sid     = "EcsTasks"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "ec2_trust" {
  statement {
    sid     = "Ec2"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Router task role: SnapshotPoller (gpu_instances Query, routing_state GetItem), MetricsPublisher (metrics PutItem),
# LiveRouters (metrics by_region Query), TenantAuthenticator (tenants by_api_key_hash Query), RegionRateLimiter
# (rate_limits UpdateItem, GetItem), the model registry (ModelRegistry reads of models: a model being loaded vs an
# unknown one). Metrics go out as EMF on stdout: no CloudWatch API.
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "router" {
  statement {
    sid       = "GpuInstancesRead"
    actions   = ["dynamodb:Query"]
    resources = local.tables["gpu_instances"]
  }
  statement {
    sid       = "RoutingStateRead"
    actions   = ["dynamodb:GetItem"]
    resources = local.tables["routing_state"]
  }
  statement {
    sid       = "MetricsWrite"
    actions   = ["dynamodb:PutItem"]
    resources = local.tables["metrics"]
  }
  statement {
    sid       = "MetricsByRegion"
    actions   = ["dynamodb:Query"]
    resources = local.indexes["metrics"]
  }
  statement {
    sid       = "TenantsByApiKeyHash"
    actions   = ["dynamodb:Query"]
    resources = local.indexes["tenants"]
  }
  statement {
    sid       = "RateLimits"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = local.tables["rate_limits"]
  }
  statement {
    sid       = "ModelRegistryRead"
    actions   = ["dynamodb:Scan"] # ModelRegistry.catalog: the registry is read whole, a small table
    resources = local.tables["models"]
  }
}

resource "aws_iam_role" "router" {
  name                 = "${var.name}-router-task"
  description          = "MRGC router ECS task: DynamoDB reads and writes of the router only."
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_trust.json
  max_session_duration = 3600
  tags                 = merge(var.tags, { Name = "${var.name}-router-task", "mrgc:service" = "router" })
}

resource "aws_iam_role_policy" "router" {
  name   = "${var.name}-router"
  role   = aws_iam_role.router.id
  policy = data.aws_iam_policy_document.router.json
}

# ---------------------------------------------------------------------------------------------------------------
# Autoscaler task role: AutoscalerLoop (autoscaling_state GetItem/UpdateItem, gpu_instances Query/UpdateItem,
# metrics by_region Query, routing_state Scan), LeaseManager (routing_state GetItem/PutItem), Ec2Fleet
# (DescribeLaunchTemplates, RunInstances with TagSpecifications -> CreateTags, DescribeInstances, TerminateInstances).
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "autoscaler" {
  statement {
    sid       = "AutoscalingState"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = local.tables["autoscaling_state"]
  }
  statement {
    sid       = "GpuInstances"
    actions   = ["dynamodb:Query", "dynamodb:UpdateItem"]
    resources = local.tables["gpu_instances"]
  }
  statement {
    sid       = "RoutingStateAndLeases"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"]
    resources = local.tables["routing_state"]
  }
  statement {
    sid       = "MetricsByRegion"
    actions   = ["dynamodb:Query"]
    resources = local.indexes["metrics"]
  }

  # Describe* have no resource-level permissions in EC2.
  statement {
    sid       = "Ec2Describe"
    actions   = ["ec2:DescribeInstances", "ec2:DescribeLaunchTemplates"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = var.regions
    }
  }

  # RunInstances from the GPU launch templates only: every resource of the call (instance, volume, network interface,
  # subnet, security group, image, the template itself) is checked, and ec2:LaunchTemplate pins them all to ours.
  statement {
    sid     = "RunFromGpuLaunchTemplate"
    actions = ["ec2:RunInstances"]
    resources = [
      "arn:${local.partition}:ec2:*:${local.account}:instance/*",
      "arn:${local.partition}:ec2:*:${local.account}:volume/*",
      "arn:${local.partition}:ec2:*:${local.account}:network-interface/*",
      "arn:${local.partition}:ec2:*:${local.account}:subnet/*",
      "arn:${local.partition}:ec2:*:${local.account}:security-group/*",
      "arn:${local.partition}:ec2:*::image/*",
    ]
    # ArnLike on the pattern in tag mode: the launch template resource of the same call must still pass
    # RunFromGpuLaunchTemplateItself (tagged templates only), and a call without a template has no ec2:LaunchTemplate.
    condition {
      test     = local.launch_templates_by_tag ? "ArnLike" : "ArnEquals"
      variable = "ec2:LaunchTemplate"
      values   = local.launch_template_resources
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = var.regions
    }
  }
  statement {
    sid       = "RunFromGpuLaunchTemplateItself"
    actions   = ["ec2:RunInstances"]
    resources = local.launch_template_resources
    dynamic "condition" {
      for_each = local.launch_templates_by_tag ? [1] : []
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${local.launch_template_tag_key}"
        values   = [local.launch_template_tag_value]
      }
    }
  }

  # Ec2Fleet tags the instance and its volumes at launch (TagSpecifications): CreateTags, only as part of RunInstances.
  statement {
    sid     = "TagAtLaunch"
    actions = ["ec2:CreateTags"]
    resources = [
      "arn:${local.partition}:ec2:*:${local.account}:instance/*",
      "arn:${local.partition}:ec2:*:${local.account}:volume/*",
    ]
    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["RunInstances"]
    }
  }

  # Terminate only instances tagged mrgc:role=gpu-node (what Ec2Fleet launched).
  statement {
    sid       = "TerminateGpuNodes"
    actions   = ["ec2:TerminateInstances"]
    resources = ["arn:${local.partition}:ec2:*:${local.account}:instance/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.gpu_role_tag_key}"
      values   = [local.gpu_role_tag_value]
    }
  }

  # The launch template names the GPU instance profile: RunInstances passes its role.
  statement {
    sid       = "PassGpuInstanceRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.gpu_instance.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "autoscaler" {
  name                 = "${var.name}-autoscaler-task"
  description          = "MRGC autoscaler ECS task: its DynamoDB rows and leases, EC2 launches from the GPU launch template."
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_trust.json
  max_session_duration = 3600
  tags                 = merge(var.tags, { Name = "${var.name}-autoscaler-task", "mrgc:service" = "autoscaler" })
}

resource "aws_iam_role_policy" "autoscaler" {
  name   = "${var.name}-autoscaler"
  role   = aws_iam_role.autoscaler.id
  policy = data.aws_iam_policy_document.autoscaler.json
}

# ---------------------------------------------------------------------------------------------------------------
# Failover controller task role: RegionObserver (gpu_instances Query, metrics by_region Query), FailoverRowRepository
# (routing_state GetItem/UpdateItem), LeaseManager (routing_state GetItem/PutItem), AutoscalingPrescaler
# (autoscaling_state GetItem/UpdateItem), GlobalAcceleratorDials (UpdateEndpointGroup only: the code calls no
# DescribeEndpointGroup). Metrics are EMF on stdout: no CloudWatch API.
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "failover_controller" {
  statement {
    sid       = "AutoscalingStateOverride"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = local.tables["autoscaling_state"]
  }
  statement {
    sid       = "GpuInstancesRead"
    actions   = ["dynamodb:Query"]
    resources = local.tables["gpu_instances"]
  }
  statement {
    sid       = "RoutingStateAndLeases"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = local.tables["routing_state"]
  }
  statement {
    sid       = "MetricsByRegion"
    actions   = ["dynamodb:Query"]
    resources = local.indexes["metrics"]
  }
  statement {
    sid       = "TrafficDials"
    actions   = ["globalaccelerator:UpdateEndpointGroup"]
    resources = var.endpoint_group_arns
  }
}

resource "aws_iam_role" "failover_controller" {
  name                 = "${var.name}-failover-controller-task"
  description          = "MRGC failover controller ECS task: routing_state, leases, Global Accelerator traffic dials."
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_trust.json
  max_session_duration = 3600
  tags                 = merge(var.tags, { Name = "${var.name}-failover-controller-task", "mrgc:service" = "failover-controller" })
}

resource "aws_iam_role_policy" "failover_controller" {
  name   = "${var.name}-failover-controller"
  role   = aws_iam_role.failover_controller.id
  policy = data.aws_iam_policy_document.failover_controller.json
}

# ---------------------------------------------------------------------------------------------------------------
# GPU instance role (agent + enclave): Heartbeater (gpu_instances UpdateItem/GetItem), WashRecorder
# (cleanup_validation PutItem), the model registry (ModelRegistry reads of models: what to load and unload), the
# enclave's AwsKms (Decrypt with Recipient) and EnclaveCanary (GenerateDataKey on the canary key, tenant mrgc-canary).
# Host side (user data, not service code): the CloudWatch agent (logs and the nvidia_smi metrics) and the peer auth
# keys from Secrets Manager.
#
# KMS: the tenant key policies (module keys) are what grant Decrypt, and they do not delegate to IAM (no root
# "Enable IAM User Permissions" statement, docs/security.md §3). The statements below grant nothing on their own; they
# keep the role's action list complete and carry the same Recipient condition, so a key that did delegate to IAM
# would still need an attested enclave.
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "gpu_instance" {
  statement {
    sid       = "Heartbeats"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = local.tables["gpu_instances"]
  }
  statement {
    sid       = "WashRecords"
    actions   = ["dynamodb:PutItem"]
    resources = local.tables["cleanup_validation"]
  }
  statement {
    sid       = "ModelRegistryRead"
    actions   = ["dynamodb:Scan"] # ModelRegistry.catalog: the registry is read whole, a small table
    resources = local.tables["models"]
  }
  statement {
    sid       = "DecryptOnlyForAttestedRecipient"
    actions   = ["kms:Decrypt"]
    resources = local.keys_by_tag ? local.key_resources : concat(var.tenant_key_arns, var.canary_key_arns)
    dynamic "condition" {
      for_each = local.keys_by_tag ? [1] : []
      content {
        test     = "Null"
        variable = "aws:ResourceTag/mrgc:tenant"
        values   = ["false"]
      }
    }
    condition {
      test     = "Null"
      variable = "kms:RecipientAttestation:ImageSha384"
      values   = ["false"]
    }
  }
  statement {
    sid       = "CanaryDataKey"
    actions   = ["kms:GenerateDataKey"]
    resources = local.keys_by_tag ? local.key_resources : var.canary_key_arns
    dynamic "condition" {
      for_each = local.keys_by_tag ? [1] : []
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/mrgc:tenant"
        values   = [local.canary_tenant]
      }
    }
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:mrgc:tenant"
      values   = ["mrgc-canary"]
    }
  }
  statement {
    sid       = "PeerAuthKeys"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.agent_auth_secret_arns
  }
  statement {
    sid       = "CloudWatchAgentLogs"
    actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = local.instance_log_groups
  }
  dynamic "statement" {
    for_each = length(var.eif_object_arns) > 0 ? [1] : []
    content {
      sid       = "ReleaseEif"
      actions   = ["s3:GetObject"]
      resources = var.eif_object_arns
    }
  }
  dynamic "statement" {
    for_each = var.gpu_metrics_enabled ? [1] : []
    content {
      sid       = "CloudWatchAgentGpuMetrics"
      actions   = ["cloudwatch:PutMetricData"]
      resources = ["*"]
      condition {
        test     = "StringEquals"
        variable = "cloudwatch:namespace"
        values   = [var.cwagent_namespace]
      }
    }
  }
}

resource "aws_iam_role" "gpu_instance" {
  name                 = "${var.name}-gpu-instance"
  description          = "MRGC GPU instance (node agent and its Nitro Enclave): heartbeats, wash records, attested KMS Decrypt."
  assume_role_policy   = data.aws_iam_policy_document.ec2_trust.json
  max_session_duration = 3600
  tags                 = merge(var.tags, { Name = "${var.name}-gpu-instance", "mrgc:service" = "agent" })
}

resource "aws_iam_role_policy" "gpu_instance" {
  name   = "${var.name}-gpu-instance"
  role   = aws_iam_role.gpu_instance.id
  policy = data.aws_iam_policy_document.gpu_instance.json
}

resource "aws_iam_instance_profile" "gpu_instance" {
  name = "${var.name}-gpu-instance"
  role = aws_iam_role.gpu_instance.name
  tags = merge(var.tags, { Name = "${var.name}-gpu-instance" })
}

# ---------------------------------------------------------------------------------------------------------------
# ECS task execution role (the ECS agent, not the service): pull the image, write the awslogs streams, read the
# router's MRGC_AGENT_AUTH_KEYS secret.
# ---------------------------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "task_execution" {
  statement {
    sid       = "EcrToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid       = "EcrPull"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = var.ecr_repository_arns
  }
  statement {
    sid       = "AwsLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = local.task_log_groups
  }
  statement {
    sid       = "RouterSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = concat(var.agent_auth_secret_arns, var.router_tls_secret_arns)
  }
}

resource "aws_iam_role" "task_execution" {
  name                 = "${var.name}-task-execution"
  description          = "MRGC ECS task execution role: ECR pull, awslogs, the router's secrets."
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_trust.json
  max_session_duration = 3600
  tags                 = merge(var.tags, { Name = "${var.name}-task-execution" })
}

resource "aws_iam_role_policy" "task_execution" {
  name   = "${var.name}-task-execution"
  role   = aws_iam_role.task_execution.id
  policy = data.aws_iam_policy_document.task_execution.json
}
