"""What a Pulumi program declared, as the JSON `terraform show -json <plan>` would print.

Scanners such as checkov (`--framework terraform_plan`) read that shape; Pulumi never writes it.
Pulumi's AWS provider is bridged from Terraform's, so types and properties map almost one to one:
`aws:rds/instance:Instance` is `aws_db_instance`, camelCase inputs become snake_case, blocks that
Pulumi flattens (max one item) or pluralizes (`rules`) go back into Terraform's lists and names.
A value that is another resource's id, ARN or name is written as Terraform writes a value unknown
until apply: left out of `planned_values` and named in `configuration` as a reference, which is
how scanners connect a bucket to its logging, versioning or public access block.

Only AWS resources are written: Kubernetes objects are validated against their own schemas, and
providers and random values have nothing to scan. The mapping is a best effort (no provider
schema is read): `TYPE_NAMES` and `ATTRIBUTE_NAMES` hold the exceptions to the rules.

    from odoo_platform.testing import run_stack
    from odoo_platform.offline.terraform_plan import terraform_plan
    json.dump(terraform_plan(run_stack("prod-eu-west-1")), open("plan.json", "w"))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from odoo_platform.synthesis.harness import ProgramResult, RecordedResource

FORMAT_VERSION = "1.2"
TERRAFORM_VERSION = "1.9.0"
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"

# Pulumi type (module/resource) -> Terraform type, where the rule `aws_<module>_<resource>` fails.
TYPE_NAMES = {
    "rds/instance:Instance": "aws_db_instance",
    "rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        "aws_db_instance_automated_backups_replication"
    ),
    "iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "serverlessrepository/cloudFormationStack:CloudFormationStack": (
        "aws_serverlessapplicationrepository_cloudformation_stack"
    ),
    "lambda/function:Function": "aws_lambda_function",
}
# Modules whose resources carry no module prefix in Terraform (`aws_vpc`, not `aws_ec2_vpc`).
UNPREFIXED_MODULES = {"ec2"}
# Pulumi attribute -> Terraform attribute, where singularizing a plural name is wrong or missing.
ATTRIBUTE_NAMES = {
    "client_id_lists": "client_id_list",
    "thumbprint_lists": "thumbprint_list",
    "log_delivery_configurations": "log_delivery_configuration",
    "taints": "taint",
}
# Terraform blocks whose own name is plural: kept as they are.
PLURAL_BLOCKS = {
    "block_device_mappings",
    "tag_specifications",
    "network_interfaces",
    "string_equals",
    "string_not_equals",
    "string_like",
    "string_not_like",
    "not_resources",
    "ingress",
    "egress",
    "access_policies",
    "settings",
    "variables",
}
# Map attributes (not blocks): written as objects, not as lists of one object.
MAP_ATTRIBUTES = {"tags", "tags_all", "variables", "parameters", "outputs", "triggers", "labels"}
# Outputs a reference may name, in the order an input is matched against them.
REFERENCE_OUTPUTS = ("id", "arn", "name", "bucket", "keyId")


def terraform_type(pulumi_type: str) -> str | None:
    """`aws:rds/instance:Instance` -> `aws_db_instance`; None for non-AWS types."""
    provider, _, rest = pulumi_type.partition(":")
    if provider != "aws" or "/" not in rest:
        return None
    if rest in TYPE_NAMES:
        return TYPE_NAMES[rest]
    module = rest.split("/", 1)[0]
    resource = _snake(rest.rsplit(":", 1)[-1])
    return f"aws_{resource}" if module in UNPREFIXED_MODULES else f"aws_{module}_{resource}"


def terraform_plan(result: ProgramResult) -> dict[str, Any]:
    """The plan JSON (`terraform show -json`) of every AWS resource `result` declared."""
    aws = [r for r in result.resources if r.custom and terraform_type(r.type)]
    addresses = _addresses(aws)
    by_urn = {r.urn: r for r in aws}
    planned, configured, changes = [], [], []
    for resource in aws:
        address = addresses[resource.urn]
        tf_type, name = address.split(".", 1)
        head = {"address": address, "mode": "managed", "type": tf_type, "name": name}
        values, expressions = _values_and_references(resource, by_urn, addresses)
        # Secret inputs are left out, as Terraform masks sensitive values: nothing to scan there.
        sensitive = {key: True for key in values if key in secret_attributes(resource)}
        values = {k: v for k, v in values.items() if k not in sensitive}
        provider = {"provider_name": AWS_PROVIDER, "schema_version": 0}
        planned.append({**head, **provider, "values": values, "sensitive_values": sensitive})
        configured.append({**head, "provider_config_key": "aws", "expressions": expressions})
        unknown = {key: True for key in expressions}
        change = {"actions": ["create"], "before": None, "after": values, "after_unknown": unknown}
        changes.append({**head, "provider_name": AWS_PROVIDER, "change": change})
    return {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": AWS_PROVIDER}},
            "root_module": {"resources": configured},
        },
    }


def stacks_plan(plans: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Several stacks' plans as one, a module per stack (`module.<stack>.aws_...`): one scan."""
    modules, calls = [], {}
    for stack, plan in plans.items():
        resources = [
            {**r, "address": f"module.{stack}.{r['address']}"}
            for r in plan["planned_values"]["root_module"]["resources"]
        ]
        modules.append({"address": f"module.{stack}", "resources": resources})
        calls[stack] = {"source": f"./{stack}", "module": plan["configuration"]["root_module"]}
    return {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": [], "child_modules": modules}},
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": AWS_PROVIDER}},
            "root_module": {"module_calls": calls},
        },
    }


