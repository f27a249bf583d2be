output "cluster_name" {
  description = "aws eks update-kubeconfig --region <region> --name <this>"
  value       = module.eks.cluster_name
}

output "cluster_autoscaler_role_arn" {
  description = "Set in deploy/kubernetes/overlays/production (the cluster-autoscaler service account)."
  value       = module.eks.cluster_autoscaler_role_arn
}

output "spot_capacity_share" {
  description = "The spot node group's share of the maximum node count."
  value       = module.eks.spot_capacity_share
}

output "database_instance_arn" {
  description = "The DR environment's primary_database_arn."
  value       = module.rds.instance_arn
}

output "database_proxy_endpoint" {
  description = "The host of DATABASE_URL (RDS Proxy)."
  value       = module.rds.proxy_endpoint
}

output "database_secret_arn" {
  description = "The Secrets Manager secret with the database password."
  value       = module.rds.master_user_secret_arn
}

output "redis_endpoint" {
  description = "The host of REDIS_URL (rediss://)."
  value       = module.redis.primary_endpoint
}

output "redis_auth_token" {
  description = "The password of REDIS_URL."
  value       = module.redis.auth_token
  sensitive   = true
}

output "backup_bucket_name" {
  description = "Where acgs backups go."
  value       = module.backups.bucket_name
}

output "backup_writer_role_arn" {
  description = "Set on the acgs-backup service account in deploy/kubernetes/overlays/production (the backup CronJob)."
  value       = module.backups.writer_role_arn
}
