variable "name" {
  description = "Name of the MSK cluster; also the prefix of its configuration, security group, KMS alias and log group."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,63}$", var.name))
    error_message = "name must start with a letter and hold at most 64 letters, digits and hyphens."
  }
}

variable "kafka_version" {
  description = "Apache Kafka version, in MSK's KRaft form (`<major>.<minor>.x.kraft`); ZooKeeper-based versions are refused."
  type        = string
  default     = "4.0.x.kraft"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.x\\.kraft$", var.kafka_version))
    error_message = "kafka_version must be a KRaft version such as 3.9.x.kraft or 4.0.x.kraft."
  }
}

variable "vpc_id" {
  description = "ID of the VPC that holds `subnet_ids` and the application's security groups."
  type        = string
}

variable "subnet_ids" {
  description = "Three private subnets in three different availability zones; brokers are spread evenly over them."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) == 3 && length(distinct(var.subnet_ids)) == 3
    error_message = "subnet_ids must list three distinct subnets (one per availability zone)."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups of the Kafka clients (the EKS node or pod security group). Only they may reach the brokers; no CIDR-based ingress exists."
  type        = list(string)

  validation {
    condition     = length(var.allowed_security_group_ids) > 0 && alltrue([for id in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "allowed_security_group_ids must list at least one security group ID (sg-...)."
  }
}

variable "number_of_broker_nodes" {
  description = "Number of brokers; a multiple of the three availability zones."
  type        = number
  default     = 3

  validation {
    condition     = var.number_of_broker_nodes >= 3 && var.number_of_broker_nodes % 3 == 0
    error_message = "number_of_broker_nodes must be a positive multiple of 3."
  }
}

variable "broker_instance_type" {
  description = "Broker instance type, for example kafka.t3.small (staging) or kafka.m7g.large."
  type        = string
  default     = "kafka.m7g.large"

  validation {
    condition     = startswith(var.broker_instance_type, "kafka.")
    error_message = "broker_instance_type must be an MSK instance type (kafka.*)."
  }
}

variable "broker_volume_size" {
  description = "EBS storage per broker, in GiB."
  type        = number
  default     = 100

  validation {
    condition     = var.broker_volume_size >= 1 && var.broker_volume_size <= 16384
    error_message = "broker_volume_size must be between 1 and 16384 GiB."
  }
}

variable "client_authentication" {
  description = "How clients authenticate over TLS: `iam` (SASL/IAM, port 9098, no password anywhere) or `scram` (SASL/SCRAM-SHA-512, port 9096, credentials in Secrets Manager)."
  type        = string
  default     = "iam"

  validation {
    condition     = contains(["iam", "scram"], var.client_authentication)
    error_message = "client_authentication must be iam or scram."
  }
}

variable "scram_username" {
  description = "SCRAM user created for the application when `client_authentication` is `scram`."
  type        = string
  default     = "eventtide"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.scram_username))
    error_message = "scram_username must be 1-64 letters, digits, underscores or hyphens."
  }
}

variable "default_partitions" {
  description = "`num.partitions` for topics created without an explicit count."
  type        = number
  default     = 6
}

variable "log_retention_hours" {
  description = "`log.retention.hours`: how long Kafka keeps records by default."
  type        = number
  default     = 168
}

variable "enhanced_monitoring" {
  description = "CloudWatch metrics level: DEFAULT, PER_BROKER, PER_TOPIC_PER_BROKER or PER_TOPIC_PER_PARTITION."
  type        = string
  default     = "PER_BROKER"

  validation {
    condition     = contains(["DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"], var.enhanced_monitoring)
    error_message = "enhanced_monitoring must be DEFAULT, PER_BROKER, PER_TOPIC_PER_BROKER or PER_TOPIC_PER_PARTITION."
  }
}

variable "cloudwatch_log_retention_days" {
  description = "Retention of the broker log group, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.cloudwatch_log_retention_days)
    error_message = "cloudwatch_log_retention_days must be a retention period CloudWatch Logs accepts."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the KMS key is deleted after `destroy`."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "kms_deletion_window_in_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
