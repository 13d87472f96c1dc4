output "log_group_name" {
  description = "CloudWatch log group of the builds."
  value       = aws_cloudwatch_log_group.this.name
}

output "project_arn" {
  description = "ARN of the CodeBuild project (grant codebuild:StartBuild on it to CI)."
  value       = aws_codebuild_project.this.arn
}

output "project_name" {
  description = "Name of the CodeBuild project (aws codebuild start-build --project-name)."
  value       = aws_codebuild_project.this.name
}

output "role_arn" {
  description = "ARN of the build's service role (made here, or service_role_arn)."
  value       = local.role_arn
}
