output "cluster_arn" {
  description = "ARN of the ECS cluster the Dask tasks run on."
  value       = aws_ecs_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "log_group_arn" {
  description = "ARN of the tasks' log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "log_group_name" {
  description = "Name of the tasks' log group (\"/ecs/<name>\")."
  value       = aws_cloudwatch_log_group.this.name
}

output "security_group_id" {
  description = "Security group of the scheduler and worker tasks."
  value       = aws_security_group.this.id
}

output "subnet_ids" {
  description = "Subnets the tasks run in."
  value       = var.subnet_ids
}