def secret_attributes(resource: RecordedResource) -> set[str]:
    """The Terraform names of the inputs the engine received as secrets."""
    return {_attribute(key, resource.inputs[key]) for key in resource.secret_inputs}


def _addresses(resources: Iterable[RecordedResource]) -> dict[str, str]:
    """Unique `type.name` per URN: names made identifiers, a counter where two collide."""
    taken: set[str] = set()
    found = {}
    for resource in resources:
        base = f"{terraform_type(resource.type)}.{re.sub(r'[^A-Za-z0-9_]', '_', resource.name)}"
        address, n = base, 1
        while address in taken:
            n += 1
            address = f"{base}_{n}"
        taken.add(address)
        found[resource.urn] = address
    return found


def _values_and_references(
    resource: RecordedResource, by_urn: dict[str, RecordedResource], addresses: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Terraform values, and the configuration expressions of values that name other resources.

    A list that holds references (security group ids) keeps its other items and a null for
    each reference, as scanners expect of a partly unknown list.
    """
    values: dict[str, Any] = {}
    expressions: dict[str, Any] = {}
    for key, value in resource.inputs.items():
        attribute = _attribute(key, value)
        targets = [
            (addresses[urn], by_urn[urn])
            for urn in resource.property_dependencies.get(key, ())
            if urn in by_urn
        ]
        items = value if isinstance(value, list) else [value]
        references = [_reference(item, targets) for item in items]
        found = [r for r in references if r is not None]
        if found:
            expressions[attribute] = {
                "references": [part for r in found for part in (r, r.rsplit(".", 1)[0])]
            }
            if not isinstance(value, list):
                continue
        known = [None if r else item for item, r in zip(items, references, strict=True)]
        values[attribute] = _terraform_value(attribute, known if isinstance(value, list) else value)
    return values, expressions


def _reference(value: Any, targets: list[tuple[str, RecordedResource]]) -> str | None:
    """`aws_s3_bucket.logs.arn` when `value` is exactly an output of a resource it depends on."""
    if not isinstance(value, str):
        return None
    for output in REFERENCE_OUTPUTS:
        for address, target in targets:
            found = target.id if output == "id" else target.outputs.get(output)
            if found == value:
                return f"{address}.{_snake(output)}"
    return None


def _terraform_value(attribute: str, value: Any) -> Any:
    """Maps stay objects; a block (an object) becomes a list of one, as Terraform lists it."""
    if isinstance(value, dict):
        return dict(value) if attribute in MAP_ATTRIBUTES else [_block(value)]
    if isinstance(value, list):
        return [_block(item) if isinstance(item, dict) else item for item in value]
    return value


def _block(value: dict[str, Any]) -> dict[str, Any]:
    block = {}
    for key, item in value.items():
        attribute = _attribute(key, item)
        block[attribute] = _terraform_value(attribute, item)
    return block


def _attribute(key: str, value: Any) -> str:
    """The Terraform name of a Pulumi input: snake_case, plural block names made singular."""
    name = _snake(key)
    if name in ATTRIBUTE_NAMES:
        return ATTRIBUTE_NAMES[name]
    is_block_list = isinstance(value, list) and any(isinstance(item, dict) for item in value)
    if is_block_list and name.endswith("s") and name not in PLURAL_BLOCKS:
        return name.removesuffix("ies") + "y" if name.endswith("ies") else name[:-1]
    return name


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
