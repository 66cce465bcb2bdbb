variable "name" {
  description = "Name prefix for every resource, for example `eventtide-staging`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "ID of the existing VPC that runs the application (the EKS cluster's VPC). The data subnets are added to it so that security groups can reference the application's security group."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "availability_zones" {
  description = "Exactly three availability zones, one data subnet in each (MSK spreads its brokers over them, RDS Multi-AZ uses two of them)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 3 && length(distinct(var.availability_zones)) == 3
    error_message = "availability_zones must list three distinct zones."
  }
}

variable "subnet_cidrs" {
  description = "CIDR blocks of the data subnets, one per availability zone, in the same order; free ranges inside the VPC's CIDR."
  type        = list(string)

  validation {
    condition     = length(var.subnet_cidrs) == 3 && alltrue([for cidr in var.subnet_cidrs : can(cidrhost(cidr, 0))])
    error_message = "subnet_cidrs must list three valid CIDR blocks."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
