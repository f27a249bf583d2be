variable "region" {
  description = "The primary AWS region."
  type        = string
  default     = "us-west-2"
  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-west-2."
  }
}

variable "admin_cidrs" {
  description = "Networks allowed to reach the Kubernetes API's public endpoint (an operator's office or VPN); empty keeps it private."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for cidr in var.admin_cidrs : can(cidrnetmask(cidr))])
    error_message = "admin_cidrs must be IPv4 CIDR blocks."
  }
}

variable "backup_bucket_name" {
  description = "Globally unique name of the backup bucket, e.g. acgs-production-backups-<account id>."
  type        = string
}

variable "dr_backup_bucket_arn" {
  description = "The DR environment's backup bucket (its output backup_bucket_arn); null until the DR environment exists."
  type        = string
  default     = null
}

variable "dr_backup_kms_key_arn" {
  description = "The DR backup bucket's KMS key (its output backup_kms_key_arn); set together with dr_backup_bucket_arn."
  type        = string
  default     = null
  validation {
    condition     = (var.dr_backup_kms_key_arn == null) == (var.dr_backup_bucket_arn == null)
    error_message = "set dr_backup_kms_key_arn and dr_backup_bucket_arn together."
  }
}
