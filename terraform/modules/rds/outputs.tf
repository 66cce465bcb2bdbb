output "identifier" {
  description = "Identifier of the DB instance."
  value       = aws_db_instance.this.identifier
}

output "arn" {
  description = "ARN of the DB instance."
  value       = aws_db_instance.this.arn
}

output "resource_id" {
  description = "Resource ID of the DB instance, used in `rds-db:connect` IAM policies."
  value       = aws_db_instance.this.resource_id
}

output "address" {
  description = "DNS name of the DB instance (the database host)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port PostgreSQL listens on."
  value       = aws_db_instance.this.port
}

output "endpoint" {
  description = "host:port of the DB instance."
  value       = aws_db_instance.this.endpoint
}

output "database_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "master_username" {
  description = "Master user name (the password lives only in the Secrets Manager secret)."
  value       = aws_db_instance.this.username
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS manages for the master user (JSON with `username` and `password`)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "ID of the database's security group."
  value       = aws_security_group.this.id
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting storage, Performance Insights, logs and the master user secret."
  value       = aws_kms_key.this.arn
}

output "parameter_group_name" {
  description = "Name of the DB parameter group."
  value       = aws_db_parameter_group.this.name
}
