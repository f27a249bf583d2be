variable "cluster_name" {
  description = "The EKS cluster's name (e.g. acgs-production); the Cluster Autoscaler finds its node groups by it."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,38}$", var.cluster_name))
    error_message = "cluster_name must be 3-39 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "cluster_version" {
  description = "Kubernetes version of the control plane; the platform needs 1.28 or later."
  type        = string
  default     = "1.28"
  validation {
    condition     = can(regex("^1\\.(2[89]|3[0-9])$", var.cluster_version))
    error_message = "cluster_version must be 1.28 or later, as major.minor (e.g. 1.28)."
  }
}

variable "vpc_id" {
  description = "The VPC the cluster runs in (networking module)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets, one per availability zone, for the control plane's interfaces and the nodes."
  type        = list(string)
  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must name at least two subnets (two availability zones)."
  }
}

variable "public_endpoint_cidrs" {
  description = "Addresses allowed to reach the Kubernetes API's public endpoint (an operator's network); empty keeps it private."
  type        = list(string)
  default     = []
}

variable "node_groups" {
  description = <<-EOT
    Managed node groups by name. capacity_type ON_DEMAND or SPOT; a SPOT group's name must contain
    "spot" (the Cluster Autoscaler's priority expander prefers groups named like .*-spot-.*).
    The assessment: general (m5.large/m5.xlarge, 3-20, 6 desired), compute (c5.2xlarge, 0-10,
    2 desired), and spot for about 30 % of the capacity.
  EOT
  type = map(object({
    instance_types = list(string)
    capacity_type  = string
    min_size       = number
    max_size       = number
    desired_size   = number
    labels         = optional(map(string), {})
  }))
  validation {
    condition = alltrue([
      for group in values(var.node_groups) :
      group.min_size <= group.desired_size && group.desired_size <= group.max_size && contains(["ON_DEMAND", "SPOT"], group.capacity_type)
    ])
    error_message = "each node group needs min_size <= desired_size <= max_size and capacity_type ON_DEMAND or SPOT."
  }
  validation {
    condition     = alltrue([for name, group in var.node_groups : group.capacity_type != "SPOT" || can(regex("spot", name))])
    error_message = "a SPOT node group's name must contain \"spot\"."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
