# Dashboards and the seed's alarm list, each alarm on a metric that is really emitted (docs/observability.md):
# namespace MRGC, dimensions [Service, Region] and, for node agents only, [Service, Region, InstanceId]; names from
# EmfNames (RouterRequests.5xx, RouterRequestDuration.Sum, AgentHealth, Wash.failed, FailoverState, FailoverVerdict,
# ...). AWS metrics: AWS/DynamoDB ReplicationLatency, AWS/FSx FreeDataStorageCapacity, AWS/NetworkELB, and the
# CloudWatch agent's nvidia_smi_temperature_gpu (the services emit no GPU temperature). What the seed asks for and no
# service emits (model load time, request p95) is said in README.md.
#
# One call per region (provider of that region). Agent metrics carry InstanceId, so per-region agent alarms use
# CloudWatch Metrics Insights queries (one series over every instance of the region).

locals {
  ns      = "MRGC"
  actions = var.sns_topic_arn == null ? [] : [var.sns_topic_arn]
  prefix  = "${var.name}-${var.region}"

  # Replicas this region's writes go to.
  receiving_regions = [for r in var.regions : r if r != var.region]
  replication = { for p in setproduct(var.replicated_tables, local.receiving_regions) : "${p[0]}-${p[1]}" => {
    table = p[0]
    to    = p[1]
  } }

  agent_schema = "SCHEMA(\"${local.ns}\", InstanceId, Region, Service)"
}

# ---------------------------------------------------------------------------------------------------------------
# Alarms
# ---------------------------------------------------------------------------------------------------------------

# "All instances unhealthy in a region": FailoverVerdict is 2 (FAILED) when a region has no serving instance (fresh
# heartbeat) or its routers fail (health.minServingInstances, failedErrorRate). This region's controllers emit a verdict
# for every region they observe (Region = the observed region), so every region's call alarms on every region.
resource "aws_cloudwatch_metric_alarm" "region_failed" {
  for_each = toset(var.regions)

  alarm_name          = "${local.prefix}-region-failed-${each.key}"
  alarm_description   = "Region ${each.key} judged FAILED (no serving GPU instance, or router error rate above failedErrorRate) by the failover controllers in ${var.region}: FailoverVerdict = 2."
  namespace           = local.ns
  metric_name         = "FailoverVerdict"
  dimensions          = { Service = "failover-controller", Region = each.key }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  threshold           = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-region-failed-${each.key}" })
}

# "A region in FAILOVER_ACTIVE": FailoverState 2 (0 NORMAL, 1 DEGRADED, 2 FAILOVER_ACTIVE, 3 RECOVERING), emitted by
# the controller that leads the decision for that region.
resource "aws_cloudwatch_metric_alarm" "failover_active" {
  for_each = toset(var.regions)

  alarm_name          = "${local.prefix}-failover-active-${each.key}"
  alarm_description   = "Region ${each.key} is in FAILOVER_ACTIVE (FailoverState = 2): its traffic dial is 0 and tenants are served by the other regions."
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-failover-active-${each.key}" })

  metric_query {
    id          = "state"
    return_data = false
    metric {
      namespace   = local.ns
      metric_name = "FailoverState"
      dimensions  = { Service = "failover-controller", Region = each.key }
      stat        = "Maximum"
      period      = 60
    }
  }

  metric_query {
    id          = "active"
    expression  = "IF(state == 2, 1, 0)"
    label       = "FAILOVER_ACTIVE"
    return_data = true
  }
}

# "DynamoDB replication latency > 5 s": ReplicationLatency is published in the writing region, per receiving region.
resource "aws_cloudwatch_metric_alarm" "replication_latency" {
  for_each = local.replication

  alarm_name          = "${local.prefix}-ddb-replication-${each.key}"
  alarm_description   = "DynamoDB ${each.value.table} replication ${var.region} -> ${each.value.to} above ${var.replication_latency_threshold_ms} ms."
  namespace           = "AWS/DynamoDB"
  metric_name         = "ReplicationLatency"
  dimensions          = { TableName = each.value.table, ReceivingRegion = each.value.to }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  threshold           = var.replication_latency_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-ddb-replication-${each.key}" })
}

