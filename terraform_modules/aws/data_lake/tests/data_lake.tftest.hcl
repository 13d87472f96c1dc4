mock_provider "aws" {
  # Computed attributes are unknown at plan time unless the mock fills them in now.
  override_during = plan

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::example-bucket"
    }
  }
}

variables {
  prefix = "example-dev"
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = output.bucket_names == { artifacts = "example-dev-artifacts", models = "example-dev-models", processed = "example-dev-processed", raw = "example-dev-raw" }
    error_message = "Buckets must be named <prefix>-<purpose> for the four purposes."
  }

  assert {
    condition     = length(aws_s3_bucket_versioning.this) == 4 && alltrue([for v in aws_s3_bucket_versioning.this : v.versioning_configuration[0].status == "Enabled"])
    error_message = "Every bucket must have versioning Enabled."
  }

  assert {
    condition = length(aws_s3_bucket_public_access_block.this) == 4 && alltrue([
      for b in aws_s3_bucket_public_access_block.this :
      b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets
    ])
    error_message = "Every bucket must set all four public access block flags."
  }

  assert {
    condition = length(aws_s3_bucket_server_side_encryption_configuration.this) == 4 && alltrue([
      for e in aws_s3_bucket_server_side_encryption_configuration.this :
      one(one(e.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    ])
    error_message = "Every bucket must be encrypted (AES256 without a KMS key)."
  }

  assert {
    condition = length(data.aws_iam_policy_document.tls_only) == 4 && alltrue([
      for d in data.aws_iam_policy_document.tls_only : anytrue([
        for s in d.statement :
        s.effect == "Deny" && contains(s.actions, "s3:*") &&
        anytrue([for c in s.condition : c.test == "Bool" && c.variable == "aws:SecureTransport" && length(c.values) == 1 && contains(c.values, "false")])
      ])
    ])
    error_message = "Every bucket policy must deny requests without TLS."
  }

  assert {
    condition = alltrue([
      for l in aws_s3_bucket_lifecycle_configuration.this :
      one(l.rule).noncurrent_version_expiration[0].noncurrent_days == 30 &&
      one(l.rule).abort_incomplete_multipart_upload[0].days_after_initiation == 7
    ])
    error_message = "Lifecycle rules must expire noncurrent versions and abort incomplete uploads."
  }

  assert {
    condition     = alltrue([for b in aws_s3_bucket.this : b.force_destroy == false])
    error_message = "force_destroy must default to false."
  }
}

run "kms_and_retention" {
  command = plan

  variables {
    kms_key_arn                       = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    noncurrent_version_retention_days = 90
  }

  assert {
    condition = alltrue([
      for e in aws_s3_bucket_server_side_encryption_configuration.this :
      one(one(e.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" &&
      one(one(e.rule).apply_server_side_encryption_by_default).kms_master_key_id == var.kms_key_arn
    ])
    error_message = "With a KMS key every bucket must use aws:kms with that key."
  }

  assert {
    condition     = alltrue([for l in aws_s3_bucket_lifecycle_configuration.this : one(l.rule).noncurrent_version_expiration[0].noncurrent_days == 90])
    error_message = "noncurrent_version_retention_days must reach the lifecycle rule."
  }
}

run "rejects_uppercase_prefix" {
  command = plan

  variables {
    prefix = "Example_Dev"
  }

  expect_failures = [var.prefix]
}

run "rejects_prefix_too_long_for_suffixes" {
  command = plan

  variables {
    prefix = "a-prefix-that-is-far-too-long-to-hold-the-processed-suffix"
  }

  expect_failures = [var.prefix]
}

run "rejects_retention_zero" {
  command = plan

  variables {
    noncurrent_version_retention_days = 0
  }

  expect_failures = [var.noncurrent_version_retention_days]
}

run "rejects_retention_over_ten_years" {
  command = plan

  variables {
    noncurrent_version_retention_days = 5000
  }

  expect_failures = [var.noncurrent_version_retention_days]
}

run "read_only_principals_are_refused_unless_roles" {
  command = plan

  variables {
    read_only_principals = { raw = ["*"] }
  }

  expect_failures = [var.read_only_principals]
}

run "read_only_principals_need_a_known_purpose" {
  command = plan

  variables {
    read_only_principals = { secrets = ["arn:aws:iam::111122223333:role/reader"] }
  }

  expect_failures = [var.read_only_principals]
}
