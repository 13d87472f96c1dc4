output "github_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider (created or reused), or null."
  value       = local.github_provider_arn
}

output "gitlab_provider_arn" {
  description = "ARN of the GitLab OIDC provider (created or reused), or null."
  value       = local.gitlab_provider_arn
}

output "role_arns" {
  description = "Deploy role ARNs keyed by environment: the role-to-assume of CI jobs."
  value       = { for env, role in aws_iam_role.this : env => role.arn }
}

output "role_names" {
  description = "Deploy role names keyed by environment."
  value       = { for env, role in aws_iam_role.this : env => role.name }
}

output "gitlab_audiences" {
  description = "The `aud` each role trusts from GitLab, keyed by environment (empty without GitLab)."
  value       = local.gitlab_audiences
}

output "subjects" {
  description = "The `sub` values each role trusts (a list), keyed by CI system then environment."
  value       = { github = local.github_subjects, gitlab = local.gitlab_subjects }
}
