locals {
  bucket_actions = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketVersions"]
  object_actions = ["s3:GetObject", "s3:GetObjectVersion"]
}

# Read-only on purpose: dev code must never be able to change production data.
#iam-scan:skip=DataExfiltration:s3:GetObject:reading production's data from dev, read-only, is what this policy is for
data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ListProdBuckets"
    effect    = "Allow"
    actions   = local.bucket_actions
    resources = var.prod_bucket_arns
  }

  statement {
    sid       = "ReadProdObjects"
    effect    = "Allow"
    actions   = local.object_actions
    resources = [for arn in var.prod_bucket_arns : "${arn}/*"]
  }

  dynamic "statement" {
    for_each = length(var.prod_kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "DecryptProdObjects"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = var.prod_kms_key_arns
    }
  }
}

resource "aws_iam_policy" "this" {
  name        = var.name
  description = "Read-only access to production data buckets"
  policy      = data.aws_iam_policy_document.this.json
  tags        = merge(var.tags, { Name = var.name })
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = var.readers

  role       = regex("[^/]+$", each.value)
  policy_arn = aws_iam_policy.this.arn
}

# Cross-account reads also need the bucket owner's consent. A bucket policy may only name its own
# bucket, hence one document per bucket, to be attached in the prod account.
data "aws_iam_policy_document" "bucket" {
  for_each = length(var.readers) > 0 ? toset(var.prod_bucket_arns) : toset([])

  statement {
    sid       = "DevReadOnlyList"
    effect    = "Allow"
    actions   = local.bucket_actions
    resources = [each.key]

    principals {
      type        = "AWS"
      identifiers = values(var.readers)
    }
  }

  statement {
    sid       = "DevReadOnlyObjects"
    effect    = "Allow"
    actions   = local.object_actions
    resources = ["${each.key}/*"]

    principals {
      type        = "AWS"
      identifiers = values(var.readers)
    }
  }
}
