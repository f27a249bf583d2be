output "cluster_name" {
  description = "The cluster's name (aws eks update-kubeconfig --name ...)."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "The Kubernetes API's address."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_security_group_id" {
  description = "The security group EKS gives the cluster's nodes and control plane."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_provider_arn" {
  description = "The OIDC provider for service-account IAM roles."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "cluster_autoscaler_role_arn" {
  description = "The role the cluster-autoscaler service account assumes (set it in the overlay)."
  value       = aws_iam_role.cluster_autoscaler.arn
}

output "spot_capacity_share" {
  description = "The spot node groups' share of the maximum node count."
  value = (
    sum([for g in values(var.node_groups) : g.capacity_type == "SPOT" ? g.max_size : 0]) /
    sum([for g in values(var.node_groups) : g.max_size])
  )
}
