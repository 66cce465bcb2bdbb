# Amazon MSK cluster for eventtide: KRaft mode, three availability zones, private
# subnets, TLS everywhere, KMS encryption at rest, IAM or SCRAM client authentication,
# Prometheus open monitoring and broker logs in CloudWatch.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  iam   = var.client_authentication == "iam"
  scram = var.client_authentication == "scram"

  # TLS listener of the chosen SASL mechanism: 9098 for IAM, 9096 for SCRAM.
  # The plaintext (9092) and unauthenticated TLS (9094) listeners are never enabled.
  kafka_port = local.iam ? 9098 : 9096

  # Prometheus open monitoring: JMX exporter (11001) and node exporter (11002).
  monitoring_ports = [11001, 11002]

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  log_group_name = "/aws/msk/${var.name}/broker"

  server_properties = {
    "auto.create.topics.enable"                = "false"
    "default.replication.factor"               = "3"
    "min.insync.replicas"                      = "2"
    "num.partitions"                           = tostring(var.default_partitions)
    "unclean.leader.election.enable"           = "false"
    "offsets.topic.replication.factor"         = "3"
    "transaction.state.log.replication.factor" = "3"
    "transaction.state.log.min.isr"            = "2"
    "log.retention.hours"                      = tostring(var.log_retention_hours)
  }

  ingress_rules = merge(
    {
      for sg in var.allowed_security_group_ids : "kafka-${sg}" => {
        security_group_id = sg
        from_port         = local.kafka_port
        to_port           = local.kafka_port
        description       = "Kafka over TLS (${upper(var.client_authentication)}) from the application"
      }
    },
    {
      for sg in var.allowed_security_group_ids : "monitoring-${sg}" => {
        security_group_id = sg
        from_port         = local.monitoring_ports[0]
        to_port           = local.monitoring_ports[1]
        description       = "Prometheus JMX and node exporters from the application's cluster"
      }
    },
  )
}

################################################################################
# Encryption key: data at rest, broker logs and the SCRAM secret
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
    sid = "CloudWatchLogsBrokerLogs"
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
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "MSK cluster ${var.name}: data at rest, broker logs and SCRAM secrets"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms.json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-msk"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Broker logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.cloudwatch_log_retention_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

