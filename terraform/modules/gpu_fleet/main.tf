# The launch template the autoscaler's EC2 fleet (autoscaler Ec2Fleet: RunInstances from a launch template id or name
# and version) launches GPU instances from, and their security group.
#
# No Auto Scaling group, on purpose: the project's autoscaler (AutoscalerLoop under the lease autoscaler/<region>)
# decides how many instances run from the routers' RPS, launches them with RunInstances, drains an instance
# (DRAINING, car wash, TERMINATED) before it terminates it, and replaces one that never joins. An ASG would fight it:
# it would replace instances the autoscaler drains, and terminate instances mid-request on its own scale-in.

locals {
  log_group_name = coalesce(var.log_group_name, "/${var.name}/${var.region}/gpu-instances")
  model_root     = "/fsx/models" # CONTRACT-13: the agent's modelRoot, the FSx mount

  instance_tags = merge(var.tags, {
    Name          = "${var.name}-gpu-node-${var.region}"
    "mrgc:region" = var.region
    "mrgc:role"   = "gpu-node"
  })

  user_data = templatefile("${path.module}/templates/user_data.sh.tftpl", {
    region               = var.region
    model_root           = local.model_root
    fsx_dns_name         = var.fsx_dns_name
    fsx_mount_name       = var.fsx_mount_name
    fsx_subdirectory     = var.fsx_subdirectory
    eif_s3_uri           = var.eif_s3_uri == null ? "" : var.eif_s3_uri
    eif_path             = var.eif_path
    enclave_image_sha384 = lower(var.enclave_image_sha384)
    enclave_cpu_count    = var.enclave_cpu_count
    enclave_memory_mib   = var.enclave_memory_mib
    enclave_cid          = var.enclave_cid
    canary_key_id        = var.canary_key_id
    peer_auth_secret_arn = var.peer_auth_secret_arn
    agent_port           = var.agent_port
    heartbeat_interval   = var.heartbeat_interval
    log_group_name       = local.log_group_name
    gpu_metrics_enabled  = var.gpu_metrics_enabled
  })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = merge(var.tags, { Name = local.log_group_name })
}

resource "aws_security_group" "this" {
  name        = "${var.name}-gpu-node-${var.region}"
  description = "MRGC GPU instances: the agent port from the routers only; egress to VPC endpoints, DynamoDB and FSx"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-gpu-node-${var.region}" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "agent_from_routers" {
  count = var.add_router_ingress_rule ? 1 : 0

  security_group_id            = aws_security_group.this.id
  description                  = "agent listener from the region's routers only"
  ip_protocol                  = "tcp"
  from_port                    = var.agent_port
  to_port                      = var.agent_port
  referenced_security_group_id = var.router_security_group_id
  tags                         = merge(var.tags, { Name = "${var.name}-agent-from-routers" })

  lifecycle {
    precondition {
      condition     = var.router_security_group_id != null
      error_message = "add_router_ingress_rule needs router_security_group_id."
    }
  }
}

# The file system's side of the Lustre rules: model_store comes first (this module needs its DNS and mount names), so
# the ingress rules naming the GPU group are made here, not with model_store's client_security_group_ids.
resource "aws_vpc_security_group_ingress_rule" "fsx_from_gpu" {
  for_each = { lnet = [988, 988], lustre = [1018, 1023] }

  security_group_id            = var.fsx_security_group_id
  description                  = "Lustre (${each.key}) from the GPU instances"
  ip_protocol                  = "tcp"
  from_port                    = each.value[0]
  to_port                      = each.value[1]
  referenced_security_group_id = aws_security_group.this.id
  tags                         = merge(var.tags, { Name = "${var.name}-fsx-from-gpu-${each.key}" })
}

resource "aws_vpc_security_group_egress_rule" "https_vpc" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to the interface endpoints (KMS via vsock-proxy, Secrets Manager, CloudWatch, EC2)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr
  tags              = merge(var.tags, { Name = "${var.name}-gpu-https-vpc" })
}

resource "aws_vpc_security_group_egress_rule" "https_dynamodb" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to DynamoDB (gateway endpoint): heartbeats and wash records"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.dynamodb_prefix_list_id
  tags              = merge(var.tags, { Name = "${var.name}-gpu-https-dynamodb" })
}

resource "aws_vpc_security_group_egress_rule" "https_s3" {
  count = var.s3_prefix_list_id == null ? 0 : 1

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to S3 (gateway endpoint): the EIF download"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
  tags              = merge(var.tags, { Name = "${var.name}-gpu-https-s3" })
}

resource "aws_vpc_security_group_egress_rule" "lustre" {
  security_group_id = aws_security_group.this.id
  description       = "FSx for Lustre (LNet 988)"
  ip_protocol       = "tcp"
  from_port         = 988
  to_port           = 988
  cidr_ipv4         = var.vpc_cidr
  tags              = merge(var.tags, { Name = "${var.name}-gpu-lustre" })
}

resource "aws_vpc_security_group_egress_rule" "lustre_high" {
  security_group_id = aws_security_group.this.id
  description       = "FSx for Lustre (1018-1023)"
  ip_protocol       = "tcp"
  from_port         = 1018
  to_port           = 1023
  cidr_ipv4         = var.vpc_cidr
  tags              = merge(var.tags, { Name = "${var.name}-gpu-lustre-high" })
}

resource "aws_launch_template" "this" {
  name                   = "${var.name}-gpu-node-${var.region}"
  description            = "MRGC GPU node (agent + Nitro Enclave): launched and drained by the MRGC autoscaler, not by an ASG"
  image_id               = var.ami_id
  instance_type          = var.instance_type
  ebs_optimized          = true
  update_default_version = true
  user_data              = base64encode(local.user_data)

  iam_instance_profile {
    name = var.instance_profile_name
  }

  enclave_options {
    enabled = true
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  network_interfaces {
    device_index                = 0
    subnet_id                   = var.subnet_id
    security_groups             = [aws_security_group.this.id]
    associate_public_ip_address = false
    delete_on_termination       = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_type           = "gp3"
      volume_size           = var.root_volume_size_gib
      encrypted             = true
      kms_key_id            = var.root_volume_kms_key_arn
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = local.instance_tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.instance_tags
  }

  # mrgc:role = gpu-launch-template: module iam allows RunInstances on launch templates carrying this tag only (it
  # cannot take this template's ARN without a module cycle: this template needs iam's instance profile).
  tags = merge(var.tags, { Name = "${var.name}-gpu-node-${var.region}", "mrgc:role" = "gpu-launch-template" })
}
