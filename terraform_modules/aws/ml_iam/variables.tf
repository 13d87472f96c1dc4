variable "bucket_arns" {
  description = "ARNs of the S3 buckets the training role may read and write (e.g. values(module.data_lake.bucket_arns))."
  type        = list(string)

  validation {
    condition     = length(var.bucket_arns) > 0 && alltrue([for arn in var.bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", arn))])
    error_message = "bucket_arns must hold at least one bucket ARN of the form arn:aws:s3:::<bucket-name>, without an object path or wildcard."
  }
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository the training role may pull images from."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9._/-]+$", var.ecr_repository_arn))
    error_message = "ecr_repository_arn must be an ECR repository ARN: arn:aws:ecr:<region>:<account>:repository/<name>."
  }
}

variable "kms_key_arns" {
  description = "KMS keys encrypting the buckets, if any: the role gets Decrypt and GenerateDataKey on exactly these keys."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "kms_key_arns must hold KMS key ARNs: arn:aws:kms:<region>:<account>:key/<id>."
  }
}

variable "log_group_prefix" {
  description = "CloudWatch Logs group name prefix the role may write to. Null means \"/ml/<name>\"."
  type        = string
  default     = null

  validation {
    condition     = var.log_group_prefix == null || can(regex("^/[A-Za-z0-9_/.#-]+$", var.log_group_prefix))
    error_message = "log_group_prefix must start with '/' and contain only letters, digits and _ / . # - (no wildcard), e.g. \"/ml/churn-model\"."
  }
}

variable "name" {
  description = "Name of the IAM role, e.g. \"churn-model-dev-training\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and + = , . @ _ - (IAM role naming rules)."
  }
}

variable "sagemaker_job_name_prefix" {
  description = "Name prefix of the SageMaker training jobs run as this role, e.g. \"churn-model--dev-train-\": the role may write those jobs' logs in /aws/sagemaker/TrainingJobs. Null: no SageMaker log access."
  type        = string
  default     = null

  validation {
    condition     = var.sagemaker_job_name_prefix == null || can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,62}$", var.sagemaker_job_name_prefix))
    error_message = "sagemaker_job_name_prefix must be 1-63 letters, digits and hyphens, starting with a letter or digit (SageMaker job names), with no wildcard."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "trusted_services" {
  description = "AWS service principals allowed to assume the role: SageMaker training jobs and ECS tasks by default."
  type        = list(string)
  default     = ["ecs-tasks.amazonaws.com", "sagemaker.amazonaws.com"]

  validation {
    condition     = length(var.trusted_services) > 0 && alltrue([for s in var.trusted_services : can(regex("^[a-z0-9.-]+\\.amazonaws\\.com$", s))])
    error_message = "trusted_services must hold at least one AWS service principal such as \"sagemaker.amazonaws.com\"."
  }
}

variable "permissions_boundary" {
  description = "ARN of a managed policy set as the role's permissions boundary, or null for none. A CI role allowed to create roles only with a boundary needs this."
  type        = string
  default     = null
}
