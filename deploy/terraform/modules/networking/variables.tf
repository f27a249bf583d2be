variable "name" {
  description = "Name prefix for every resource (e.g. acgs-production)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "vpc_cidr" {
  description = "The VPC's address range; the assessment's is 10.0.0.0/16."
  type        = string
  default     = "10.0.0.0/16"
  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && tonumber(split("/", var.vpc_cidr)[1]) <= 16
    error_message = "vpc_cidr must be an IPv4 CIDR block of /16 or larger."
  }
}

variable "availability_zones" {
  description = "Availability zones to spread subnets over: three in the primary region, two in the DR region."
  type        = list(string)
  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3
    error_message = "availability_zones must name two or three zones."
  }
}

variable "cluster_name" {
  description = "The EKS cluster that will use these subnets (tags them for its load balancers)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
