mock_provider "aws" {
  # The provider still validates policy arguments as JSON, so the mock must return a real document.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name             = "example-prod-data-readonly"
  prod_bucket_arns = ["arn:aws:s3:::example-prod-raw", "arn:aws:s3:::example-prod-processed"]
  readers          = { training = "arn:aws:iam::111122223333:role/example-dev-training" }
}

run "read_only" {
  command = plan

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.this.statement : tolist(s.actions)])) == toset([
      "s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions",
    ])
    error_message = "The policy must grant exactly the read-only S3 actions."
  }

  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.this.statement : [for a in s.actions : !strcontains(a, "*") && !can(regex("^s3:(Put|Delete|Restore|Replicate|Abort)", a))]
    ]))
    error_message = "No wildcard, write or delete action may be granted."
  }

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.this.statement : tolist(s.resources)])) == toset([
      "arn:aws:s3:::example-prod-raw", "arn:aws:s3:::example-prod-processed",
      "arn:aws:s3:::example-prod-raw/*", "arn:aws:s3:::example-prod-processed/*",
    ])
    error_message = "The policy must cover exactly the given buckets and their objects."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.this["training"].role == "example-dev-training"
    error_message = "The policy must be attached to the reader role, by name."
  }

  assert {
    condition = alltrue([
      for arn, doc in data.aws_iam_policy_document.bucket : alltrue([
        for s in doc.statement :
        alltrue([for r in s.resources : r == arn || r == "${arn}/*"]) &&
        one(s.principals).identifiers == toset(["arn:aws:iam::111122223333:role/example-dev-training"]) &&
        alltrue([for a in s.actions : contains(["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"], a)])
      ])
    ]) && length(data.aws_iam_policy_document.bucket) == 2
    error_message = "Each prod bucket policy must grant the readers read-only access to that bucket only."
  }
}

run "kms_decrypt_only" {
  command = plan

  variables {
    prod_kms_key_arns = ["arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
  }

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.this.statement : s.actions == toset(["kms:Decrypt"]) && s.resources == toset(var.prod_kms_key_arns)])
    error_message = "Readers must get kms:Decrypt, and nothing more, on exactly the given keys."
  }
}

run "rejects_object_arn" {
  command = plan

  variables {
    prod_bucket_arns = ["arn:aws:s3:::example-prod-raw/*"]
  }

  expect_failures = [var.prod_bucket_arns]
}

run "rejects_non_role_reader" {
  command = plan

  variables {
    readers = { someone = "arn:aws:iam::111122223333:user/alice" }
  }

  expect_failures = [var.readers]
}
