variable "environments" {
  description = <<-EOT
    Roles to create, keyed by environment name (e.g. dev, staging, prod). Per environment:
    role_name: the role's name (default <name>-<key>-deploy),
    policy_arns: IAM policies attached to the role (least privilege is your call; none by default),
    github_subjects / gitlab_subjects (or the single github_subject / gitlab_subject): the `sub`
    values the role trusts (defaults below),
    gitlab_audience: the `aud` the role trusts from GitLab (default: gitlab.audience); give each
    role its own, requested only by that role's jobs, since GitLab's `sub` cannot name a job,
    allow_wildcard_subject: a subject containing "*" is matched with StringLike, and is refused
    unless this is true (never for keys "prod" and "production"),
    max_session_duration: seconds, 3600-43200.
    GitHub default sub: repo:<repository>:environment:<env>. GitLab default sub:
    project_path:<project_path>:ref_type:branch:ref:main.
  EOT
  type = map(object({
    allow_wildcard_subject = optional(bool, false)
    github_subject         = optional(string)
    github_subjects        = optional(list(string))
    gitlab_audience        = optional(string)
    gitlab_subject         = optional(string)
    gitlab_subjects        = optional(list(string))
    max_session_duration   = optional(number, 3600)
    policy_arns            = optional(list(string), [])
    role_name              = optional(string)
  }))

  validation {
    condition     = length(var.environments) > 0 && alltrue([for env in keys(var.environments) : can(regex("^[a-z0-9][a-z0-9-]{0,19}$", env))])
    error_message = "environments must hold at least one environment, each named with up to 20 lowercase letters, digits and hyphens (e.g. \"dev\")."
  }

  validation {
    condition = alltrue([
      for env, settings in var.environments :
      (settings.allow_wildcard_subject && !contains(["prod", "production"], env)) || !strcontains(join(" ", concat(
        [coalesce(settings.github_subject, "-"), coalesce(settings.gitlab_subject, "-")],
        coalesce(settings.github_subjects, ["-"]), coalesce(settings.gitlab_subjects, ["-"]),
      )), "*")
    ])
    error_message = "A subject containing \"*\" needs allow_wildcard_subject = true, and is never allowed for prod/production: trust exact subjects."
  }

  validation {
    condition = alltrue([
      for settings in var.environments : settings.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", settings.role_name))
    ])
    error_message = "role_name must be 1-64 characters of letters, digits and + = , . @ _ -."
  }

  validation {
    condition = alltrue(flatten([
      for settings in var.environments : [for arn in settings.policy_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", arn))]
    ]))
    error_message = "policy_arns must hold IAM policy ARNs: arn:aws:iam::<account or aws>:policy/<name>."
  }

  validation {
    condition     = alltrue([for settings in var.environments : settings.max_session_duration >= 3600 && settings.max_session_duration <= 43200])
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }

  validation {
    condition     = length(var.environments) == 0 || var.github != null || var.gitlab != null
    error_message = "Set github or gitlab (or both): a deploy role needs a CI identity provider to trust."
  }
}

variable "github" {
  description = "GitHub Actions settings, or null for no GitHub trust. repository is \"owner/repo\"; set create_provider = false and provider_arn to reuse the account's existing token.actions.githubusercontent.com provider (there is one per account)."
  type = object({
    create_provider = optional(bool, true)
    provider_arn    = optional(string)
    repository      = string
  })
  default = null

  validation {
    condition     = var.github == null ? true : (can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.github.repository)))
    error_message = "github.repository must be \"owner/repo\" (letters, digits, '.', '_', '-'; no wildcard)."
  }

  validation {
    condition     = var.github == null ? true : (var.github.create_provider || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github.provider_arn)))
    error_message = "With github.create_provider = false, github.provider_arn must be the existing provider's ARN (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)."
  }
}

variable "gitlab" {
  description = "GitLab CI settings, or null for no GitLab trust. project_path is \"group/project\"; audience defaults to url and must equal the `aud` of the job's id_token; extra_audiences are added to a created provider's client IDs (audiences of roles in other stacks of the same account); set create_provider = false and provider_arn to reuse an existing provider."
  type = object({
    audience        = optional(string)
    create_provider = optional(bool, true)
    project_path    = string
    extra_audiences = optional(list(string), [])
    provider_arn    = optional(string)
    url             = optional(string, "https://gitlab.com")
  })
  default = null

  validation {
    condition     = var.gitlab == null ? true : (can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$", var.gitlab.project_path)))
    error_message = "gitlab.project_path must be \"group/project\" (subgroups allowed; no wildcard)."
  }

  validation {
    condition     = var.gitlab == null ? true : (can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", var.gitlab.url)))
    error_message = "gitlab.url must be the https URL of the GitLab instance without a trailing slash, e.g. \"https://gitlab.com\"."
  }

  validation {
    condition     = var.gitlab == null ? true : (var.gitlab.create_provider || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+$", var.gitlab.provider_arn)))
    error_message = "With gitlab.create_provider = false, gitlab.provider_arn must be the existing provider's ARN (arn:aws:iam::<account>:oidc-provider/<host>)."
  }
}

variable "name" {
  description = "Prefix of the deploy role names: roles are <name>-<environment>-deploy."
  type        = string

  validation {
    # 64 (IAM limit) - length("-<20 char env>-deploy") = 36.
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,36}$", var.name))
    error_message = "name must be 1-36 characters of letters, digits and + = , . @ _ -."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(distinct([for key in keys(var.tags) : lower(key)])) == length(var.tags)
    error_message = "tags must not hold keys that differ only by case (e.g. environment and Environment): IAM treats them as duplicates."
  }
}
