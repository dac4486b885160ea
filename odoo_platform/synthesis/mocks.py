"""Pulumi mocks that answer like AWS would: ids, ARNs, endpoints, passwords and invokes.

Values are derived from the resource's name so two runs of one program give identical results.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"

Outputs = dict[str, Any]


def _digest(name: str, length: int = 12) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


class PlatformMocks(pulumi.runtime.Mocks):
    """Realistic, deterministic answers for the resources and invokes this platform uses."""

    def __init__(
        self,
        region: str = "eu-west-1",
        account_id: str = ACCOUNT_ID,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
        secret_stack_outputs: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """`stack_outputs` answers StackReferences: stack name (as referenced) -> its outputs."""
        self.region = region
        self.account_id = account_id
        self.stack_outputs = dict(stack_outputs or {})
        self.secret_stack_outputs = dict(secret_stack_outputs or {})
        self.subnet_cidrs: dict[str, str] = {}  # subnet id -> CIDR, for addresses inside it

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, Outputs]:
        if args.typ == STACK_REFERENCE:
            return self._stack_reference(args)
        resource_id = args.resource_id or f"{args.name}-{_digest(args.typ + args.name, 8)}"
        if args.typ == ACCESS_KEY and not args.resource_id:
            resource_id = "AKIA" + _digest(args.name, 16).upper()  # an access key id
        outputs = dict(args.inputs)
        extra = _RESOURCE_OUTPUTS.get(args.typ)
        if extra is not None:
            outputs.update(extra(self, args.name, args.inputs))
        if args.typ == "aws:ec2/subnet:Subnet" and "cidrBlock" in args.inputs:
            self.subnet_cidrs[resource_id] = str(args.inputs["cidrBlock"])
        if args.typ.startswith("kubernetes:") and "metadata" in outputs:
            outputs["metadata"] = _kubernetes_metadata(args.name, outputs.get("metadata"))
        if args.typ.startswith("aws:"):
            outputs.setdefault("arn", self.arn(args.typ, args.name))
            outputs.setdefault("tagsAll", args.inputs.get("tags", {}))
        if args.resource_id and args.typ.startswith("kubernetes:"):
            outputs.setdefault("metadata", _metadata_from_id(args.resource_id))
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[Outputs, list[tuple[str, str]]]:
        answer = _INVOKE_OUTPUTS.get(args.token)
        return (answer(self, args.args) if answer else {}), []

    def _stack_reference(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, Outputs]:
        """A stack that has never been deployed has no outputs, as in the service."""
        stack = str(args.inputs.get("name", args.name))
        outputs = {
            "name": stack,
            "outputs": dict(self.stack_outputs.get(stack, {})),
            "secretOutputNames": list(self.secret_stack_outputs.get(stack, [])),
        }
        return stack, outputs

    def arn(self, typ: str, name: str) -> str:
        service = typ.split(":")[1].split("/", maxsplit=1)[0]
        kind = typ.rsplit(":", maxsplit=1)[-1].lower()
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{kind}/{name}"


def _kubernetes_metadata(name: str, metadata: Any) -> Any:
    """Objects without `metadata.name` get one as the Kubernetes provider auto-names them."""
    if not isinstance(metadata, dict) or metadata.get("name"):
        return metadata
    return {**metadata, "name": f"{name}-{_digest(name, 8)}"}


def _availability_zones(mocks: PlatformMocks, _args: Outputs) -> Outputs:
    names = [f"{mocks.region}{letter}" for letter in "abcdef"]
    zone_ids = [f"{mocks.region[:3]}{mocks.region.split('-')[-1]}-az{i}" for i in range(1, 7)]
    return {"names": names, "zoneIds": zone_ids, "id": mocks.region, "state": "available"}


def _caller_identity(mocks: PlatformMocks, _args: Outputs) -> Outputs:
    return {
        "accountId": mocks.account_id,
        "arn": f"arn:aws:iam::{mocks.account_id}:role/deployer",
        "userId": "AROAEXAMPLE:deployer",
        "id": mocks.account_id,
    }


def _region(mocks: PlatformMocks, args: Outputs) -> Outputs:
    name = args.get("name") or mocks.region
    return {"name": name, "region": name, "id": name, "endpoint": f"ec2.{name}.amazonaws.com"}


def _partition(_mocks: PlatformMocks, _args: Outputs) -> Outputs:
    return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}


def replicated_secret_string(secret_id: str) -> str:
    """What the mocks answer for a secret's current value: derived from its id, so a test can
    tell which secret a program read."""
    return f"secret-{_digest(secret_id, 24)}"


def _secret_version(mocks: PlatformMocks, args: Outputs) -> Outputs:
    secret_id = str(args.get("secretId", ""))
    arn = (
        secret_id
        if secret_id.startswith("arn:")
        else mocks.arn("aws:secretsmanager/secret:Secret", secret_id)
    )
    value = replicated_secret_string(secret_id)
    if arn.rsplit(":", 1)[-1].endswith("-admin") or "-admin-" in arn.rsplit(":", 1)[-1]:
        # a server's admin secret: the JSON shape `postgres.rotation.master_secret` writes
        value = json.dumps({"engine": "postgres", "username": "platform_admin", "password": value})
    return {
        "id": f"{secret_id}|AWSCURRENT",
        "arn": arn,
        "secretId": secret_id,
        "secretString": value,
        "versionId": _digest(secret_id, 32),
        "versionStages": ["AWSCURRENT"],
    }


_INVOKE_OUTPUTS: dict[str, Callable[[PlatformMocks, Outputs], Outputs]] = {
    "aws:secretsmanager/getSecretVersion:getSecretVersion": _secret_version,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
}


def _rds_instance(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    identifier = inputs.get("identifier") or f"{name}-{_digest(name, 7)}"
    host = f"{identifier}.c{_digest(name, 10)}.{mocks.region}.rds.amazonaws.com"
    return {
        "identifier": identifier,
        "arn": f"arn:aws:rds:{mocks.region}:{mocks.account_id}:db:{identifier}",
        "address": host,
        "endpoint": f"{host}:5432",
        "port": 5432,
        "hostedZoneId": "Z29XKXDKYMONMX",
        "resourceId": f"db-{_digest(name, 26).upper()}",
        "masterUserSecrets": [
            {
                "secretArn": f"arn:aws:secretsmanager:{mocks.region}:{mocks.account_id}"
                f":secret:rds!db-{_digest(name)}",
                "secretStatus": "active",
                "kmsKeyId": "",
            }
        ],
    }


def _replication_group(mocks: PlatformMocks, name: str, _inputs: Outputs) -> Outputs:
    host = f"master.{name}.{_digest(name, 6)}.{mocks.region}.cache.amazonaws.com"
    return {"primaryEndpointAddress": host, "readerEndpointAddress": "replica." + host[7:]}


def _eks_cluster(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    issuer = f"https://oidc.eks.{mocks.region}.amazonaws.com/id/{_digest(name, 32).upper()}"
    vpc_config = inputs.get("vpcConfig") or {}
    return {
        "name": inputs.get("name") or f"{name}-{_digest(name, 7)}",
        "endpoint": f"https://{_digest(name, 32).upper()}.gr7.{mocks.region}.eks.amazonaws.com",
        "certificateAuthority": {"data": "TU9DSy1DQQ=="},
        "identities": [{"oidcs": [{"issuer": issuer}]}],
        "status": "ACTIVE",
        "vpcConfig": {**vpc_config, "clusterSecurityGroupId": f"sg-{_digest(name + 'sg', 17)}"},
    }


def _eks_node_group(_mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    return {"nodeGroupName": inputs.get("nodeGroupName") or f"{name}-{_digest(name, 7)}"}


def _launch_template(_mocks: PlatformMocks, name: str, _inputs: Outputs) -> Outputs:
    return {"latestVersion": 1, "defaultVersion": 1}


def _random_password(_mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    length = int(inputs.get("length", 32))
    seed = hashlib.sha256(("password:" + name).encode()).hexdigest()
    return {"result": (seed * 4)[:length]}


def _kms_key(mocks: PlatformMocks, name: str, _inputs: Outputs) -> Outputs:
    key_id = f"{_digest(name, 8)}-{_digest(name + 'a', 4)}-4{_digest(name + 'b', 3)}"
    return {"keyId": key_id, "arn": f"arn:aws:kms:{mocks.region}:{mocks.account_id}:key/{key_id}"}


def _bucket(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    bucket = inputs.get("bucket") or f"{name}-{_digest(name, 8)}"
    return {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{mocks.region}.amazonaws.com",
    }


def _iam(kind: str) -> Callable[[PlatformMocks, str, Outputs], Outputs]:
    def outputs(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
        resource_name = inputs.get("name") or name
        return {
            "arn": f"arn:aws:iam::{mocks.account_id}:{kind}/{resource_name}",
            "name": resource_name,
        }

    return outputs


def _oidc_provider(mocks: PlatformMocks, _name: str, inputs: Outputs) -> Outputs:
    url = str(inputs.get("url", "")).removeprefix("https://")
    return {"arn": f"arn:aws:iam::{mocks.account_id}:oidc-provider/{url}"}


def _efs(mocks: PlatformMocks, name: str, _inputs: Outputs) -> Outputs:
    fs_id = f"fs-{_digest(name, 17)}"
    return {"dnsName": f"{fs_id}.efs.{mocks.region}.amazonaws.com"}


def _efs_replication(_mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    """EFS creates the destination file system (no `fileSystemId` given) and returns its id."""
    destination = dict(inputs.get("destination") or {})
    destination.setdefault("fileSystemId", f"fs-{_digest(name + '-replica', 17)}")
    return {"destination": {**destination, "status": "ENABLED"}}


def _mount_target(mocks: PlatformMocks, _name: str, inputs: Outputs) -> Outputs:
    """EFS gives a mount target an address of its subnet (here its tenth host)."""
    cidr = mocks.subnet_cidrs.get(str(inputs.get("subnetId", "")))
    if cidr is None:
        return {}
    return {"ipAddress": str(ipaddress.IPv4Network(cidr).network_address + 10)}


def _metadata_from_id(resource_id: str) -> Outputs:
    """A read Kubernetes object's metadata from its id, `namespace/name` or `name`."""
    namespace, _, name = resource_id.rpartition("/")
    return {"name": name, **({"namespace": namespace} if namespace else {})}


