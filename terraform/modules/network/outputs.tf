output "subnet_ids" {
  description = "IDs of the private data subnets, in the order of `availability_zones`."
  value       = aws_subnet.this[*].id
}

output "subnet_cidrs" {
  description = "CIDR blocks of the private data subnets."
  value       = aws_subnet.this[*].cidr_block
}

output "availability_zones" {
  description = "Availability zones of the data subnets."
  value       = aws_subnet.this[*].availability_zone
}

output "route_table_id" {
  description = "ID of the data subnets' route table (local route only)."
  value       = aws_route_table.this.id
}

output "vpc_id" {
  description = "ID of the VPC the data subnets belong to."
  value       = var.vpc_id
}
