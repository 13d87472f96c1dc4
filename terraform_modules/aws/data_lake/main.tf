locals {
  purposes = toset(["artifacts", "models", "processed", "raw"])
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_21:for_each: checkov cannot link the per-bucket versioning resource to its bucket; tests/*.tftest.hcl assert it
  #checkov:skip=CKV_AWS_145:for_each: checkov cannot link the per-bucket encryption (SSE-S3 by default, KMS when kms_key_arn is set) resource to its bucket; tests/*.tftest.hcl assert it
  #checkov:skip=CKV2_AWS_6:for_each: checkov cannot link the per-bucket public access block resource to its bucket; tests/*.tftest.hcl assert it
  #checkov:skip=CKV2_AWS_61:for_each: checkov cannot link the per-bucket lifecycle resource to its bucket; tests/*.tftest.hcl assert it
  #checkov:skip=CKV2_AWS_62:event notifications have no consumer in a proof of concept; add them with one
  #checkov:skip=CKV_AWS_144:cross-region replication doubles storage cost; versioning covers accidental loss
  #checkov:skip=CKV_AWS_18:access logs need a dedicated log bucket per account; CloudTrail data events are the upgrade path
  for_each = local.purposes

  bucket        = "${var.prefix}-${each.key}"
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Name = "${var.prefix}-${each.key}", Purpose = each.key })
}

# Versioning makes an overwritten dataset or model recoverable; lifecycle rules below bound its cost.
resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

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
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  # Lifecycle rules on noncurrent versions need versioning to exist first.
  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "tls_only" {
  for_each = aws_s3_bucket.this

  # Read-only grants to principals of other accounts (dev reading prod's data): their own
  # policies allow the reads, and the bucket owner must consent here as well.
  dynamic "statement" {
    for_each = length(lookup(var.read_only_principals, each.key, [])) > 0 ? [lookup(var.read_only_principals, each.key, [])] : []

    content {
      sid       = "ReadOnlyList"
      effect    = "Allow"
      actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketVersions"]
      resources = [each.value.arn]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = length(lookup(var.read_only_principals, each.key, [])) > 0 ? [lookup(var.read_only_principals, each.key, [])] : []

    content {
      sid       = "ReadOnlyObjects"
      effect    = "Allow"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = ["${each.value.arn}/*"]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]

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
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = data.aws_iam_policy_document.tls_only[each.key].json

  # A bucket policy applied before the public access block can be rejected as public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