def _helm_release(_mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    return {
        "status": {
            "name": inputs.get("name") or name,
            "namespace": inputs.get("namespace") or "default",
            "chart": inputs.get("chart"),
            "version": inputs.get("version"),
            "revision": 1,
            "status": "deployed",
        }
    }


def _k8s_service(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    """A LoadBalancer Service (or one read from the cluster) gets the NLB's host name."""
    if inputs and (inputs.get("spec") or {}).get("type") != "LoadBalancer":
        return {}
    host = f"k8s-{_digest(name, 8)}-{_digest(name + 'lb', 10)}.elb.{mocks.region}.amazonaws.com"
    return {"status": {"loadBalancer": {"ingress": [{"hostname": host}]}}}


def _load_balancer(mocks: PlatformMocks, name: str, _inputs: Outputs) -> Outputs:
    return {"dnsName": f"{name}-{_digest(name, 16)}.elb.{mocks.region}.amazonaws.com"}


def _sns_topic(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    topic = inputs.get("name") or f"{name}-{_digest(name, 7)}"
    return {"name": topic, "arn": f"arn:aws:sns:{mocks.region}:{mocks.account_id}:{topic}"}


def _metric_alarm(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    alarm = inputs.get("name") or f"{name}-{_digest(name, 7)}"
    return {
        "name": alarm,
        "arn": f"arn:aws:cloudwatch:{mocks.region}:{mocks.account_id}:alarm:{alarm}",
    }


def _auto_named(_mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    """The physical name Pulumi's auto-naming would give (logical name plus a suffix)."""
    return {"name": inputs.get("name") or f"{name}-{_digest(name, 7)}"}


def _sqs_queue(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    queue = _auto_named(mocks, name, inputs)["name"]
    return {
        "name": queue,
        "arn": f"arn:aws:sqs:{mocks.region}:{mocks.account_id}:{queue}",
        "url": f"https://sqs.{mocks.region}.amazonaws.com/{mocks.account_id}/{queue}",
    }


def _event_rule(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    rule = _auto_named(mocks, name, inputs)["name"]
    return {"name": rule, "arn": f"arn:aws:events:{mocks.region}:{mocks.account_id}:rule/{rule}"}


def _email_identity(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    """A domain identity with Easy DKIM: SES generates three DKIM tokens."""
    identity = str(inputs.get("emailIdentity", name))
    tokens = [_digest(f"{name}:dkim:{i}", 32) for i in range(3)]
    attributes = {**(inputs.get("dkimSigningAttributes") or {}), "tokens": tokens}
    return {
        "arn": f"arn:aws:ses:{mocks.region}:{mocks.account_id}:identity/{identity}",
        "identityType": "DOMAIN" if "@" not in identity else "EMAIL_ADDRESS",
        "dkimSigningAttributes": attributes,
    }


def _access_key(_mocks: PlatformMocks, name: str, _inputs: Outputs) -> Outputs:
    """Values of AWS's shape (the SES SMTP password starts with its version byte, as SigV4's)."""
    return {
        "secret": _digest("secret:" + name, 40),
        "sesSmtpPasswordV4": "B" + _digest("smtp:" + name, 43),
        "status": "Active",
    }


def _backup_vault(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    vault = _auto_named(mocks, name, inputs)["name"]
    arn = f"arn:aws:backup:{mocks.region}:{mocks.account_id}:backup-vault:{vault}"
    return {"name": vault, "arn": arn}


def _backup_plan(mocks: PlatformMocks, name: str, _inputs: Outputs) -> Outputs:
    plan_id = f"{_digest(name, 8)}-{_digest(name + 'p', 4)}-{_digest(name + 'q', 4)}"
    return {"arn": f"arn:aws:backup:{mocks.region}:{mocks.account_id}:backup-plan:{plan_id}"}


def _log_group(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    """A log group's ARN as CloudWatch Logs writes it (IAM policies name it)."""
    group = inputs.get("name") or f"{name}-{_digest(name, 7)}"
    return {
        "name": group,
        "arn": f"arn:aws:logs:{mocks.region}:{mocks.account_id}:log-group:{group}",
    }


def _secret(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    """A secret's ARN: `secret:<name>-<6 random characters>`, as Secrets Manager names it."""
    secret = inputs.get("name") or f"{name}-{_digest(name, 7)}"
    suffix = _digest(secret, 6)
    arn = f"arn:aws:secretsmanager:{mocks.region}:{mocks.account_id}:secret:{secret}-{suffix}"
    return {"name": secret, "arn": arn}


def _serverless_application(mocks: PlatformMocks, name: str, inputs: Outputs) -> Outputs:
    """A Serverless Application Repository stack: the rotation function's outputs."""
    function = (inputs.get("parameters") or {}).get("functionName") or name
    arn = f"arn:aws:lambda:{mocks.region}:{mocks.account_id}:function:{function}"
    return {"outputs": {"RotationLambdaARN": arn, "RotationLambdaName": function}}


_RESOURCE_OUTPUTS: dict[str, Callable[[PlatformMocks, str, Outputs], Outputs]] = {
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": _serverless_application,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _eks_node_group,
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "random:index/randomPassword:RandomPassword": _random_password,
    "aws:kms/key:Key": _kms_key,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:iam/role:Role": _iam("role"),
    "aws:iam/policy:Policy": _iam("policy"),
    "aws:iam/user:User": _iam("user"),
    ACCESS_KEY: _access_key,
    "aws:sesv2/emailIdentity:EmailIdentity": _email_identity,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:efs/fileSystem:FileSystem": _efs,
    "aws:efs/mountTarget:MountTarget": _mount_target,
    "aws:efs/replicationConfiguration:ReplicationConfiguration": _efs_replication,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "kubernetes:helm.sh/v3:Release": _helm_release,
    "kubernetes:core/v1:Service": _k8s_service,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:rds/parameterGroup:ParameterGroup": _auto_named,
    "aws:rds/subnetGroup:SubnetGroup": _auto_named,
    "aws:elasticache/parameterGroup:ParameterGroup": _auto_named,
    "aws:elasticache/subnetGroup:SubnetGroup": _auto_named,
    "aws:backup/vault:Vault": _backup_vault,
    "aws:sqs/queue:Queue": _sqs_queue,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:backup/plan:Plan": _backup_plan,
}
