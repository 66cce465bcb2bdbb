# Amazon RDS for PostgreSQL 16 for eventtide: private subnets, no public access,
# KMS-encrypted storage, logs and Performance Insights, TLS enforced, backups kept at
# least seven days, deletion protection, and a master password RDS keeps in Secrets
# Manager.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  log_exports = ["postgresql", "upgrade"]
}

################################################################################
# Encryption key: storage, Performance Insights, exported logs, master user secret
################################################################################

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A KMS key policy's Resource "*" means this key only; the account-root statement is AWS's default key policy, which delegates access to IAM policies.
  #checkov:skip=CKV_AWS_111:Same key policy: write actions are scoped to this key by definition, and the CloudWatch Logs statement is limited by an encryption-context condition.
  #checkov:skip=CKV_AWS_356:Key policies must use Resource "*" (the key they are attached to); there is no narrower resource to name.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsPostgresLogs"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/rds/instance/${var.identifier}/*"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "RDS instance ${var.identifier}: storage, Performance Insights, logs and master user secret"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms.json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.identifier}-rds"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Network placement and security group: PostgreSQL only from the application
################################################################################

resource "aws_db_subnet_group" "this" {
  name        = var.identifier
  description = "Private data subnets of ${var.identifier}"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_security_group" "this" {
  name_prefix = "${var.identifier}-rds-"
  description = "RDS PostgreSQL ${var.identifier}: PostgreSQL from the application only"
  vpc_id      = var.vpc_id

  # No egress rules: the database never opens connections into the VPC. The provider
  # removes the default allow-all egress rule of a new security group.

  tags = merge(var.tags, { Name = "${var.identifier}-rds" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = toset(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  description                  = "PostgreSQL over TLS from the application"

  tags = var.tags
}

################################################################################
# Parameters: TLS enforced, slow-statement and connection logging
################################################################################

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.identifier}-"
  family      = "postgres16"
  description = "eventtide PostgreSQL 16: TLS enforced, slow statements and DDL logged"

  # Only dynamic parameters, so every change applies without a reboot.

  # Refuse connections without TLS.
  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "immediate"
  }

  parameter {
    name         = "ssl_min_protocol_version"
    value        = "TLSv1.2"
    apply_method = "immediate"
  }

  parameter {
    name         = "password_encryption"
    value        = "scram-sha-256"
    apply_method = "immediate"
  }

  # Log statements slower than the threshold, with their duration.
  parameter {
    name         = "log_min_duration_statement"
    value        = tostring(var.log_min_duration_statement_ms)
    apply_method = "immediate"
  }

  # Log schema changes (migrations).
  parameter {
    name         = "log_statement"
    value        = "ddl"
    apply_method = "immediate"
  }

  parameter {
    name         = "log_connections"
    value        = "1"
    apply_method = "immediate"
  }

  parameter {
    name         = "log_disconnections"
    value        = "1"
    apply_method = "immediate"
  }

  parameter {
    name         = "log_lock_waits"
    value        = "1"
    apply_method = "immediate"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Logs and Enhanced Monitoring
################################################################################

# Created ahead of the instance so that they are KMS-encrypted and expire, instead of
# the unencrypted, never-expiring groups RDS would create on its own.
resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(local.log_exports)

  name              = "/aws/rds/instance/${var.identifier}/${each.value}"
  retention_in_days = var.cloudwatch_log_retention_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

data "aws_iam_policy_document" "enhanced_monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "enhanced_monitoring" {
  name_prefix        = "${substr(var.identifier, 0, 20)}-rds-monitoring-"
  description        = "Enhanced Monitoring for RDS instance ${var.identifier}"
  assume_role_policy = data.aws_iam_policy_document.enhanced_monitoring_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "enhanced_monitoring" {
  role       = aws_iam_role.enhanced_monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

################################################################################
# Instance
################################################################################

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.this.arn

  db_name  = var.database_name
  username = var.master_username
  port     = var.port

  # RDS generates the master password, stores it in Secrets Manager (encrypted with this
  # module's key) and rotates it; Terraform never sees it.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.this.arn

  iam_database_authentication_enabled = true

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  network_type           = "IPV4"
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  parameter_group_name = aws_db_parameter_group.this.name
  multi_az             = var.multi_az

  backup_retention_period   = var.backup_retention_period
  backup_window             = var.backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.identifier}-final"

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  apply_immediately           = false

  enabled_cloudwatch_logs_exports = local.log_exports
  monitoring_interval             = var.monitoring_interval
  monitoring_role_arn             = aws_iam_role.enhanced_monitoring.arn

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.this.arn
  performance_insights_retention_period = var.performance_insights_retention_period

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy_attachment.enhanced_monitoring,
  ]
}
