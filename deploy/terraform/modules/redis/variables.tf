variable "name" {
  description = "Name prefix (e.g. acgs-production)."
  type        = string
}

variable "vpc_id" {
  description = "The VPC the cache runs in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets, one per availability zone."
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

variable "node_type" {
  description = "The cache node size."
  type        = string
  default     = "cache.r6g.large"
  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache node type such as cache.r6g.large."
  }
}

variable "replicas" {
  description = "Nodes in the replication group (one primary, the rest replicas in other zones)."
  type        = number
  default     = 2
  validation {
    condition     = var.replicas >= 2 && var.replicas <= 6
    error_message = "replicas must be between 2 and 6 (automatic failover needs two)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
