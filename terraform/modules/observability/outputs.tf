output "region_dashboard_name" {
  description = "Name of this region's dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "global_dashboard_names" {
  description = "Names of the global overview and security dashboards (empty unless create_global_dashboards)."
  value       = concat([for d in aws_cloudwatch_dashboard.global : d.dashboard_name], [for d in aws_cloudwatch_dashboard.security : d.dashboard_name])
}

output "alarm_arns" {
  description = "ARN of every alarm, by name."
  value = merge(
    { for a in aws_cloudwatch_metric_alarm.region_failed : a.alarm_name => a.arn },
    { for a in aws_cloudwatch_metric_alarm.failover_active : a.alarm_name => a.arn },
    { for a in aws_cloudwatch_metric_alarm.replication_latency : a.alarm_name => a.arn },
    { for a in aws_cloudwatch_metric_alarm.fsx_free : a.alarm_name => a.arn },
    { for a in aws_cloudwatch_metric_alarm.wash_failed : a.alarm_name => a.arn },
    { (aws_cloudwatch_metric_alarm.instance_health.alarm_name) = aws_cloudwatch_metric_alarm.instance_health.arn },
    { for a in aws_cloudwatch_metric_alarm.gpu_temperature : a.alarm_name => a.arn },
    { (aws_cloudwatch_metric_alarm.request_latency.alarm_name) = aws_cloudwatch_metric_alarm.request_latency.arn },
    { for a in aws_cloudwatch_metric_alarm.no_healthy_router : a.alarm_name => a.arn },
  )
}

output "metrics_used" {
  description = "The metrics the alarms read (namespace/name), for the check against docs/observability.md."
  value = {
    MRGC     = ["FailoverVerdict", "FailoverState", "Wash.failed", "Wash.timed_out", "AgentHealth", "RouterRequestDuration.Sum", "RouterRequestDuration.Count"]
    external = ["AWS/DynamoDB ReplicationLatency", "AWS/FSx FreeDataStorageCapacity", "AWS/NetworkELB HealthyHostCount", "${var.cwagent_namespace} nvidia_smi_temperature_gpu"]
  }
}
