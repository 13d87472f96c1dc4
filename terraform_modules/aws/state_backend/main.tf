data "aws_region" "current" {}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV2_AWS_61:state history is the recovery path, so old state versions are kept on purpose
  #checkov:skip=CKV2_AWS_62:event notifications have no consumer for a state bucket
  #checkov:skip=CKV_AWS_144:cross-region replication doubles storage cost; versioning covers accidental loss
  #checkov:skip=CKV_AWS_18:access logs need a dedicated log bucket per account; CloudTrail data events are the upgrade path
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Name = var.bucket_name })

  # The state of every environment lives here: `terraform destroy` of the bootstrap must
  # not take it away. Removing a state bucket is a deliberate edit of this line.
  lifecycle {
    prevent_destroy = true
  }
}

# Versioning lets a corrupted or deleted state be restored from an earlier version.
resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # Bucket keys cut KMS request costs; they have no effect with AES256.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# State holds secrets in clear text, so it must never travel over plain HTTP.
data "aws_iam_policy_document" "tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.tls_only.json

  # A bucket policy applied before the public access block can be rejected as public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

locals {
  backend_config = merge(
    {
      bucket       = aws_s3_bucket.this.bucket
      key          = var.state_key
      region       = data.aws_region.current.name
      encrypt      = true
      use_lockfile = true
    },
    var.kms_key_arn == null ? {} : { kms_key_id = var.kms_key_arn },
  )
}