################################################################################
# Security group: Kafka and metrics only from the application's security groups
################################################################################

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-msk-"
  description = "MSK brokers of ${var.name}: Kafka over TLS from the application only"
  vpc_id      = var.vpc_id

  # No egress rules: brokers never open connections into the VPC. The provider removes
  # the default allow-all egress rule of a new security group.

  tags = merge(var.tags, { Name = "${var.name}-msk" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.ingress_rules

  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = each.value.security_group_id
  ip_protocol                  = "tcp"
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  description                  = each.value.description

  tags = var.tags
}

################################################################################
# Broker configuration: safe topic defaults
################################################################################

resource "aws_msk_configuration" "this" {
  name        = var.name
  description = "eventtide defaults: replication 3, min.insync.replicas 2, no automatic topic creation"

  server_properties = join("\n", [for key, value in local.server_properties : "${key}=${value}"])

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Cluster
################################################################################

resource "aws_msk_cluster" "this" {
  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.number_of_broker_nodes
  enhanced_monitoring    = var.enhanced_monitoring

  broker_node_group_info {
    instance_type   = var.broker_instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.this.id]
    az_distribution = "DEFAULT"

    storage_info {
      ebs_storage_info {
        volume_size = var.broker_volume_size
      }
    }

    connectivity_info {
      public_access {
        type = "DISABLED"
      }
    }
  }

  client_authentication {
    unauthenticated = false

    sasl {
      iam   = local.iam
      scram = local.scram
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = aws_kms_key.this.arn

    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  open_monitoring {
    prometheus {
      jmx_exporter {
        enabled_in_broker = true
      }

      node_exporter {
        enabled_in_broker = true
      }
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.this.name
      }
    }
  }

  tags = var.tags
}

################################################################################
# SASL/SCRAM credentials (client_authentication = "scram")
#
# MSK reads SCRAM users from Secrets Manager secrets named AmazonMSK_* and encrypted with
# a customer managed key. The password is generated as an ephemeral value and written
# through a write-only argument: it is never stored in the Terraform state or plan.
################################################################################

resource "aws_secretsmanager_secret" "scram" {
  #checkov:skip=CKV2_AWS_57:MSK SCRAM secrets have no managed rotation; rotating means writing a new secret_string_wo_version, and the application picks the change up through External Secrets.
  count = local.scram ? 1 : 0

  name                    = "AmazonMSK_${var.name}_${var.scram_username}"
  description             = "SASL/SCRAM credentials of ${var.scram_username} on MSK cluster ${var.name}"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7

  tags = var.tags
}

ephemeral "random_password" "scram" {
  count = local.scram ? 1 : 0

  length  = 32
  special = false
}

resource "aws_secretsmanager_secret_version" "scram" {
  count = local.scram ? 1 : 0

  secret_id = aws_secretsmanager_secret.scram[0].id
  secret_string_wo = jsonencode({
    username = var.scram_username
    password = ephemeral.random_password.scram[0].result
  })
  secret_string_wo_version = 1
}

resource "aws_msk_scram_secret_association" "this" {
  count = local.scram ? 1 : 0

  cluster_arn     = aws_msk_cluster.this.arn
  secret_arn_list = [aws_secretsmanager_secret.scram[0].arn]

  depends_on = [aws_secretsmanager_secret_version.scram]
}

################################################################################
# IAM access for clients (client_authentication = "iam")
#
# Attach this policy to the role the application's pods assume (IRSA or EKS Pod
# Identity). It grants what the producer, consumer, processor and operator need on
# this cluster only: connect, read and write data, manage eventtide's topics, consumer
# groups and transactional IDs.
################################################################################

locals {
  cluster_resource_prefix = "arn:${local.partition}:kafka:${local.region}:${local.account_id}"
  cluster_path            = "${var.name}/${aws_msk_cluster.this.cluster_uuid}"
}

data "aws_iam_policy_document" "client" {
  count = local.iam ? 1 : 0

  statement {
    sid = "Cluster"
    actions = [
      "kafka-cluster:Connect",
      "kafka-cluster:DescribeCluster",
      "kafka-cluster:DescribeClusterDynamicConfiguration",
      "kafka-cluster:WriteDataIdempotently",
    ]
    resources = [aws_msk_cluster.this.arn]
  }

  statement {
    sid = "Topics"
    actions = [
      "kafka-cluster:CreateTopic",
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:DescribeTopicDynamicConfiguration",
      "kafka-cluster:AlterTopic",
      "kafka-cluster:AlterTopicDynamicConfiguration",
      "kafka-cluster:ReadData",
      "kafka-cluster:WriteData",
    ]
    resources = ["${local.cluster_resource_prefix}:topic/${local.cluster_path}/*"]
  }

  statement {
    sid = "ConsumerGroups"
    actions = [
      "kafka-cluster:AlterGroup",
      "kafka-cluster:DescribeGroup",
    ]
    resources = ["${local.cluster_resource_prefix}:group/${local.cluster_path}/*"]
  }

  statement {
    sid = "TransactionalIds"
    actions = [
      "kafka-cluster:AlterTransactionalId",
      "kafka-cluster:DescribeTransactionalId",
    ]
    resources = ["${local.cluster_resource_prefix}:transactional-id/${local.cluster_path}/*"]
  }
}

resource "aws_iam_policy" "client" {
  count = local.iam ? 1 : 0

  name_prefix = "${var.name}-msk-client-"
  description = "Kafka client access to MSK cluster ${var.name} (SASL/IAM)"
  policy      = data.aws_iam_policy_document.client[0].json

  tags = var.tags
}
