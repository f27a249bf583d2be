# Production, the primary region (us-west-2 by default): VPC over three zones, EKS 1.28 with
# on-demand, compute and spot node groups, RDS PostgreSQL 15 multi-AZ behind RDS Proxy,
# ElastiCache Redis, and the backup bucket replicated to the DR region. NATS JetStream runs inside
# the cluster (deploy/kubernetes/base/common/nats.yaml).

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
  # Partial configuration: terraform init -backend-config=backend.hcl (docs/deployment.md).
  backend "s3" {}
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { Project = "acgs", Environment = "production" }
  }
}

locals {
  name = "acgs-production"
  azs  = ["${var.region}a", "${var.region}b", "${var.region}c"]
}

module "networking" {
  source             = "../../modules/networking"
  name               = local.name
  vpc_cidr           = "10.0.0.0/16"
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
      min_size       = 3
      max_size       = 20
      desired_size   = 6
    }
    compute = {
      instance_types = ["c5.2xlarge"]
      capacity_type  = "ON_DEMAND"
      min_size       = 0
      max_size       = 10
      desired_size   = 2
      labels         = { "acgs.io/workload" = "compute" }
    }
    # About 30 % of the capacity on spot (13 of 43 nodes at most, 3 of 11 at rest); the
    # Cluster Autoscaler prefers it and falls back to the on-demand groups.
    spot-general = {
      instance_types = ["m5.large", "m5.xlarge", "m5a.large", "m5a.xlarge"]
      capacity_type  = "SPOT"
      min_size       = 0
      max_size       = 13
      desired_size   = 3
    }
  }
}

module "rds" {
  source                    = "../../modules/rds"
  name                      = local.name
  vpc_id                    = module.networking.vpc_id
  subnet_ids                = module.networking.private_subnet_ids
  client_security_group_ids = [module.eks.cluster_security_group_id]
  engine_version            = "15"
  instance_class            = "db.r5.xlarge"
  allocated_storage_gb      = 500
  multi_az                  = true
  backup_retention_days     = 30
}

module "redis" {
  source                    = "../../modules/redis"
  name                      = local.name
  vpc_id                    = module.networking.vpc_id
  subnet_ids                = module.networking.private_subnet_ids
  client_security_group_ids = [module.eks.cluster_security_group_id]
  replicas                  = 3
}

module "backups" {
  source                              = "../../modules/backup-bucket"
  bucket_name                         = var.backup_bucket_name
  retention_days                      = 30
  replication_destination_arn         = var.dr_backup_bucket_arn
  replication_destination_kms_key_arn = var.dr_backup_kms_key_arn
  writer_oidc_provider_arn            = module.eks.oidc_provider_arn
  writer_role_name                    = "${local.name}-backup-writer"
}
