"""Findings of the security scanners (checkov, parliament) that the platform accepts, and why.

The test suite scans every sample stack (tests/scanners/) and fails on any finding not listed
here; an entry that no longer matches anything fails too, so the list stays true. docs/policies.md
renders it. Patterns are regular expressions matched in full: `resource` against the Terraform
address checkov reports (`aws_s3_bucket.odoo_shared_backups_dr_bucket`, see
`odoo_platform.offline.terraform_plan`) or the policy parliament read
(`<resource name>.<property>`),
`stacks` against the stack name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Allowance:
    check: str
    resource: str
    reason: str
    stacks: str = ".*"

    def allows(self, check: str, resource: str, stack: str) -> bool:
        return (
            check == self.check
            and re.fullmatch(self.resource, resource) is not None
            and re.fullmatch(self.stacks, stack) is not None
        )


NON_PROD = "(dev|staging)-.*"
ACCESS_LOG_BUCKETS = r"aws_s3_bucket\..*_access_logs_bucket"
DR_BUCKETS = r"aws_s3_bucket\..*_dr_bucket"
REPLICAS = r"aws_db_instance\..*_replica"
DR_SITE = "dr-.*"

CHECKOV_ALLOWED: tuple[Allowance, ...] = (
    Allowance(
        "CKV2_AWS_5",
        r"aws_security_group\..*_(postgres|pool_.*)_rotation_sg",
        "The admin password rotation function's group is attached to the Lambda function that "
        "the Serverless Application Repository stack creates (its vpcSecurityGroupIds "
        "parameter), which the plan does not show as a resource.",
    ),
    Allowance(
        "CKV2_AWS_18",
        r"aws_efs_file_system\..*",
        "EFS file systems join the AWS Backup plan by tag (`BackupPlan`, an `aws_backup_selection` "
        "condition), which checkov does not follow; tests/components/test_backup_bucket.py checks "
        "the selection and the tag.",
    ),
    Allowance(
        "CKV2_AWS_62",
        r"aws_s3_bucket\..*",
        "Nothing consumes S3 event notifications: backup freshness is watched by the "
        "PrometheusRules and proven by the restore-check CronJobs.",
    ),
    Allowance(
        "CKV_AWS_144",
        f"{DR_BUCKETS}|{ACCESS_LOG_BUCKETS}",
        "DR buckets are the replicas (replicating them again would copy back); access-log "
        "buckets hold operational logs that a regional outage may lose.",
    ),
    Allowance(
        "CKV_AWS_144",
        r"aws_s3_bucket\..*",
        "A stack without a DR mode (no disaster_recovery: the dev sample) does not replicate "
        "its backups to another region.",
        stacks="dev-.*",
    ),
    Allowance(
        "CKV_AWS_144",
        r"aws_s3_bucket\..*_backups_bucket",
        "A pilot-light or backup-restore DR site serves from the DR region while the primary's "
        "is lost and declares no disaster_recovery of its own (dr_site.py refuses one): its "
        "backups stay in its region until it fails back (docs/runbooks/dr-failover.md).",
        stacks=DR_SITE,
    ),
    Allowance(
        "CKV_AWS_145",
        ACCESS_LOG_BUCKETS,
        "S3 server access logging writes only to buckets encrypted with SSE-S3 (AES256); SSE-KMS "
        "targets are not supported by the log delivery.",
    ),
    Allowance(
        "CKV_AWS_21",
        ACCESS_LOG_BUCKETS,
        "Access-log buckets receive only new objects from the log delivery and expire them; "
        "versions would only keep expired logs longer.",
    ),
    Allowance(
        "CKV_AWS_273",
        r"aws_iam_user\..*_mail_.*",
        "Amazon SES SMTP logins are IAM users' access keys (the SMTP password is derived from "
        "the secret key); no role or SSO identity can authenticate to SMTP. Each tenant's user "
        "may only send from its own domain (ses:SendRawEmail, ses:FromAddress).",
    ),
    Allowance(
        "CKV_AWS_40",
        r"aws_iam_user_policy\..*_mail_.*",
        "The SES SMTP user's one inline policy is its whole permission (SendRawEmail from the "
        "tenant's domain): one user per tenant, so a group would hold exactly one member.",
    ),
    Allowance(
        "CKV_AWS_161",
        r"aws_db_instance\..*",
        "Odoo connects with a password from odoo.conf (db_password); IAM tokens expire after 15 "
        "minutes and Odoo cannot renew them. Each tenant has its own role (SCRAM) instead.",
    ),
    Allowance(
        "CKV2_AWS_50",
        r"aws_elasticache_replication_group\..*",
        "A warm standby's caches are one small node while it stands by (defaults.STANDBY_SIZE: "
        "Odoo is at zero, the cache holds sessions only); failing over restores the configured "
        "replicas and Multi-AZ in place.",
        stacks=DR_SITE,
    ),
    Allowance(
        "CKV_AWS_133",
        REPLICAS,
        "Reporting replicas hold derived data, rebuilt from the primary, whose backups cover it.",
    ),
    Allowance(
        "CKV_AWS_157",
        REPLICAS,
        "Reporting replicas are rebuilt from the primary; Multi-AZ is for the primary.",
    ),
    Allowance(
        "CKV_AWS_157",
        r"aws_db_instance\..*",
        "Non-production databases are single-AZ (environment default, config multi_az).",
        stacks=NON_PROD,
    ),
    Allowance(
        "CKV_AWS_293",
        r"aws_db_instance\..*",
        "Non-production databases can be deleted (environment default, deletion_protection).",
        stacks=NON_PROD,
    ),
    Allowance(
        "CKV2_AWS_50",
        r"aws_elasticache_replication_group\..*",
        "Non-production caches are one node (sessions and locks only; prod fails over).",
        stacks=NON_PROD,
    ),
    Allowance(
        "CKV_AWS_133",
        r"aws_db_instance\..*_postgres_db",
        "A warm standby's servers are cross-region read replicas of the primary's (read-only "
        "until promoted); the primary's backups and their DR-region copies cover them.",
        stacks=DR_SITE,
    ),
    Allowance(
        "CKV_AWS_157",
        r"aws_db_instance\..*_postgres_db",
        "A warm standby's replicas are single-AZ: the standby is the second site; Multi-AZ "
        "is for the primary.",
        stacks=DR_SITE,
    ),
    Allowance(
        "CKV2_AWS_57",
        r"aws_secretsmanager_secret\..*_db_password",
        "A tenant's database password is replicated to the DR region for its standby; Odoo "
        "reads it from odoo.conf (db_password), so Secrets Manager rotation would desync it.",
    ),
    Allowance(
        "CKV_AWS_297",
        r"aws_scheduler_schedule\..*_postgres_schedule_(start|stop)",
        "The night schedules' payload is only the DB instance identifier to stop or start "
        "(no secret); the scheduler's AWS-owned key encrypts it.",
        stacks=NON_PROD,
    ),
    Allowance(
        "CKV_AWS_338",
        r"aws_cloudwatch_log_group\..*",
        "Log retention is the stack's policy (landing_zone.log_retention_days and "
        "flow_log_retention_days): logs hold personal data, kept only as long as needed.",
    ),
    Allowance(
        "CKV_AWS_37",
        r"aws_eks_cluster\..*",
        "The control plane sends api, audit and authenticator logs (CIS EKS 2.1.1, policy "
        "eks-control-plane-logging); controllerManager and scheduler logs are operational noise.",
    ),
)

KARPENTER = r".*-nodes-controller-{policy}\.policy"
PARLIAMENT_ALLOWED: tuple[Allowance, ...] = (
    Allowance(
        "PERMISSIONS_MANAGEMENT_ACTIONS",
        KARPENTER.format(policy="iam-integration"),
        "Karpenter creates one instance profile per EC2NodeClass and passes its node role to "
        "EC2 (the CloudFormation reference's IAM integration policy): PassRole only for that one "
        "role and only to ec2.amazonaws.com; instance profiles only with this cluster's "
        "ownership, region and EC2NodeClass tags (tests/components/test_node_autoscaler.py).",
    ),
    Allowance(
        "RESOURCE_MISMATCH",
        KARPENTER.format(policy="node-lifecycle"),
        "RunInstances and CreateFleet are authorised per resource type, so the reference splits "
        "them: images, subnets and security groups unconditioned, launch templates only with the "
        "cluster's tags, new instances, volumes and interfaces only when tagged for the cluster "
        "and a NodePool. parliament wants every resource type in each statement.",
    ),
    Allowance(
        "RESOURCE_MISMATCH",
        KARPENTER.format(policy="resource-discovery"),
        "The AMI and EKS-version lookups read AWS's public SSM parameters, whose ARNs have no "
        "account (`arn:aws:ssm:<region>::parameter/aws/service/*`, as in the reference); "
        "parliament's format expects one.",
    ),
    Allowance(
        "CREDENTIALS_EXPOSURE",
        r"odoo-dedicated-.*-dr-drill-policy\.policy",
        "An own-account tenant's DR drill assumes one platform-account role, allowed only "
        "cloudwatch:PutMetricData in the OdooPlatform/DR namespace and trusted only by this "
        "drill role, to publish where the platform's alarm looks; the session lasts 15 minutes "
        "and its keys never leave the step (tests/platform/test_own_account_drills.py).",
    ),
)
