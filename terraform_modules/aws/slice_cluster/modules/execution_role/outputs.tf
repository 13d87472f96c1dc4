output "policy_json" {
  description = "The role's inline policy, for review."
  value       = data.aws_iam_policy_document.this.json
}

output "role_arn" {
  description = "ARN of the execution role (the task definitions' executionRoleArn)."
  value       = aws_iam_role.this.arn
}
