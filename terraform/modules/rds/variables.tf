variable "identifier" {
  description = "Identifier of the DB instance; also the prefix of its subnet group, parameter group, security group, KMS alias and log groups."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,58}[a-z0-9]$", var.identifier)) && !strcontains(var.identifier, "--")
    error_message = "identifier must be lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "engine_version" {
  description = "PostgreSQL engine version: major `16`, or a specific 16.x minor release. Minor upgrades are applied automatically in the maintenance window."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^16(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be PostgreSQL 16 (16 or 16.x)."
  }
}

variable "instance_class" {
  description = "DB instance class, for example db.t4g.medium (staging) or db.m7g.large."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS instance class (db.*)."
  }
}

variable "allocated_storage" {
  description = "Initial gp3 storage, in GiB."
  type        = number
  default     = 50

  validation {
    condition     = var.allocated_storage >= 20
    error_message = "allocated_storage must be at least 20 GiB."
  }
}

variable "max_allocated_storage" {
  description = "Upper bound for storage autoscaling, in GiB (0 turns autoscaling off)."
  type        = number
  default     = 200
}

variable "database_name" {
  description = "Name of the database created in the instance."
  type        = string
  default     = "eventtide"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must start with a letter and hold lowercase letters, digits and underscores."
  }
}

variable "master_username" {
  description = "Master user name. Its password is generated and rotated by RDS in Secrets Manager; it never appears in the configuration or the state."
  type        = string
  default     = "eventtide_admin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.master_username)) && !contains(["admin", "postgres", "rdsadmin"], var.master_username)
    error_message = "master_username must start with a letter, hold lowercase letters, digits and underscores, and not be a reserved name."
  }
}

variable "port" {
  description = "TCP port PostgreSQL listens on."
  type        = number
  default     = 5432
}

variable "vpc_id" {
  description = "ID of the VPC that holds `subnet_ids` and the application's security groups."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the DB subnet group, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two subnets in different availability zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups of the database clients (the EKS node or pod security group). Only they may reach PostgreSQL; no CIDR-based ingress exists."
  type        = list(string)

  validation {
    condition     = length(var.allowed_security_group_ids) > 0 && alltrue([for id in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "allowed_security_group_ids must list at least one security group ID (sg-...)."
  }
}

variable "multi_az" {
  description = "Run a synchronous standby in a second availability zone."
  type        = bool
  default     = true
}

variable "backup_retention_period" {
  description = "Days automated backups are kept (at least 7)."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_period >= 7 && var.backup_retention_period <= 35
    error_message = "backup_retention_period must be between 7 and 35 days."
  }
}

variable "backup_window" {
  description = "Daily UTC window for automated backups (hh24:mi-hh24:mi); must not overlap the maintenance window."
  type        = string
  default     = "02:00-03:00"
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window (ddd:hh24:mi-ddd:hh24:mi)."
  type        = string
  default     = "sun:04:00-sun:05:00"
}

variable "deletion_protection" {
  description = "Refuse to delete the instance. Turning it off is a deliberate, reviewed change."
  type        = bool
  default     = true
}

variable "log_min_duration_statement_ms" {
  description = "`log_min_duration_statement`: log statements slower than this, in milliseconds (-1 turns it off)."
  type        = number
  default     = 500
}

variable "monitoring_interval" {
  description = "Enhanced Monitoring interval in seconds: 1, 5, 10, 15, 30 or 60."
  type        = number
  default     = 60

  validation {
    condition     = contains([1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be 1, 5, 10, 15, 30 or 60."
  }
}

variable "performance_insights_retention_period" {
  description = "Days Performance Insights data is kept (7 is the free tier)."
  type        = number
  default     = 7
}

variable "cloudwatch_log_retention_days" {
  description = "Retention of the exported PostgreSQL log groups, in days."
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
