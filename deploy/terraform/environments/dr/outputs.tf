output "cluster_name" {
  description = "aws eks update-kubeconfig --region us-east-1 --name <this>"
  value       = module.eks.cluster_name
}

output "cluster_autoscaler_role_arn" {
  description = "Set in deploy/kubernetes/overlays/dr (the cluster-autoscaler service account)."
  value       = module.eks.cluster_autoscaler_role_arn
}

output "database_endpoint" {
  description = "The replica's address (read-only until promoted)."
  value       = module.rds.endpoint
}

output "database_proxy_endpoint" {
  description = "RDS Proxy's address once promoted (null while a replica)."
  value       = module.rds.proxy_endpoint
}

output "redis_endpoint" {
  description = "The host of REDIS_URL (rediss://)."
  value       = module.redis.primary_endpoint
}

output "backup_bucket_arn" {
  description = "The production environment's dr_backup_bucket_arn."
  value       = module.backups.bucket_arn
}

output "backup_kms_key_arn" {
  description = "The production environment's dr_backup_kms_key_arn."
  value       = module.backups.kms_key_arn
}

output "backup_writer_role_arn" {
  description = "Set on the acgs-backup service account in deploy/kubernetes/overlays/dr (the backup CronJob)."
  value       = module.backups.writer_role_arn
}
