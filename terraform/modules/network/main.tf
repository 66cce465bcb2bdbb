# Private data subnets for MSK and RDS inside the application's existing VPC.
#
# The subnets are isolated: their route table holds only the VPC's implicit local route,
# so nothing in them can reach or be reached from the internet (no internet or NAT
# gateway route, no public IPs). Brokers and databases need no egress: AWS runs their
# replication, backups and monitoring on its own network.

resource "aws_subnet" "this" {
  count = length(var.availability_zones)

  vpc_id                  = var.vpc_id
  availability_zone       = var.availability_zones[count.index]
  cidr_block              = var.subnet_cidrs[count.index]
  map_public_ip_on_launch = false

  tags = merge(var.tags, {
    Name = "${var.name}-data-${var.availability_zones[count.index]}"
    Tier = "data"
  })
}

resource "aws_route_table" "this" {
  vpc_id = var.vpc_id

  # Deliberately no routes: only the implicit local route to the VPC's own CIDR.

  tags = merge(var.tags, {
    Name = "${var.name}-data"
    Tier = "data"
  })
}

resource "aws_route_table_association" "this" {
  count = length(aws_subnet.this)

  subnet_id      = aws_subnet.this[count.index].id
  route_table_id = aws_route_table.this.id
}
