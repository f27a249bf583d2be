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

variable "writer_oidc_provider_arn" {
  description = "The EKS cluster's OIDC provider: when set, a role the backup CronJob's service account assumes to write archives."
  type        = string
  default     = null
  validation {
    condition     = var.writer_oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/", var.writer_oidc_provider_arn))
    error_message = "writer_oidc_provider_arn must be an IAM OIDC provider ARN."
  }
}

variable "writer_role_name" {
  description = "Name of the writer role (deploy/kubernetes/overlays/<env> names it on the acgs-backup service account)."
  type        = string
  default     = "acgs-backup-writer"
}

variable "writer_service_account" {
  description = "The Kubernetes service account allowed to assume the writer role, as namespace:name."
  type        = string
  default     = "acgs:acgs-backup"
  validation {
    condition     = can(regex("^[a-z0-9-]+:[a-z0-9-]+$", var.writer_service_account))
    error_message = "writer_service_account must be namespace:name."
  }
}
