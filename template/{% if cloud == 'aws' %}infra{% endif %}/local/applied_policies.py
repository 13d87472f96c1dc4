"""Every IAM policy document of one environment as the emulator holds it after an apply:
each role's trust policy, inline policies, attached managed policies and permissions
boundary, and each bucket's policy. A plan cannot know some of them (a document that names
an ARN made in the same apply); read back, they are complete, for the IAM scan.

Written as OUT_DIR/<env>.applied-policies.json, a JSON list of
    {"name": str, "kind": "identity" | "trust" | "resource", "address": "<ARN>", "document": {...}}
`name` is what the document's Terraform resource names it: the role's (its trust policy),
the inline or managed policy's, or the bucket's; `address` the ARN of the role (trust and
inline policies: their role), the managed policy, or the bucket. Each entry also says which
roles it applies to, as "roles" (a list of role names; empty for a bucket policy): a managed
policy is listed once, with every role of the environment it is attached to or bounds.
The IAM scan (iam_scan.py, `make infra-iam-scan OUT_DIR=...`) reads this record and takes
each document for the planned one of the same kind and name, with its inline skips.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote


def _document(value: Any) -> dict[str, Any]:
    """boto3 returns IAM documents decoded or URL-encoded, depending on the call."""
    if isinstance(value, dict):
        return value
    return dict(json.loads(unquote(str(value))))


def applied_policies(iam: Any, s3: Any, prefix: str) -> list[dict[str, Any]]:
    """The documents of every role and bucket whose name starts with `prefix` (an
    environment's "<project>--<env>-"), through admin clients of its account."""
    found: list[dict[str, Any]] = []
    managed: dict[str, dict[str, Any]] = {}
    for page in iam.get_paginator("list_roles").paginate():
        for listed in page["Roles"]:
            name = listed["RoleName"]
            if not name.startswith(prefix):
                continue
            role = iam.get_role(RoleName=name)["Role"]
            arn = role["Arn"]
            found.append(
                {
                    "name": name,
                    "kind": "trust",
                    "address": arn,
                    "document": _document(role["AssumeRolePolicyDocument"]),
                    "roles": [name],
                }
            )
            for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                inline = iam.get_role_policy(RoleName=name, PolicyName=policy_name)
                found.append(
                    {
                        "name": policy_name,
                        "kind": "identity",
                        "address": arn,
                        "document": _document(inline["PolicyDocument"]),
                        "roles": [name],
                    }
                )
            attached = [
                p["PolicyArn"]
                for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            ]
            boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
            for policy_arn in [*attached, *([boundary] if boundary else [])]:
                if policy_arn in managed:
                    managed[policy_arn]["roles"].append(name)
                    continue
                policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
                version = iam.get_policy_version(
                    PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"]
                )["PolicyVersion"]
                managed[policy_arn] = {
                    "name": policy["PolicyName"],
                    "kind": "identity",
                    "address": policy_arn,
                    "document": _document(version["Document"]),
                    "roles": [name],
                }
                found.append(managed[policy_arn])
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        if not name.startswith(prefix):
            continue
        try:
            policy = s3.get_bucket_policy(Bucket=name)["Policy"]
        except s3.exceptions.ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchBucketPolicy":
                continue
            raise
        found.append(
            {
                "name": name,
                "kind": "resource",
                "address": f"arn:aws:s3:::{name}",
                "document": _document(policy),
                "roles": [],
            }
        )
    return found
