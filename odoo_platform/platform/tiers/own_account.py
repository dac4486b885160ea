"""A dedicated tenant in its own AWS account: its VPC peered with the platform's and an OIDC
provider there for IRSA.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import child_opts
from odoo_platform.components.tenant_account_network import (
    TenantAccountNetwork,
    TenantAccountNetworkArgs,
)
from odoo_platform.config.lifecycle import protect_tenant_data
from odoo_platform.config.models import TenantConfig
from odoo_platform.config.tags import resource_tags
from odoo_platform.platform.tiers.args import DataNetwork, TierArgs


@dataclass(frozen=True)
class OwnAccount:
    """A tenant's own account: its peered VPC, the platform nodes' group as seen from there."""

    network: TenantAccountNetwork
    nodes_security_group_ref: pulumi.Output[str]  # `<platform account>/<sg-id>`
    oidc_provider_arn: pulumi.Output[str]

    def data_network(self, kms_key_arn: pulumi.Input[str]) -> DataNetwork:
        return DataNetwork(
            subnet_ids=self.network.database_subnet_ids,
            vpc_id=self.network.vpc_id,
            nodes_security_group_id=self.nodes_security_group_ref,
            kms_key_arn=kms_key_arn,
        )


def own_account_network(
    parent: pulumi.Resource,
    name: str,
    args: TierArgs,
    tenant: TenantConfig,
    account: aws.Provider,
) -> OwnAccount:
    """The tenant account's VPC peered with the platform's, and an OIDC provider for IRSA there.

    Security groups there admit the platform nodes' group by `<account>/<sg-id>`, which AWS
    accepts for a peered VPC in the same region (the provider splits it into UserId/GroupId).
    """
    overrides = tenant.dedicated
    assert overrides and overrides.aws_account_role_arn and overrides.account_vpc_cidr
    config, zone = args.config, args.landing_zone
    network = TenantAccountNetwork(
        f"{name}-net",
        TenantAccountNetworkArgs(
            vpc_cidr=str(overrides.account_vpc_cidr),
            tenant_account_id=overrides.aws_account_role_arn.split(":")[4],
            platform_provider=zone.provider,
            platform_vpc_id=zone.vpc_id,
            platform_vpc_cidr=zone.vpc_cidr,
            platform_route_table_ids=zone.private_route_table_ids,
            region=config.region,
            availability_zones=config.landing_zone.availability_zones,
            flow_log_retention_days=config.landing_zone.flow_log_retention_days,
            protect_logs_key=protect_tenant_data(config, tenant, args.today),
            tenant=tenant.slug,
        ),
        opts=child_opts(parent, providers={"aws": account}),
    )
    platform = pulumi.InvokeOutputOptions(parent=parent, provider=zone.provider)
    platform_account = aws.get_caller_identity_output(opts=platform).account_id
    # IRSA roles in the tenant account trust the cluster's issuer through a provider of its own.
    oidc = aws.iam.OpenIdConnectProvider(
        f"{name}-oidc",
        url=args.oidc_issuer_url,
        client_id_lists=["sts.amazonaws.com"],
        tags=resource_tags("dedicated", tenant.slug),
        opts=child_opts(parent, provider=account),
    )
    return OwnAccount(
        network=network,
        nodes_security_group_ref=pulumi.Output.concat(
            platform_account, "/", zone.node_security_group_id
        ),
        oidc_provider_arn=oidc.arn,
    )
