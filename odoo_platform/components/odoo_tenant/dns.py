"""The tenant's DNS: a CNAME per host name, in the platform's Route53 zone, to the load balancer.

The tenant owns its records (the ingress knows no tenants), so a tenant added from another
stack gets them too. Names sit below the zone apex: a CNAME cannot sit at the apex.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from odoo_platform.components.odoo_tenant.args import TenantDns
from odoo_platform.components.odoo_tenant.scope import TenantScope

TTL_SECONDS = 300


def declare_records(scope: TenantScope, dns: TenantDns) -> dict[str, aws.route53.Record]:
    """One record per host name; `dns.moved_from` aliases each to where it was declared."""
    return {
        hostname: aws.route53.Record(
            f"{scope.name}-dns-{hostname}",
            zone_id=dns.zone_id,
            name=hostname,
            type="CNAME",
            ttl=TTL_SECONDS,
            records=[dns.target],
            opts=pulumi.ResourceOptions.merge(
                scope.opts(provider=dns.provider),
                pulumi.ResourceOptions(aliases=list(dns.moved_from.get(hostname, ()))),
            ),
        )
        for hostname in scope.args.hostnames
    }
