# Disaster recovery, the secondary region (us-east-1): two zones, the core services only (auth,
# constitutional AI, integrity, PGC: deploy/kubernetes/overlays/dr), a cross-region read replica of
# the primary's PostgreSQL, ElastiCache Redis, and the bucket the primary's backups replicate to.
# Promotion runbook: docs/deployment.md.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
  backend "s3" {}
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { Project = "acgs", Environment = "dr" }
  }
}

locals {
  name = "acgs-dr"
  azs  = ["${var.region}a", "${var.region}b"]
}

module "networking" {
  source             = "../../modules/networking"
  name               = local.name
  vpc_cidr           = "10.1.0.0/16"
  availability_zones = local.azs
  cluster_name       = local.name
}

module "eks" {
  source                = "../../modules/eks"
  cluster_name          = local.name
  cluster_version       = "1.28"
  vpc_id                = module.networking.vpc_id
  subnet_ids            = module.networking.private_subnet_ids
  public_endpoint_cidrs = var.admin_cidrs
  node_groups = {
    general = {
      instance_types = ["m5.large", "m5.xlarge"]
      capacity_type  = "ON_DEMAND"
      min_size       = 2
      max_size       = 10
      desired_size   = 4
    }
    spot-general = {
      instance_types = ["m5.large", "m5.xlarge", "m5a.large", "m5a.xlarge"]
      capacity_type  = "SPOT"
      min_size       = 0
      max_size       = 4
      desired_size   = 1
    }
  }
}

# A read replica of the primary until the runbook promotes it (then: replicate_source_arn = null,
# multi_az = true, apply again to get RDS Proxy).
module "rds" {
  source                    = "../../modules/rds"
  name                      = local.name
  vpc_id                    = module.networking.vpc_id
  subnet_ids                = module.networking.private_subnet_ids
  client_security_group_ids = [module.eks.cluster_security_group_id]
  engine_version            = "15"
  instance_class            = "db.r5.xlarge"
  allocated_storage_gb      = 500
  multi_az                  = var.promoted
  backup_retention_days     = 30
  replicate_source_arn      = var.promoted ? null : var.primary_database_arn
}

module "redis" {
  source                    = "../../modules/redis"
  name                      = local.name
  vpc_id                    = module.networking.vpc_id
  subnet_ids                = module.networking.private_subnet_ids
  client_security_group_ids = [module.eks.cluster_security_group_id]
  replicas                  = 2
}

# The destination of the primary's backup replication.
module "backups" {
  source         = "../../modules/backup-bucket"
  bucket_name    = var.backup_bucket_name
  retention_days = 30
  # After a promotion the DR region backs itself up into this bucket.
  writer_oidc_provider_arn = module.eks.oidc_provider_arn
  writer_role_name         = "${local.name}-backup-writer"
}
