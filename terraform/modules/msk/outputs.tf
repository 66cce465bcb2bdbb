output "arn" {
  description = "ARN of the MSK cluster."
  value       = aws_msk_cluster.this.arn
}

output "name" {
  description = "Name of the MSK cluster."
  value       = aws_msk_cluster.this.cluster_name
}

output "cluster_uuid" {
  description = "UUID of the MSK cluster, part of its topic and group ARNs."
  value       = aws_msk_cluster.this.cluster_uuid
}

output "kafka_version" {
  description = "Kafka version the cluster runs (KRaft)."
  value       = aws_msk_cluster.this.kafka_version
}

output "client_authentication" {
  description = "Client authentication in use: `iam` or `scram`."
  value       = var.client_authentication
}

output "bootstrap_brokers_tls" {
  description = "Comma-separated host:port list of the TLS listener that matches `client_authentication` (SASL/IAM on 9098 or SASL/SCRAM on 9096). Every listener clients can use is TLS-encrypted."
  value       = local.iam ? aws_msk_cluster.this.bootstrap_brokers_sasl_iam : aws_msk_cluster.this.bootstrap_brokers_sasl_scram
}

output "security_group_id" {
  description = "ID of the brokers' security group."
  value       = aws_security_group.this.id
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts data at rest, broker logs and SCRAM secrets."
  value       = aws_kms_key.this.arn
}

output "configuration_arn" {
  description = "ARN of the MSK configuration holding the topic defaults."
  value       = aws_msk_configuration.this.arn
}

output "configuration_revision" {
  description = "Revision of the MSK configuration in use."
  value       = aws_msk_configuration.this.latest_revision
}

output "log_group_name" {
  description = "CloudWatch log group receiving the broker logs."
  value       = aws_cloudwatch_log_group.this.name
}

output "scram_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the SCRAM username and password (null with IAM authentication)."
  value       = local.scram ? aws_secretsmanager_secret.scram[0].arn : null
}

output "client_policy_arn" {
  description = "ARN of the IAM policy granting Kafka access to this cluster, for the application's pod role (null with SCRAM authentication)."
  value       = local.iam ? aws_iam_policy.client[0].arn : null
}
