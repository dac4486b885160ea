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
FAILOVER_TTL_SECONDS = 60  # resolvers follow a failover within a minute of the health check


def declare_records(scope: TenantScope, dns: TenantDns) -> dict[str, aws.route53.Record]:
    """One record per host name; `dns.moved_from` aliases each to where it was declared.

    With `dns.failover`, each is a failover record. Adding `set_identifier` to an existing
    record updates it in place: terraform-provider-aws (internal/service/route53/record.go,
    resourceRecordUpdate) deletes the old and creates the new record set in one transactional
    change batch, and `set_identifier` is not ForceNew, so neither URN nor resolution breaks.
    """
    failover = dns.failover
    return {
        hostname: aws.route53.Record(
            f"{scope.name}-dns-{hostname}",
            zone_id=dns.zone_id,
            name=hostname,
            type="CNAME",
            ttl=FAILOVER_TTL_SECONDS if failover else TTL_SECONDS,
            records=[dns.target],
            set_identifier=failover.set_identifier if failover else None,
            failover_routing_policies=(
                [aws.route53.RecordFailoverRoutingPolicyArgs(type=failover.role)]
                if failover
                else None
            ),
            health_check_id=failover.health_check_id if failover else None,
            opts=pulumi.ResourceOptions.merge(
                scope.opts(provider=dns.provider),
                pulumi.ResourceOptions(aliases=list(dns.moved_from.get(hostname, ()))),
            ),
        )
        for hostname in scope.args.hostnames
    }
