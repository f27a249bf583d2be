output "bucket_arn" {
  description = "The bucket's ARN (the primary's replication_destination_arn, for the DR bucket)."
  value       = aws_s3_bucket.this.arn
}

output "bucket_name" {
  description = "The bucket's name (acgs backup create writes here)."
  value       = aws_s3_bucket.this.bucket
}

output "kms_key_arn" {
  description = "The bucket's KMS key (the primary's replication_destination_kms_key_arn, for the DR bucket)."
  value       = aws_kms_key.this.arn
}

output "writer_role_arn" {
  description = "The backup CronJob's role (the acgs-backup service account's eks.amazonaws.com/role-arn); null without an OIDC provider."
  value       = var.writer_oidc_provider_arn == null ? null : aws_iam_role.writer[0].arn
}
