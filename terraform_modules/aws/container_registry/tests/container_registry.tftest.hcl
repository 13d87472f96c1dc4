mock_provider "aws" {}

variables {
  name = "example-project"
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_ecr_repository.this.image_scanning_configuration[0].scan_on_push == true
    error_message = "Images must be scanned on push."
  }

  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE"
    error_message = "Tags must be IMMUTABLE."
  }

  assert {
    condition     = aws_ecr_repository.this.encryption_configuration[0].encryption_type == "AES256"
    error_message = "Without a KMS key the repository must be encrypted with AES256."
  }

  assert {
    condition     = aws_ecr_repository.this.force_delete == false
    error_message = "force_delete must default to false."
  }

  assert {
    condition = jsondecode(aws_ecr_lifecycle_policy.this.policy).rules[0].selection == {
      tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7
    }
    error_message = "Untagged images must expire after untagged_image_expiry_days."
  }

  assert {
    condition = jsondecode(aws_ecr_lifecycle_policy.this.policy).rules[1].selection == {
      tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30
    }
    error_message = "Only the last keep_last_images images must be kept."
  }
}

run "kms_encryption" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = aws_ecr_repository.this.encryption_configuration[0].encryption_type == "KMS" && aws_ecr_repository.this.encryption_configuration[0].kms_key == var.kms_key_arn
    error_message = "With a KMS key the repository must use KMS with that key."
  }
}

run "rejects_bad_name" {
  command = plan

  variables {
    name = "Example_Project"
  }

  expect_failures = [var.name]
}

run "rejects_zero_images_kept" {
  command = plan

  variables {
    keep_last_images = 0
  }

  expect_failures = [var.keep_last_images]
}

run "rejects_untagged_expiry_out_of_range" {
  command = plan

  variables {
    untagged_image_expiry_days = 400
  }

  expect_failures = [var.untagged_image_expiry_days]
}
