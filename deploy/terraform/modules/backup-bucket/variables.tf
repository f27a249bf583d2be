variable "bucket_name" {
  description = "The bucket's globally unique name (e.g. acgs-production-backups-<account id>)."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, dashes)."
  }
}

variable "retention_days" {
  description = "Days a backup is kept before it expires; the assessment's is 30."
  type        = number
  default     = 30
  validation {
    condition     = var.retention_days >= 1
    error_message = "retention_days must be at least 1."
  }
}

variable "replication_destination_arn" {
  description = "ARN of a versioned bucket in the DR region to replicate every backup to; null for none."
  type        = string
  default     = null
  validation {
    condition     = var.replication_destination_arn == null || can(regex("^arn:aws[a-z-]*:s3:::", var.replication_destination_arn))
    error_message = "replication_destination_arn must be an S3 bucket ARN."
  }
}

variable "replication_destination_kms_key_arn" {
  description = "The KMS key that encrypts the replicas in the DR bucket (required with replication_destination_arn)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
