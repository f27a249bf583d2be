variable "name" {
  description = "Name prefix (e.g. acgs-production)."
  type        = string
}

variable "vpc_id" {
  description = "The VPC the database runs in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets in at least two availability zones."
  type        = list(string)
  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must name subnets in at least two availability zones."
  }
}

variable "client_security_group_ids" {
  description = "Security groups whose members may connect (the EKS cluster's)."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL major version; the assessment's is 15."
  type        = string
  default     = "15"
  validation {
    condition     = can(regex("^1[5-7](\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be PostgreSQL 15 or later (15, 15.7, 16 ...)."
  }
}

variable "instance_class" {
  description = "The database instance size; the assessment's is db.r5.xlarge."
  type        = string
  default     = "db.r5.xlarge"
  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS class such as db.r5.xlarge."
  }
}

variable "allocated_storage_gb" {
  description = "Storage in GB; the assessment's is 500."
  type        = number
  default     = 500
  validation {
    condition     = var.allocated_storage_gb >= 100 && var.allocated_storage_gb <= 65536
    error_message = "allocated_storage_gb must be between 100 and 65536."
  }
}

variable "multi_az" {
  description = "A synchronous standby in a second zone; the assessment's primary is multi-AZ."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery); the assessment's is 30."
  type        = number
  default     = 30
  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "replicate_source_arn" {
  description = "ARN of a primary in another region: when set, this is its cross-region read replica (the DR region)."
  type        = string
  default     = null
  validation {
    condition     = var.replicate_source_arn == null || can(regex("^arn:aws[a-z-]*:rds:", var.replicate_source_arn))
    error_message = "replicate_source_arn must be an RDS instance ARN."
  }
}

variable "database_name" {
  description = "The database the platform uses."
  type        = string
  default     = "acgs"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