# "FSx free capacity < 15 %": FreeDataStorageCapacity (bytes) over the file system's capacity.
resource "aws_cloudwatch_metric_alarm" "fsx_free" {
  count = var.fsx_file_system_id == null ? 0 : 1

  alarm_name          = "${local.prefix}-fsx-free-capacity"
  alarm_description   = "FSx for Lustre ${var.fsx_file_system_id} (the model store) has less than ${var.fsx_free_percent_threshold} % free capacity."
  evaluation_periods  = 3
  threshold           = var.fsx_free_percent_threshold
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-fsx-free-capacity" })

  metric_query {
    id          = "free"
    return_data = false
    metric {
      namespace   = "AWS/FSx"
      metric_name = "FreeDataStorageCapacity"
      dimensions  = { FileSystemId = var.fsx_file_system_id }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id          = "free_percent"
    expression  = "100 * free / ${var.fsx_storage_capacity_gib * 1073741824}"
    label       = "free %"
    return_data = true
  }
}

# "Car-wash failures": Wash.failed and Wash.timed_out of every agent of the region (Metrics Insights over InstanceId).
resource "aws_cloudwatch_metric_alarm" "wash_failed" {
  for_each = { failed = "Wash.failed", timed_out = "Wash.timed_out" }

  alarm_name          = "${local.prefix}-wash-${replace(each.key, "_", "-")}"
  alarm_description   = "Car wash ${each.key} (${each.value}) on instances of ${var.region}: more than ${var.wash_failures_threshold} in 5 minutes. Each one quarantines its instance."
  evaluation_periods  = 1
  threshold           = var.wash_failures_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-wash-${replace(each.key, "_", "-")}" })

  metric_query {
    id          = "q"
    expression  = "SELECT SUM(\"${each.value}\") FROM ${local.agent_schema} WHERE Service = 'agent' AND Region = '${var.region}'"
    period      = 300
    label       = each.value
    return_data = true
  }
}

# "Instance health < 50": the lowest AgentHealth of the region's instances.
resource "aws_cloudwatch_metric_alarm" "instance_health" {
  alarm_name          = "${local.prefix}-instance-health"
  alarm_description   = "An instance of ${var.region} reports AgentHealth below ${var.instance_health_threshold} (0..100)."
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  threshold           = var.instance_health_threshold
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-instance-health" })

  metric_query {
    id          = "q"
    expression  = "SELECT MIN(AgentHealth) FROM ${local.agent_schema} WHERE Service = 'agent' AND Region = '${var.region}'"
    period      = 60
    label       = "lowest AgentHealth"
    return_data = true
  }
}

# "GPU temperature > 80 C": not emitted by any MRGC service; the CloudWatch agent's nvidia_smi metric, aggregated
# over the region's instances (gpu_fleet's CloudWatch agent config: aggregation_dimensions [[InstanceId], []]).
resource "aws_cloudwatch_metric_alarm" "gpu_temperature" {
  count = var.gpu_metrics_enabled ? 1 : 0

  alarm_name          = "${local.prefix}-gpu-temperature"
  alarm_description   = "A GPU in ${var.region} is above ${var.gpu_temperature_threshold_c} C (CloudWatch agent nvidia_smi_temperature_gpu)."
  namespace           = var.cwagent_namespace
  metric_name         = "nvidia_smi_temperature_gpu"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.gpu_temperature_threshold_c
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-gpu-temperature" })
}

# "Request p95 > 1 s": each router task writes RouterRequestDuration.P95, the upper bound of the histogram bucket
# holding its interval's 95th percentile (common MeterReader); the alarm takes the highest task's.
resource "aws_cloudwatch_metric_alarm" "request_latency" {
  alarm_name          = "${local.prefix}-request-latency"
  alarm_description   = "A router of ${var.region} saw a request p95 above ${var.request_latency_threshold_ms} ms (RouterRequestDuration.P95, Maximum over the region's router tasks)."
  namespace           = local.ns
  metric_name         = "RouterRequestDuration.P95"
  dimensions          = { Service = "router", Region = var.region }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.request_latency_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-request-latency" })
}

# "Model load > 60 s": the agent times each model's load from the model repository (the FSx mount) into ONNX
# Runtime, integrity check included (AgentModelLoad); the slowest instance of the region.
resource "aws_cloudwatch_metric_alarm" "model_load" {
  alarm_name          = "${local.prefix}-model-load"
  alarm_description   = "An instance of ${var.region} took more than ${var.model_load_threshold_ms} ms to load a model (AgentModelLoad.Max)."
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  threshold           = var.model_load_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-model-load" })

  metric_query {
    id          = "q"
    expression  = "SELECT MAX(\"AgentModelLoad.Max\") FROM ${local.agent_schema} WHERE Service = 'agent' AND Region = '${var.region}'"
    period      = 60
    label       = "slowest model load (ms)"
    return_data = true
  }
}

# Not in the seed's list but what "all instances unhealthy" needs from the NLB's side: no healthy router behind it.
resource "aws_cloudwatch_metric_alarm" "no_healthy_router" {
  count = var.router_target_group_arn_suffix == null || var.nlb_arn_suffix == null ? 0 : 1

  alarm_name          = "${local.prefix}-no-healthy-router"
  alarm_description   = "No router of ${var.region} passes the NLB health check (/healthz/region on the admin port): the region takes no traffic."
  namespace           = "AWS/NetworkELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { TargetGroup = var.router_target_group_arn_suffix, LoadBalancer = var.nlb_arn_suffix }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Name = "${local.prefix}-no-healthy-router" })
}

# ---------------------------------------------------------------------------------------------------------------
# Dashboards
# ---------------------------------------------------------------------------------------------------------------
locals {
  router_dims = ["Service", "router", "Region", var.region]

  region_widgets = concat([
    { type = "metric", x = 0, y = 0, width = 12, height = 6, properties = {
      title   = "Router requests by status class", region = var.region, stat = "Sum", period = 60, view = "timeSeries", stacked = true
      metrics = [for c in ["2xx", "4xx", "5xx"] : concat([local.ns, "RouterRequests.${c}"], local.router_dims)]
    } },
    { type = "metric", x = 12, y = 0, width = 12, height = 6, properties = {
      title = "Router request duration (ms): average and max", region = var.region, period = 60, view = "timeSeries"
      metrics = [
        concat([local.ns, "RouterRequestDuration.Sum"], local.router_dims, [{ id = "s", stat = "Sum", visible = false }]),
        concat([local.ns, "RouterRequestDuration.Count"], local.router_dims, [{ id = "c", stat = "Sum", visible = false }]),
        [{ expression = "IF(c > 0, s / c, 0)", label = "average", id = "avg" }],
        concat([local.ns, "RouterRequestDuration.Max"], local.router_dims, [{ stat = "Maximum", label = "max" }]),
      ]
    } },
    { type = "metric", x = 0, y = 6, width = 12, height = 6, properties = {
      title = "Router queue and retries", region = var.region, period = 60, view = "timeSeries"
      metrics = [
        concat([local.ns, "RouterQueueDepth"], local.router_dims, [{ stat = "Maximum" }]),
        concat([local.ns, "RouterRetries"], local.router_dims, [{ stat = "Sum" }]),
        concat([local.ns, "RouterFailOpenPicks"], local.router_dims, [{ stat = "Sum" }]),
        concat([local.ns, "RouterSnapshotAgeSeconds"], local.router_dims, [{ stat = "Maximum", yAxis = "right" }]),
      ]
    } },
    { type = "metric", x = 12, y = 6, width = 12, height = 6, properties = {
      title = "Agent health (lowest) and in flight", region = var.region, period = 60, view = "timeSeries"
      metrics = [
        [{ expression = "MIN(SEARCH('{${local.ns},InstanceId,Region,Service} MetricName=\"AgentHealth\" Region=\"${var.region}\"', 'Minimum', 60))", label = "lowest AgentHealth", id = "h" }],
        [{ expression = "SUM(SEARCH('{${local.ns},InstanceId,Region,Service} MetricName=\"AgentInFlight\" Region=\"${var.region}\"', 'Maximum', 60))", label = "in flight", id = "f", yAxis = "right" }],
      ]
    } },
    { type = "metric", x = 0, y = 12, width = 12, height = 6, properties = {
      title = "Car wash: failure % (failed + timed out)", region = var.region, period = 300, view = "timeSeries"
      metrics = [
        [{ expression = "SUM(SEARCH('{${local.ns},InstanceId,Region,Service} MetricName=\"Wash.passed\" Region=\"${var.region}\"', 'Sum', 300))", id = "p", visible = false }],
        [{ expression = "SUM(SEARCH('{${local.ns},InstanceId,Region,Service} MetricName=\"Wash.failed\" Region=\"${var.region}\"', 'Sum', 300))", id = "f", visible = false }],
        [{ expression = "SUM(SEARCH('{${local.ns},InstanceId,Region,Service} MetricName=\"Wash.timed_out\" Region=\"${var.region}\"', 'Sum', 300))", id = "t", visible = false }],
        [{ expression = "IF(p + f + t > 0, 100 * (f + t) / (p + f + t), 0)", label = "wash failure %", id = "rate" }],
      ]
    } },
    { type = "metric", x = 12, y = 12, width = 12, height = 6, properties = {
      title = "Failover state and verdict (this region's controllers)", region = var.region, period = 60, view = "timeSeries"
      metrics = concat(
        [for r in var.regions : [local.ns, "FailoverState", "Service", "failover-controller", "Region", r, { stat = "Maximum", label = "state ${r}" }]],
        [for r in var.regions : [local.ns, "FailoverVerdict", "Service", "failover-controller", "Region", r, { stat = "Maximum", label = "verdict ${r}" }]],
      )
    } },
    { type = "metric", x = 0, y = 18, width = 12, height = 6, properties = {
      title   = "DynamoDB replication latency from ${var.region} (ms)", region = var.region, stat = "Average", period = 60, view = "timeSeries"
      metrics = [for k, v in local.replication : ["AWS/DynamoDB", "ReplicationLatency", "TableName", v.table, "ReceivingRegion", v.to]]
    } },
    ],
    var.gpu_metrics_enabled ? [{ type = "metric", x = 12, y = 18, width = 12, height = 6, properties = {
      title   = "GPU temperature (C, hottest)", region = var.region, stat = "Maximum", period = 60, view = "timeSeries"
      metrics = [[var.cwagent_namespace, "nvidia_smi_temperature_gpu"]]
    } }] : [],
    var.router_target_group_arn_suffix == null || var.nlb_arn_suffix == null ? [] : [{ type = "metric", x = 0, y = 24, width = 12, height = 6, properties = {
      title = "NLB healthy routers", region = var.region, stat = "Minimum", period = 60, view = "timeSeries"
      metrics = [
        ["AWS/NetworkELB", "HealthyHostCount", "TargetGroup", var.router_target_group_arn_suffix, "LoadBalancer", var.nlb_arn_suffix],
        ["AWS/NetworkELB", "UnHealthyHostCount", "TargetGroup", var.router_target_group_arn_suffix, "LoadBalancer", var.nlb_arn_suffix],
      ]
    } }],
    var.fsx_file_system_id == null ? [] : [{ type = "metric", x = 12, y = 24, width = 12, height = 6, properties = {
      title = "FSx free capacity (%)", region = var.region, period = 300, view = "timeSeries"
      metrics = [
        ["AWS/FSx", "FreeDataStorageCapacity", "FileSystemId", var.fsx_file_system_id, { id = "free", stat = "Sum", visible = false }],
        [{ expression = "100 * free / ${var.fsx_storage_capacity_gib * 1073741824}", label = "free %", id = "pct" }],
      ]
    } }],
  )

  global_widgets = concat(
    [for i, r in var.regions : { type = "metric", x = (i % 3) * 8, y = 0, width = 8, height = 6, properties = {
      title = "${r}: requests 2xx / 5xx", region = r, stat = "Sum", period = 60, view = "timeSeries"
      metrics = [
        [local.ns, "RouterRequests.2xx", "Service", "router", "Region", r],
        [local.ns, "RouterRequests.5xx", "Service", "router", "Region", r],
      ]
    } }],
    [for i, r in var.regions : { type = "metric", x = (i % 3) * 8, y = 6, width = 8, height = 6, properties = {
      title = "${r}: failover state (0 NORMAL 1 DEGRADED 2 FAILOVER_ACTIVE 3 RECOVERING), traffic dial %", region = var.region, period = 60, view = "timeSeries"
      metrics = [
        [local.ns, "FailoverState", "Service", "failover-controller", "Region", r, { stat = "Maximum" }],
        [local.ns, "FailoverTrafficDialPercent", "Service", "failover-controller", "Region", r, { stat = "Minimum", yAxis = "right" }],
      ]
    } }],
    [{ type = "alarm", x = 0, y = 12, width = 24, height = 6, properties = {
      title  = "Alarms (${var.region})"
      alarms = concat([for a in aws_cloudwatch_metric_alarm.region_failed : a.arn], [for a in aws_cloudwatch_metric_alarm.failover_active : a.arn])
    } }],
  )

  security_widgets = [
    { type = "metric", x = 0, y = 0, width = 12, height = 6, properties = {
      title   = "Router rejections by code (auth, rate limits, bodies)", region = var.region, period = 300, view = "timeSeries", stacked = true
      metrics = [[{ expression = "SEARCH('{${local.ns},Region,Service} MetricName=\"RouterRejections\"', 'Sum', 300)", id = "r", label = "" }]]
    } },
    { type = "metric", x = 12, y = 0, width = 12, height = 6, properties = {
      title = "Car wash failures and quarantined instances", region = var.region, period = 300, view = "timeSeries"
      metrics = [
        [{ expression = "SEARCH('{${local.ns},InstanceId,Region,Service} MetricName=\"Wash.failed\" OR MetricName=\"Wash.timed_out\"', 'Sum', 300)", id = "w", label = "" }],
        [{ expression = "SEARCH('{${local.ns},InstanceId,Region,Service} MetricName=\"InstanceQuarantined\"', 'Maximum', 300)", id = "q", label = "" }],
      ]
    } },
    { type = "metric", x = 0, y = 6, width = 12, height = 6, properties = {
      title = "Wash records not written to cleanup_validation", region = var.region, period = 300, view = "timeSeries"
      metrics = [
        [{ expression = "SEARCH('{${local.ns},InstanceId,Region,Service} MetricName=\"WashRecordsUnrecorded\" OR MetricName=\"WashRecordsFailedWrites\" OR MetricName=\"WashRecordsPending\"', 'Maximum', 300)", id = "u", label = "" }],
      ]
    } },
    { type = "metric", x = 12, y = 6, width = 12, height = 6, properties = {
      title = "Peer-auth and ingress refusals seen by routers", region = var.region, period = 300, view = "timeSeries"
      metrics = [
        [{ expression = "SEARCH('{${local.ns},Region,Service} MetricName=\"RouterRefusals\" OR MetricName=\"RouterBodyTimeouts\"', 'Sum', 300)", id = "x", label = "" }],
      ]
    } },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${local.prefix}-region"
  dashboard_body = jsonencode({ widgets = local.region_widgets })
}

resource "aws_cloudwatch_dashboard" "global" {
  count = var.create_global_dashboards ? 1 : 0

  dashboard_name = "${var.name}-global-overview"
  dashboard_body = jsonencode({ widgets = local.global_widgets })
}

resource "aws_cloudwatch_dashboard" "security" {
  count = var.create_global_dashboards ? 1 : 0

  dashboard_name = "${var.name}-security"
  dashboard_body = jsonencode({ widgets = local.security_widgets })
}
