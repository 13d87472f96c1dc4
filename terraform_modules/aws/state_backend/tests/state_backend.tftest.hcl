mock_provider "aws" {
  # Computed attributes are unknown at plan time unless the mock fills them in now.
  override_during = plan

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::example-tfstate"
    }
  }
}

variables {
  bucket_name = "example-tfstate"
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "State bucket versioning must be Enabled."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All four public access block flags must be true."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Without a KMS key the bucket must use AES256."
  }

  assert {
    condition     = aws_s3_bucket.this.force_destroy == false
    error_message = "force_destroy must default to false."
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.tls_only.statement :
      s.effect == "Deny" && contains(s.actions, "s3:*") &&
      anytrue([for c in s.condition : c.test == "Bool" && c.variable == "aws:SecureTransport" && length(c.values) == 1 && contains(c.values, "false")])
    ])
    error_message = "The bucket policy must deny requests without TLS."
  }

  assert {
    condition     = output.backend_config.use_lockfile == true && output.backend_config.encrypt == true && !contains(keys(output.backend_config), "dynamodb_table")
    error_message = "The backend must lock with the S3 lock file and encrypt, without DynamoDB."
  }

  assert {
    condition     = strcontains(output.backend_config_hcl, "use_lockfile = true") && strcontains(output.backend_config_hcl, "bucket = \"example-tfstate\"")
    error_message = "The HCL backend snippet must contain the bucket and use_lockfile."
  }
}

run "kms_encryption" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "With a KMS key the bucket must use aws:kms."
  }

  assert {
    condition     = output.backend_config.kms_key_id == var.kms_key_arn
    error_message = "The backend configuration must name the KMS key."
  }
}

run "rejects_bad_bucket_name" {
  command = plan

  variables {
    bucket_name = "Bad_Bucket.name"
  }

  expect_failures = [var.bucket_name]
}

run "rejects_bad_kms_arn" {
  command = plan

  variables {
    kms_key_arn = "not-an-arn"
  }

  expect_failures = [var.kms_key_arn]
}
