variable "region" {
  description = "The DR region."
  type        = string
  default     = "us-east-1"
  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "admin_cidrs" {
  description = "Networks allowed to reach the Kubernetes API's public endpoint; empty keeps it private."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for cidr in var.admin_cidrs : can(cidrnetmask(cidr))])
    error_message = "admin_cidrs must be IPv4 CIDR blocks."
  }
}

variable "primary_database_arn" {
  description = "The primary's database ARN (production output database_instance_arn): the replica's source."
  type        = string
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:rds:", var.primary_database_arn))
    error_message = "primary_database_arn must be an RDS instance ARN."
  }
}

variable "promoted" {
  description = "False while the database is a read replica; true after the runbook promoted it (standalone, multi-AZ)."
  type        = bool
  default     = false
}

variable "backup_bucket_name" {
  description = "Globally unique name of the DR backup bucket, e.g. acgs-dr-backups-<account id>."
  type        = string
}
