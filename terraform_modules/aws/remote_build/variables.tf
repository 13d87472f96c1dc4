variable "build_image" {
  description = "CodeBuild image of the build container (it must contain docker and the AWS CLI)."
  type        = string
  default     = "aws/codebuild/standard:7.0"
}

variable "build_timeout_minutes" {
  description = "Minutes after which a build is stopped."
  type        = number
  default     = 30

  validation {
    condition     = var.build_timeout_minutes >= 5 && var.build_timeout_minutes <= 480
    error_message = "build_timeout_minutes must be between 5 and 480."
  }
}

variable "compute_type" {
  description = "CodeBuild compute type of the Linux container."
  type        = string
  default     = "BUILD_GENERAL1_SMALL"

  validation {
    condition     = contains(["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE", "BUILD_GENERAL1_2XLARGE"], var.compute_type)
    error_message = "compute_type must be one of BUILD_GENERAL1_SMALL, _MEDIUM, _LARGE, _XLARGE, _2XLARGE."
  }
}

variable "description" {
  description = "Free text shown on the CodeBuild project (at most 255 characters)."
  type        = string
  default     = ""

  validation {
    condition     = length(var.description) <= 255
    error_message = "description must be at most 255 characters."
  }
}

variable "dockerfile_path" {
  description = "Path of the Dockerfile, relative to the root of the source."
  type        = string
  default     = "Dockerfile"
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository the build pushes to (the only repository the build role may write)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9._/-]+$", var.ecr_repository_arn))
    error_message = "ecr_repository_arn must be an ECR repository ARN: arn:aws:ecr:<region>:<account>:repository/<name>."
  }
}

variable "ecr_repository_url" {
  description = "URL of the same ECR repository (<account>.dkr.ecr.<region>.amazonaws.com/<name>), the image name the build tags and pushes."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+$", var.ecr_repository_url))
    error_message = "ecr_repository_url must look like <account>.dkr.ecr.<region>.amazonaws.com/<name> (the repository_url output of container_registry)."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the build logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "name" {
  description = "Name of the CodeBuild project; the role is <name>-codebuild and the log group /aws/codebuild/<name>."
  type        = string

  validation {
    # 54 = 64 (IAM role name limit) - length("-codebuild").
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{1,53}$", var.name))
    error_message = "name must be 2-54 characters of letters, digits, '-' and '_', starting with a letter or digit."
  }
}

variable "service_role_arn" {
  description = "ARN of an existing service role for the project (made apart, e.g. with modules/service_role by an administrator); null makes the role here."
  type        = string
  default     = null

  validation {
    condition     = var.service_role_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.service_role_arn))
    error_message = "service_role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), or null."
  }
}

variable "source_bucket_arn" {
  description = "ARN of an S3 bucket holding the source archive CI uploads; null for a project without source (pass the source with start-build overrides)."
  type        = string
  default     = null

  validation {
    condition     = var.source_bucket_arn == null ? true : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.source_bucket_arn))
    error_message = "source_bucket_arn must be a bucket ARN of the form arn:aws:s3:::<bucket-name>, or null."
  }
}

variable "source_object_key" {
  description = "Key of the source archive (a zip of the repository) in source_bucket_arn."
  type        = string
  default     = "source.zip"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary" {
  description = "ARN of a managed policy set as the role's permissions boundary, or null for none. A CI role allowed to create roles only with a boundary needs this."
  type        = string
  default     = null
}
