"""AWS rules: data at rest and in transit, exposure, audit, tagging."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._props import dig, is_world, mapping, maps, number, strings, tags_of
from .model import ResourceView, Rule, Severity, StackContext, StackRule, Violation

RDS_INSTANCE = "aws:rds/instance:Instance"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
S3_VERSIONING = (
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
)
S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KMS_KEY = "aws:kms/key:Key"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_USER = "aws:elasticache/user:User"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

# A bucket tagged Purpose=backups holds database dumps and filestore archives.
BACKUP_PURPOSE_TAG = "Purpose"
BACKUP_PURPOSE_VALUE = "backups"

RETENTION_MAX_DAYS = 35  # RDS hard limit
RETENTION_MIN_DAYS = 1
RETENTION_MIN_DAYS_PROD = 7
EKS_REQUIRED_LOGS = ("api", "audit", "authenticator")
HTTPS_PORT = 443


# --- RDS -----------------------------------------------------------------------------------


def _is_replica(view: ResourceView) -> bool:
    # A replica inherits its source's encryption; the source carries backups and Multi-AZ and
    # is checked itself.
    return bool(view.props.get("replicateSourceDb"))


def _rds_storage_encrypted(view: ResourceView) -> Iterator[str]:
    if not _is_replica(view) and view.props.get("storageEncrypted") is not True:
        yield "storageEncrypted is not true: the database storage and its snapshots are unencrypted"


def _rds_not_public(view: ResourceView) -> Iterator[str]:
    if view.props.get("publiclyAccessible") is True:
        yield "publiclyAccessible is true: the database gets a public DNS name and address"


def _rds_multi_az_prod(view: ResourceView) -> Iterator[str]:
    if view.context.is_prod and not _is_replica(view) and view.props.get("multiAz") is not True:
        yield "multiAz is not true in prod: one AZ failure takes the database down"


def _rds_deletion_protection_prod(view: ResourceView) -> Iterator[str]:
    if view.context.is_prod and view.props.get("deletionProtection") is not True:
        yield "deletionProtection is not true in prod"


def _rds_backup_retention(view: ResourceView) -> Iterator[str]:
    if _is_replica(view):
        return
    days = number(view.props.get("backupRetentionPeriod"))
    minimum = RETENTION_MIN_DAYS_PROD if view.context.is_prod else RETENTION_MIN_DAYS
    if days is None or not minimum <= days <= RETENTION_MAX_DAYS:
        shown = "unset" if days is None else f"{days} days"
        yield (
            f"backupRetentionPeriod is {shown}; allowed in {view.context.environment}: "
            f"{minimum} to {RETENTION_MAX_DAYS} days"
        )


# --- S3 ------------------------------------------------------------------------------------

_PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def _s3_public_access_block(view: ResourceView) -> Iterator[str]:
    off = [flag for flag in _PUBLIC_ACCESS_FLAGS if view.props.get(flag) is not True]
    if off:
        yield f"public access block flags not true: {', '.join(off)}"


def _buckets_without_public_access_block(
    resources: Sequence[ResourceView], _context: StackContext
) -> Iterator[Violation]:
    # Buckets are auto-named, so only the engine's property dependencies tie a block to its
    # bucket: the block's `bucket` property depends on the Bucket resource it was given.
    blocks = [r for r in resources if r.type == S3_PUBLIC_ACCESS_BLOCK]
    guarded = {urn for block in blocks for urn in block.property_dependencies.get("bucket", ())}
    named = {_literal(block, "bucket") for block in blocks} - {None}
    for bucket in resources:
        if bucket.type not in S3_BUCKETS or bucket.urn in guarded:
            continue
        if named and _literal(bucket, "bucket") in named:  # both name the bucket literally
            continue
        yield Violation(
            f"bucket {bucket.name} has no BucketPublicAccessBlock: only account-level settings "
            "keep it from being made public",
            resource=bucket,
        )


def _literal(view: ResourceView, key: str) -> str | None:
    """A property's value when it is a literal string (it depends on no resource).

    A value that depends on a resource may be unknown during preview; CrossGuard raises on
    reading one, so those are never read.
    """
    if view.property_dependencies.get(key, None) != ():
        return None
    value = view.props.get(key)
    return value if isinstance(value, str) else None


# S3 server access logs can only be delivered to SSE-S3 buckets (an AWS limitation); buckets
# that receive them are recognised by this logical-name suffix of their encryption settings.
ACCESS_LOG_ENCRYPTION_SUFFIX = "-access-logs-encryption"


def _s3_sse_kms(view: ResourceView) -> Iterator[str]:
    if view.name.endswith(ACCESS_LOG_ENCRYPTION_SUFFIX):
        return
    rules = list(maps(view.props.get("rules")))
    if not rules:
        yield "no default encryption rule"
    for index, rule in enumerate(rules):
        default = mapping(rule.get("applyServerSideEncryptionByDefault"))
        algorithm = default.get("sseAlgorithm")
        if algorithm not in ("aws:kms", "aws:kms:dsse"):
            yield f"rules[{index}] uses sseAlgorithm {algorithm!r}, not aws:kms"
        elif not default.get("kmsMasterKeyId"):
            yield f"rules[{index}] has no kmsMasterKeyId: the AWS managed key aws/s3 is used"


def _s3_versioning(view: ResourceView) -> Iterator[str]:
    status = dig(view.props, "versioningConfiguration", "status")
    if status != "Enabled":
        yield f"versioningConfiguration.status is {status!r}, not 'Enabled'"


def _s3_tls_only(view: ResourceView) -> Iterator[str]:
    document = view.props.get("policy")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            yield "policy is not valid JSON"
            return
    if not any(_denies_insecure_transport(s) for s in maps(mapping(document).get("Statement"))):
        yield "no statement denies s3:* to every principal when aws:SecureTransport is false"


def _denies_insecure_transport(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    everyone = principal == "*" or "*" in _as_strings(mapping(principal).get("AWS"))
    actions = _as_strings(statement.get("Action"))
    return (
        statement.get("Effect") == "Deny"
        and everyone
        and bool({"s3:*", "*"} & set(actions))
        and _secure_transport_false(statement.get("Condition"))
    )


def _secure_transport_false(condition: object) -> bool:
    for operator, clauses in mapping(condition).items():
        if operator not in ("Bool", "BoolIfExists"):
            continue
        for key, value in mapping(clauses).items():  # IAM condition keys ignore case
            values = [str(v).lower() for v in _as_strings(value)]
            if key.lower() == "aws:securetransport" and values == ["false"]:
                return True
    return False


def _as_strings(value: object) -> list[str]:
    if isinstance(value, str | bool):
        return [str(value)]
    return strings(value)


def _s3_backup_object_lock_prod(view: ResourceView) -> Iterator[str]:
    tags = tags_of(view.props, view.context.default_tags)
    if not view.context.is_prod or tags.get(BACKUP_PURPOSE_TAG) != BACKUP_PURPOSE_VALUE:
        return
    if view.props.get("objectLockEnabled") is not True:
        yield "prod backup bucket (Purpose=backups) has objectLockEnabled not true"


# --- KMS, ElastiCache ------------------------------------------------------------------------


def _kms_rotation(view: ResourceView) -> Iterator[str]:
    # AWS rotates only symmetric encryption keys; asymmetric and HMAC keys cannot rotate.
    spec = view.props.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    if spec == "SYMMETRIC_DEFAULT" and view.props.get("enableKeyRotation") is not True:
        yield "enableKeyRotation is not true"


def _cache_encryption(view: ResourceView) -> Iterator[str]:
    if view.props.get("atRestEncryptionEnabled") is not True:
        yield "atRestEncryptionEnabled is not true"
    if view.props.get("transitEncryptionEnabled") is not True:
        yield "transitEncryptionEnabled is not true"
    elif view.props.get("transitEncryptionMode") == "preferred":
        yield "transitEncryptionMode is 'preferred': plaintext connections are still accepted"


def _cache_default_user_disabled(view: ResourceView) -> Iterator[str]:
    if view.type == CACHE_GROUP:
        if not strings(view.props.get("userGroupIds")):
            yield "no userGroupIds: clients connect as the built-in default user"
        return
    if view.props.get("userName") == "default" and not _acl_off(view.props.get("accessString")):
        yield "user 'default' is enabled: its accessString must switch it off ('off ...')"


def _acl_off(access_string: object) -> bool:
    # In a Redis ACL rule list the last of on/off wins.
    switches = [t for t in str(access_string or "").split() if t in ("on", "off")]
    return bool(switches) and switches[-1] == "off"


# --- EKS, EC2 ------------------------------------------------------------------------------


def _eks_endpoint(view: ResourceView) -> Iterator[str]:
    vpc = mapping(view.props.get("vpcConfig"))
    if vpc.get("endpointPrivateAccess") is not True:
        yield "vpcConfig.endpointPrivateAccess is not true"
    # AWS turns the public endpoint on unless told otherwise.
    if vpc.get("endpointPublicAccess", True) is False:
        return
    cidrs = strings(vpc.get("publicAccessCidrs"))
    if not cidrs:
        yield "public endpoint is on with no publicAccessCidrs (AWS default: 0.0.0.0/0)"
    for cidr in filter(is_world, cidrs):
        yield f"public endpoint is open to {cidr}"


def _eks_secrets_encryption(view: ResourceView) -> Iterator[str]:
    configs = maps(view.props.get("encryptionConfig"))
    if not any(
        "secrets" in strings(c.get("resources")) and dig(c, "provider", "keyArn") for c in configs
    ):
        yield "encryptionConfig does not envelope-encrypt 'secrets' with a KMS key"


def _eks_logging(view: ResourceView) -> Iterator[str]:
    enabled = set(strings(view.props.get("enabledClusterLogTypes")))
    missing = [log for log in EKS_REQUIRED_LOGS if log not in enabled]
    if missing:
        yield f"enabledClusterLogTypes lacks: {', '.join(missing)}"


def _imdsv2(view: ResourceView) -> Iterator[str]:
    options = mapping(view.props.get("metadataOptions"))
    if options.get("httpEndpoint") == "disabled":
        return
    if options.get("httpTokens") != "required":
        yield f"metadataOptions.httpTokens is {options.get('httpTokens')!r}, not 'required'"


@dataclass(frozen=True)
class _Ingress:
    where: str
    cidrs: list[str]
    protocol: str
    from_port: int | float | None
    to_port: int | float | None

    def is_https_only(self) -> bool:
        return self.protocol in ("tcp", "6") and self.from_port == self.to_port == HTTPS_PORT

    def ports(self) -> str:
        if self.protocol in ("-1", "all"):
            return "all protocols and ports"
        return f"{self.protocol} {self.from_port}-{self.to_port}"


def _ingress_entries(view: ResourceView) -> Iterator[_Ingress]:
    props = view.props
    if view.type == SECURITY_GROUP:
        for index, rule in enumerate(maps(props.get("ingress"))):
            yield _classic_ingress(f"ingress[{index}]", rule)
    elif view.type == SECURITY_GROUP_RULE and props.get("type") == "ingress":
        yield _classic_ingress("rule", props)
    elif view.type == INGRESS_RULE:
        cidrs = [str(c) for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c]
        yield _Ingress(
            "rule",
            cidrs,
            str(props.get("ipProtocol", "")).lower(),
            number(props.get("fromPort")),
            number(props.get("toPort")),
        )


def _classic_ingress(where: str, rule: Mapping[str, Any]) -> _Ingress:
    return _Ingress(
        where,
        strings(rule.get("cidrBlocks")) + strings(rule.get("ipv6CidrBlocks")),
        str(rule.get("protocol", "")).lower(),
        number(rule.get("fromPort")),
        number(rule.get("toPort")),
    )


def _no_world_ingress(view: ResourceView) -> Iterator[str]:
    for entry in _ingress_entries(view):
        if entry.is_https_only():
            continue
        for cidr in filter(is_world, entry.cidrs):
            yield f"{entry.where} allows {cidr} on {entry.ports()}; only tcp 443 may face the world"


# --- tags ----------------------------------------------------------------------------------


def _required_tags(view: ResourceView) -> Iterator[str]:
    # Only resources that expose tags are taggable; the provider's default tags count.
    if "tags" not in view.props and "tagsAll" not in view.props:
        return
    tags = tags_of(view.props, view.context.default_tags)
    missing = [key for key in view.context.required_tags if not tags.get(key)]
    if missing:
        yield f"missing required tags: {', '.join(missing)}"


M, A = Severity.MANDATORY, Severity.ADVISORY

AWS_RULES: tuple[Rule | StackRule, ...] = (
    Rule(
        "rds-storage-encrypted",
        "RDS storage is encrypted at rest (CIS AWS Foundations 2.3.1). Read replicas inherit "
        "their source's encryption and are not checked.",
        M,
        (RDS_INSTANCE,),
        "Set storageEncrypted=True and a kmsKeyId; an existing instance must be restored from an "
        "encrypted snapshot copy.",
        _rds_storage_encrypted,
    ),
    Rule(
        "rds-not-publicly-accessible",
        "RDS instances are not publicly accessible (CIS AWS Foundations 2.3.3).",
        M,
        (RDS_INSTANCE,),
        "Set publiclyAccessible=False and place the instance in the database subnets.",
        _rds_not_public,
    ),
    Rule(
        "rds-multi-az-prod",
        "Prod RDS instances run Multi-AZ (read replicas excepted).",
        M,
        (RDS_INSTANCE,),
        "Set multiAz=True for prod databases.",
        _rds_multi_az_prod,
    ),
    Rule(
        "rds-deletion-protection-prod",
        "Prod RDS instances have deletion protection.",
        M,
        (RDS_INSTANCE,),
        "Set deletionProtection=True for prod databases.",
        _rds_deletion_protection_prod,
    ),
    Rule(
        "rds-backup-retention",
        f"RDS automated backups are kept {RETENTION_MIN_DAYS} to {RETENTION_MAX_DAYS} days, at "
        f"least {RETENTION_MIN_DAYS_PROD} in prod, set explicitly (read replicas excepted).",
        M,
        (RDS_INSTANCE,),
        "Set backupRetentionPeriod within the allowed range (the platform default is 14 in prod).",
        _rds_backup_retention,
    ),
    Rule(
        "s3-public-access-blocked",
        "S3 public access blocks set all four flags (CIS AWS Foundations 2.1.4).",
        M,
        (S3_PUBLIC_ACCESS_BLOCK,),
        "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets "
        "to True.",
        _s3_public_access_block,
    ),
    StackRule(
        "s3-bucket-has-public-access-block",
        "Every S3 bucket has its own public access block (CIS AWS Foundations 2.1.4, AWS "
        "Security Hub S3.8), tied to it through the block's bucket property. Not applicable "
        "when the engine supplies no property dependencies: without them a block cannot be "
        "matched to an auto-named bucket.",
        M,
        (*S3_BUCKETS, S3_PUBLIC_ACCESS_BLOCK),
        "Declare a BucketPublicAccessBlock with bucket=<the bucket>.id and all four flags True.",
        _buckets_without_public_access_block,
        needs_property_dependencies=True,
    ),
    Rule(
        "s3-encrypted-with-kms",
        "S3 default encryption is SSE-KMS with a customer managed key (server access log "
        "destinations, named '*-access-logs', keep SSE-S3: log delivery cannot use SSE-KMS).",
        M,
        S3_ENCRYPTION,
        "Use sseAlgorithm 'aws:kms' with kmsMasterKeyId set to the platform or tenant KMS key.",
        _s3_sse_kms,
    ),
    Rule(
        "s3-versioning-enabled",
        "S3 bucket versioning is enabled, so overwritten or deleted objects can be recovered.",
        M,
        S3_VERSIONING,
        "Set versioningConfiguration.status='Enabled'.",
        _s3_versioning,
    ),
    Rule(
        "s3-tls-only",
        "S3 bucket policies deny requests without TLS (CIS AWS Foundations 2.1.1).",
        M,
        (S3_POLICY,),
        "Add a statement: Effect Deny, Principal '*', Action 's3:*', on the bucket and its "
        "objects, Condition Bool aws:SecureTransport 'false'.",
        _s3_tls_only,
    ),
    Rule(
        "s3-backup-object-lock-prod",
        f"Prod backup buckets (tagged {BACKUP_PURPOSE_TAG}={BACKUP_PURPOSE_VALUE}) have S3 Object "
        "Lock, so backups cannot be deleted or overwritten before their retention ends.",
        M,
        S3_BUCKETS,
        "Create the bucket with objectLockEnabled=True (only possible at creation) and add a "
        "BucketObjectLockConfiguration with a default retention.",
        _s3_backup_object_lock_prod,
    ),
    Rule(
        "kms-key-rotation",
        "Symmetric KMS keys rotate automatically (CIS AWS Foundations 3.6).",
        M,
        (KMS_KEY,),
        "Set enableKeyRotation=True.",
        _kms_rotation,
    ),
    Rule(
        "elasticache-encrypted",
        "ElastiCache replication groups encrypt at rest and require TLS in transit.",
        M,
        (CACHE_GROUP,),
        "Set atRestEncryptionEnabled=True and transitEncryptionEnabled=True, with "
        "transitEncryptionMode 'required' (or unset).",
        _cache_encryption,
    ),
    Rule(
        "elasticache-default-user-disabled",
        "ElastiCache uses RBAC users: every replication group has a user group, and any user "
        "named 'default' is switched off, so only per-tenant users can connect.",
        M,
        (CACHE_GROUP, CACHE_USER),
        "Attach a user group (userGroupIds) whose 'default' user has an accessString starting "
        "'off' (e.g. 'off -@all'); give each tenant its own user limited to its key prefix.",
        _cache_default_user_disabled,
    ),
    Rule(
        "eks-endpoint-private",
        "The EKS API endpoint is private; a public endpoint is off or limited to known CIDRs "
        "(CIS EKS 5.4.2).",
        M,
        (EKS_CLUSTER,),
        "Set vpcConfig.endpointPrivateAccess=True and endpointPublicAccess=False, or list the "
        "operator CIDRs in publicAccessCidrs.",
        _eks_endpoint,
    ),
    Rule(
        "eks-secrets-encrypted",
        "EKS envelope-encrypts Kubernetes Secrets with a KMS key (CIS EKS 5.3.1).",
        M,
        (EKS_CLUSTER,),
        "Set encryptionConfig: resources ['secrets'] and provider.keyArn to a KMS key.",
        _eks_secrets_encryption,
    ),
    Rule(
        "eks-control-plane-logging",
        "EKS sends the api, audit and authenticator control-plane logs to CloudWatch "
        "(CIS EKS 2.1.1).",
        M,
        (EKS_CLUSTER,),
        "Include api, audit and authenticator in enabledClusterLogTypes.",
        _eks_logging,
    ),
    Rule(
        "ec2-imdsv2-required",
        "Launch templates require IMDSv2 session tokens (CIS AWS Foundations 5.6), which blunts "
        "SSRF theft of node credentials.",
        M,
        (LAUNCH_TEMPLATE,),
        "Set metadataOptions.httpTokens='required' (and httpPutResponseHopLimit 1 or 2).",
        _imdsv2,
    ),
    Rule(
        "security-group-no-world-ingress",
        "No security group admits 0.0.0.0/0 or ::/0 except tcp 443 for the load balancer "
        "(CIS AWS Foundations 5.2, 5.3).",
        M,
        (SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE),
        "Allow the source security group or a known CIDR instead; only HTTPS on the load "
        "balancer may face the internet.",
        _no_world_ingress,
    ),
    Rule(
        "aws-required-tags",
        "Every taggable AWS resource carries the required tags (owner, cost centre, environment, "
        "managed-by); tags from the provider's default_tags count.",
        M,
        ("aws:",),
        "Set the tags through the provider's defaultTags or on the resource.",
        _required_tags,
    ),
)
