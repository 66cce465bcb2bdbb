# Everything `terraform/scripts/staging_values.py` needs to write the Helm values file.
# None of these is a secret: credentials stay in Secrets Manager and are referenced by ARN.

output "aws_region" {
  description = "AWS region of the environment (for the External Secrets store)."
  value       = var.region
}

output "kafka_bootstrap_brokers_tls" {
  description = "TLS bootstrap brokers (host:port,...) of the listener that matches `kafka_auth_mechanism`."
  value       = module.msk.bootstrap_brokers_tls
}

output "kafka_auth_mechanism" {
  description = "Kafka client authentication: `iam` (SASL/IAM) or `scram` (SASL/SCRAM-SHA-512)."
  value       = module.msk.client_authentication
}

output "kafka_scram_secret_arn" {
  description = "Secrets Manager ARN of the SCRAM credentials (null with IAM authentication)."
  value       = module.msk.scram_secret_arn
}

output "kafka_client_policy_arn" {
  description = "IAM policy for Kafka clients (null with SCRAM authentication)."
  value       = module.msk.client_policy_arn
}

output "kafka_cluster_arn" {
  description = "ARN of the MSK cluster."
  value       = module.msk.arn
}

output "database_endpoint" {
  description = "host:port of the PostgreSQL instance."
  value       = module.rds.endpoint
}

output "database_host" {
  description = "Host name of the PostgreSQL instance."
  value       = module.rds.address
}

output "database_port" {
  description = "Port of the PostgreSQL instance."
  value       = module.rds.port
}

output "database_name" {
  description = "Name of the application database."
  value       = module.rds.database_name
}

output "database_secret_arn" {
  description = "Secrets Manager ARN of the database credentials (RDS-managed master user secret: JSON with username and password)."
  value       = module.rds.master_user_secret_arn
}

output "data_subnet_ids" {
  description = "IDs of the private data subnets."
  value       = module.network.subnet_ids
}
