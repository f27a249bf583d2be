output "instance_arn" {
  description = "The database's ARN (the DR environment's replicate_source_arn)."
  value       = aws_db_instance.this.arn
}

output "endpoint" {
  description = "The database's own address (the proxy's is the one services use)."
  value       = aws_db_instance.this.address
}

output "proxy_endpoint" {
  description = "RDS Proxy's address: DATABASE_URL=postgres://acgs:<password>@<this>:5432/acgs?sslmode=require (null on a replica)."
  value       = local.is_replica ? null : aws_db_proxy.this[0].endpoint
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret holding the generated password (null on a replica)."
  value       = local.is_replica ? null : aws_db_instance.this.master_user_secret[0].secret_arn
}
