"""One shared-tier Odoo tenant on an existing platform stack (see README.md)."""

import pulumi

from odoo_platform import ExternalTenant, ExternalTenantArgs, PlatformReference
from odoo_platform.platform.external_tenant import parse_tenant, tenant_stack_outputs

config = pulumi.Config()
platform = PlatformReference("platform", config.require("platform_stack"))
args = ExternalTenantArgs(
    platform=platform,
    tenant=parse_tenant(config.require_object("tenant")),
    owner=config.require("owner"),
    cost_centre=config.require("cost_centre"),
    environment=config.require("environment"),
)
providers = [
    platform.kubernetes_provider("platform-cluster"),
    platform.aws_provider("platform-aws", default_tags=args.default_tags),
]
tenant = ExternalTenant(args.tenant.slug, args, opts=pulumi.ResourceOptions(providers=providers))
pulumi.export("namespace", tenant.namespace)
pulumi.export("database", tenant.database_name)
pulumi.export("hostnames", args.tenant.hostnames)
# what this deployment placed where (pool, Odoo series, platform): the next run refuses a
# database_pool move without pool_migration and a series change without a recorded migration
pulumi.export("tenants", tenant_stack_outputs(tenant))
