output "policy_json" {
  description = "The role's inline policy, for review."
  value       = data.aws_iam_policy_document.this.json
}

output "role_arn" {
  description = "ARN of the build's service role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the build's service role."
  value       = aws_iam_role.this.name
}
