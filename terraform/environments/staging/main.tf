# eventtide staging on AWS: Kafka on MSK and PostgreSQL on RDS, next to the EKS cluster
# that runs the eventtide Helm chart. `make staging-values` turns the outputs into the
# chart's values file.

locals {
  tags = merge(
    {
      Project     = "eventtide"
      Environment = "staging"
      ManagedBy   = "terraform"
      Repository  = "eventtide/terraform/environments/staging"
    },
    var.tags,
  )
}

provider "aws" {
  region              = var.region
  allowed_account_ids = var.allowed_account_ids

  default_tags {
    tags = local.tags
  }
}

module "network" {
  source = "../../modules/network"

  name               = var.name
  vpc_id             = var.vpc_id
  availability_zones = var.availability_zones
  subnet_cidrs       = var.data_subnet_cidrs
}

module "msk" {
  source = "../../modules/msk"

  name                       = var.name
  vpc_id                     = var.vpc_id
  subnet_ids                 = module.network.subnet_ids
  allowed_security_group_ids = var.application_security_group_ids

  client_authentication  = var.kafka_client_authentication
  broker_instance_type   = var.kafka_broker_instance_type
  broker_volume_size     = var.kafka_broker_volume_size
  number_of_broker_nodes = 3
}

module "rds" {
  source = "../../modules/rds"

  identifier                 = var.name
  vpc_id                     = var.vpc_id
  subnet_ids                 = module.network.subnet_ids
  allowed_security_group_ids = var.application_security_group_ids

  instance_class          = var.db_instance_class
  multi_az                = var.db_multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

# With IAM authentication the application's pod roles get the MSK client policy.
resource "aws_iam_role_policy_attachment" "kafka_client" {
  for_each = var.kafka_client_authentication == "iam" ? toset(var.application_role_names) : toset([])

  role       = each.value
  policy_arn = module.msk.client_policy_arn
}
