output "log_group_prefix" {
  description = "Log group name prefix the role may write to; name training log groups under it."
  value       = local.log_group_prefix
}

output "policy_json" {
  description = "The role's inline policy, for review."
  value       = data.aws_iam_policy_document.this.json
}

output "role_arn" {
  description = "ARN of the training role (pass it to SageMaker / ECS as the execution or task role)."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the training role."
  value       = aws_iam_role.this.name
}
