output "primary_endpoint" {
  description = "The primary's address: REDIS_URL=rediss://:<auth token>@<this>:6379."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "auth_token" {
  description = "The AUTH token for REDIS_URL."
  value       = random_password.auth.result
  sensitive   = true
}
