# State moves from the per-region calls this environment made before modules region_network and region (no
# destroy/create on the next apply). Safe to delete once every state has been applied past them.

# us-east-1
moved {
  from = module.network_use1
  to   = module.region_network_us_east_1.module.network
}
moved {
  from = aws_eip.nat_use1
  to   = module.region_network_us_east_1.aws_eip.nat
}
moved {
  from = aws_nat_gateway.use1
  to   = module.region_network_us_east_1.aws_nat_gateway.this
}
moved {
  from = aws_route.nat_use1
  to   = module.region_network_us_east_1.aws_route.nat
}
moved {
  from = module.load_balancer_use1
  to   = module.region_network_us_east_1.module.load_balancer
}
moved {
  from = module.privatelink_use1
  to   = module.region_us_east_1.module.privatelink
}
moved {
  from = module.model_store_use1
  to   = module.region_us_east_1.module.model_store
}
moved {
  from = module.gpu_fleet_use1
  to   = module.region_us_east_1.module.gpu_fleet
}
moved {
  from = module.services_use1
  to   = module.region_us_east_1.module.services
}
moved {
  from = module.observability_use1
  to   = module.region_us_east_1.module.observability
}

# us-east-2
moved {
  from = module.network_use2
  to   = module.region_network_us_east_2.module.network
}
moved {
  from = aws_eip.nat_use2
  to   = module.region_network_us_east_2.aws_eip.nat
}
moved {
  from = aws_nat_gateway.use2
  to   = module.region_network_us_east_2.aws_nat_gateway.this
}
moved {
  from = aws_route.nat_use2
  to   = module.region_network_us_east_2.aws_route.nat
}
moved {
  from = module.load_balancer_use2
  to   = module.region_network_us_east_2.module.load_balancer
}
moved {
  from = module.privatelink_use2
  to   = module.region_us_east_2.module.privatelink
}
moved {
  from = module.model_store_use2
  to   = module.region_us_east_2.module.model_store
}
moved {
  from = module.gpu_fleet_use2
  to   = module.region_us_east_2.module.gpu_fleet
}
moved {
  from = module.services_use2
  to   = module.region_us_east_2.module.services
}
moved {
  from = module.observability_use2
  to   = module.region_us_east_2.module.observability
}

# us-west-2
moved {
  from = module.network_usw2
  to   = module.region_network_us_west_2.module.network
}
moved {
  from = aws_eip.nat_usw2
  to   = module.region_network_us_west_2.aws_eip.nat
}
moved {
  from = aws_nat_gateway.usw2
  to   = module.region_network_us_west_2.aws_nat_gateway.this
}
moved {
  from = aws_route.nat_usw2
  to   = module.region_network_us_west_2.aws_route.nat
}
moved {
  from = module.load_balancer_usw2
  to   = module.region_network_us_west_2.module.load_balancer
}
moved {
  from = module.privatelink_usw2
  to   = module.region_us_west_2.module.privatelink
}
moved {
  from = module.model_store_usw2
  to   = module.region_us_west_2.module.model_store
}
moved {
  from = module.gpu_fleet_usw2
  to   = module.region_us_west_2.module.gpu_fleet
}
moved {
  from = module.services_usw2
  to   = module.region_us_west_2.module.services
}
moved {
  from = module.observability_usw2
  to   = module.region_us_west_2.module.observability
}
