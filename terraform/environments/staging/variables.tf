variable "region" {
  description = "AWS region of the staging environment."
  type        = string
  default     = "eu-west-1"
}

variable "allowed_account_ids" {
  description = "AWS account IDs this configuration may touch; the provider refuses to run against any other account."
  type        = list(string)

  validation {
    condition     = length(var.allowed_account_ids) > 0 && alltrue([for id in var.allowed_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "allowed_account_ids must list 12-digit AWS account IDs."
  }
}

variable "name" {
  description = "Name prefix of every resource in the environment."
  type        = string
  default     = "eventtide-staging"
}

variable "vpc_id" {
  description = "ID of the VPC the staging EKS cluster runs in; the data subnets are added to it."
  type        = string
}

variable "availability_zones" {
  description = "The three availability zones of the data subnets."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "data_subnet_cidrs" {
  description = "Free CIDR blocks inside the VPC for the three data subnets, in the order of `availability_zones`."
  type        = list(string)
}

variable "application_security_group_ids" {
  description = "Security groups of the application's pods or EKS nodes; the only sources allowed to reach Kafka and PostgreSQL."
  type        = list(string)
}

variable "application_role_names" {
  description = "IAM roles the application's pods assume (IRSA or EKS Pod Identity); with IAM Kafka authentication they receive the MSK client policy."
  type        = list(string)
  default     = []
}

variable "kafka_client_authentication" {
  description = "Kafka client authentication: `iam` or `scram`."
  type        = string
  default     = "iam"
}

variable "kafka_broker_instance_type" {
  description = "MSK broker instance type. kafka.t3.small is cheaper but limits new IAM-authenticated connections per broker."
  type        = string
  default     = "kafka.m7g.large"
}

variable "kafka_broker_volume_size" {
  description = "EBS storage per broker, in GiB."
  type        = number
  default     = 100
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_multi_az" {
  description = "Run the database with a Multi-AZ standby (staging mirrors production's failover behaviour)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags for every resource, merged over the environment's default tags."
  type        = map(string)
  default     = {}
}
