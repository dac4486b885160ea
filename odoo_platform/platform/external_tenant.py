"""A shared-tier tenant declared by another stack, on an existing platform stack.

`ExternalTenant` places one tenant on the platform a `PlatformReference` points to: its namespace,
its database and role on a shared PostgreSQL server (the default pool's, or the one its
`database_pool` names among the platform's `shared_databases`; the bootstrap Job runs in the
server's admin namespace), and Odoo with its own prefix in the shared backup bucket, its own
access point on the shared file system, its IngressRoute behind the platform's Traefik, and a
CNAME per host name in the platform's Route53 zone to Traefik's load balancer.

Sessions stay on the shared filestore: Redis users are members of the user group that the
platform's `RedisCache` owns, so only the platform stack can add one.

The tenant stack exports what it deployed (`tenant_stack_outputs`: `tenants.<slug>`, the shape of
a platform stack's entry plus the platform stack's name) and, on the next run, reads it back through
a reference to its own stack: a `database_pool` move without `pool_migration`, an Odoo series
change the platform would refuse, or another platform stack stops the update before anything
reaches the cluster, as the platform stack's own previous-deployment check does.

The caller passes the providers (see `PlatformReference.kubernetes_provider` and `aws_provider`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pulumi

from odoo_platform.components._shared.base import child_opts, component_type
from odoo_platform.components.odoo_tenant import OdooTenant, OdooTenantArgs, TenantDns
from odoo_platform.components.tenant_database import TenantDatabase
from odoo_platform.components.tenant_namespace import TenantNamespace
from odoo_platform.config.capacity import ServerKey
from odoo_platform.config.defaults import protects_stateful
from odoo_platform.config.deployed import deployed_platforms, deployed_servers, deployed_versions
from odoo_platform.config.errors import ConfigError, ConfigIssue
from odoo_platform.config.lifecycle import version_move_issue
from odoo_platform.config.loader import parse_section
from odoo_platform.config.mail import own_relay
from odoo_platform.config.models import TenantConfig
from odoo_platform.config.pools import RUNBOOK, pool_move_issue, pool_record_issue
from odoo_platform.config.tags import labels, ownership_tags
from odoo_platform.platform.assembly.mail import relay_args
from odoo_platform.platform.assembly.tenant import (
    DatabaseServer,
    TenantContext,
    database_args,
    namespace_args,
    tenant_args,
)
from odoo_platform.platform.outputs import TENANTS, SharedDatabaseOutput
from odoo_platform.platform.previous import previous_deployment
from odoo_platform.platform.reference import MissingPlatformOutputError, PlatformReference
from odoo_platform.platform.tiers import HostedTenantOutput

SHARED_TIER = "shared"
SUPPORTED_STATES = ("active", "suspended")
TENANT_KEY = "tenant"  # the tenant's key path in a tenant stack's config (`parse_tenant`)


class TenantStackOutput(HostedTenantOutput):
    """A tenant stack's entry of its `tenants` output: a platform stack's entry (one reader,
    config/deployed.py, serves both) and the platform stack the tenant was placed on."""

    platform_stack: str


@dataclass(frozen=True)
class ExternalTenantArgs:
    """The tenant, the platform it joins, and who owns it (labels and tags)."""

    platform: PlatformReference
    """The platform stack's outputs: cluster, shared database server, cache, bucket, file system,
    ingress."""
    tenant: TenantConfig
    """The tenant, parsed as strictly as a platform stack's (`parse_tenant`); it must be `shared`,
    not regulated, not `sessions_in_redis`, without `cache_pool` or `cache_pool_migration`, and
    `active` or `suspended`. Its `database_pool` picks the platform's shared server; changing it
    from the last deployment's needs `pool_migration` (as in a platform stack)."""
    owner: str
    """The `Owner` tag and owner label of everything declared."""
    cost_centre: str
    """The `CostCentre` tag and cost-centre label of everything declared."""
    environment: str
    """The platform's environment (`dev`, `staging` or `prod`); a different one is refused before
    anything reaches the cluster."""
    rpo_hours: int = 24
    """Hours between the tenant's backups (its recovery point objective); OdooTenantArgs allows 1 to
    24."""
    protect: bool | None = None
    """Pulumi `protect` on the tenant's filestore (EFS access point, volume, claim); None:
    protected in prod."""
    tls_from_platform: bool = True
    """A certificate for the tenant's host names from the platform's cert-manager issuer; false:
    none is requested, TLS comes from elsewhere (an ACM certificate on the load balancer)."""
    dns_from_platform: bool = True
    """CNAMEs for the tenant's host names in the platform's Route53 zone (the `ingress` output's
    `dns_zone_id`); false: the tenant's DNS is managed elsewhere."""

    def __post_init__(self) -> None:
        problems = placement_problems(self.tenant)
        if problems:
            raise ConfigError(problems, f"tenant {self.tenant.slug!r}")

    @property
    def protected(self) -> bool:
        return protects_stateful(self.environment) if self.protect is None else self.protect

    @property
    def default_tags(self) -> dict[str, str]:
        """For the AWS provider: owner, cost centre, environment and managed-by."""
        return ownership_tags(self)


def placement_problems(tenant: TenantConfig) -> list[ConfigIssue]:
    """What another stack cannot do with a tenant on a platform it does not own."""
    path = f"tenant.{tenant.slug}"
    checks = (
        (
            tenant.tier != SHARED_TIER,
            "tier",
            "must be 'shared': a dedicated tenant's server, "
            "cache, bucket and nodes belong in the platform stack's configuration",
        ),
        (tenant.regulated, "regulated", "a regulated tenant cannot be placed in the shared tier"),
        (
            tenant.sessions_in_redis,
            "sessions_in_redis",
            "must be false: Redis users belong to "
            "the user group the platform's RedisCache owns; sessions stay on the filestore",
        ),
        (
            tenant.cache_pool is not None,
            "cache_pool",
            "must be unset: a tenant stack's Odoo has no Redis user (sessions stay on the "
            "filestore), so it takes no place in any of the platform's caches",
        ),
        (
            tenant.cache_pool_migration is not None,
            "cache_pool_migration",
            "must be unset: a tenant stack's Odoo has no Redis user, so it has no cache pool "
            "to move from",
        ),
        (
            tenant.state not in SUPPORTED_STATES,
            "state",
            f"must be one of {SUPPORTED_STATES}; "
            "offboard by setting 'suspended', taking a final backup, then destroying this stack",
        ),
    )
    found = [ConfigIssue(f"{path}.{key}", message) for failed, key, message in checks if failed]
    record = pool_record_issue(tenant, TENANT_KEY)
    return found if record is None else [*found, record]


def parse_tenant(data: Any, source: str = "tenant") -> TenantConfig:
    """A TenantConfig from a stack's config, as strictly as a platform stack's tenants; every
    problem named by its key path under `source`."""
    return parse_section(TenantConfig, data, source)


class ExternalTenant(pulumi.ComponentResource):
    """One shared-tier tenant on an existing platform: namespace, database, Odoo."""

    slug: str
    namespace: pulumi.Output[str]
    database_name: str
    database: TenantDatabase
    odoo: OdooTenant
    deployed: pulumi.Output[TenantStackOutput]
    """This tenant's entry of the stack's `tenants` output (export it with
    `tenant_stack_outputs`): what the next run checks its configuration against."""

    def __init__(
        self, name: str, args: ExternalTenantArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("ExternalTenant"), name, None, opts)
        tenant = args.tenant
        context = TenantContext(
            k8s_labels=labels(args, SHARED_TIER, tenant.slug),
            rpo_hours=args.rpo_hours,
            aws_region=args.platform.region,
            protect=args.protected,
        )
        previous = previous_deployment(f"{name}-previous-deployment", child_opts(self))
        server = pulumi.Output.all(
            self._checked_server(args), _check_previous(args, previous.outputs)
        ).apply(lambda values: cast(SharedDatabaseOutput, values[0]))
        # nothing reaches the cluster before the checks pass: a namespace of a tenant the
        # platform already hosts would otherwise be taken over (server-side apply), and a
        # database on another pool's server would be created empty
        checked: pulumi.Output[list[pulumi.Resource]] = server.apply(lambda _: [])
        namespace = TenantNamespace(
            f"{name}-ns",
            namespace_args(tenant, context),
            opts=child_opts(self, depends_on=checked),
        )
        self.database = TenantDatabase(
            f"{name}-db",
            database_args(
                tenant,
                context,
                DatabaseServer(
                    host=server["address"],
                    port=server["port"],
                    admin_namespace=server["admin_namespace"],
                    admin_secret_name=server["admin_secret_name"],
                    admin_secret_arn=server["admin_secret_arn"],
                    admin_service_account=server["admin_service_account"],
                ),
                tenant_namespace=namespace.name,
            ),
            opts=child_opts(self),
        )
        self.odoo = OdooTenant(
            f"{name}-odoo",
            self._odoo_args(args, context, namespace.name),
            opts=child_opts(self, depends_on=[self.database]),
        )
        self.namespace = namespace.name
        self.database_name = self.database.database_name
        self.slug = tenant.slug
        self.deployed = _deployed(args, namespace.name)
        self.register_outputs({"namespace": self.namespace, "database": self.database_name})

    def _checked_server(self, args: ExternalTenantArgs) -> pulumi.Output[SharedDatabaseOutput]:
        """The shared server, once the platform's environment, residency and tenants agree with
        this tenant: the namespace, the database and everything after them wait for it."""
        platform, tenant = args.platform, args.tenant

        def check(values: list[Any]) -> SharedDatabaseOutput:
            environment, residency, hosted, server = values
            problems = [
                (
                    environment != args.environment,
                    f"environment is {environment!r}, not "
                    f"{args.environment!r} as this stack declares",
                ),
                (
                    residency != tenant.residency,
                    f"data residency is {residency!r}; tenant "
                    f"{tenant.slug!r} requires {tenant.residency!r}",
                ),
                (
                    tenant.slug in hosted,
                    f"already hosts a tenant {tenant.slug!r} (its namespace "
                    "and database would collide)",
                ),
            ]
            found = [message for failed, message in problems if failed]
            if found:
                raise ValueError(f"platform stack {platform.stack!r}: " + "; ".join(found))
            return server

        server = platform.shared_database_of(tenant.database_pool)
        return pulumi.Output.all(
            platform.environment, platform.residency, platform.tenants, server
        ).apply(check)

    def _odoo_args(
        self, args: ExternalTenantArgs, context: TenantContext, namespace: pulumi.Output[str]
    ) -> OdooTenantArgs:
        platform = args.platform
        backups, ingress = platform.shared_backups, platform.ingress
        return tenant_args(
            args.tenant,
            context,
            namespace=namespace,
            database_name=self.database.database_name,
            db_credentials_secret=self.database.credentials_secret_name,
            backup_bucket_name=backups["bucket_name"],
            backup_bucket_arn=backups["bucket_arn"],
            backup_kms_key_arn=backups["kms_key_arn"],
            efs_file_system_id=platform.file_system_id,
            oidc_provider_arn=platform.oidc_provider_arn,
            oidc_issuer_url=platform.oidc_issuer_url,
            database_cidrs=platform.database_cidrs,
            vpc_cidr=platform.vpc_cidr,
            traefik_namespace=ingress["namespace"],
            entry_point=ingress["entry_point"],
            cluster_issuer=_cluster_issuer(platform) if args.tls_from_platform else None,
            dns=(
                TenantDns(zone_id=_dns_zone(platform), target=ingress["load_balancer_hostname"])
                if args.dns_from_platform
                else None
            ),
            # the platform's SES logins belong to its own stack: here only the tenant's relay
            **relay_args(own_relay(args.tenant.mail) if args.tenant.mail else None),
        )


def tenant_stack_outputs(*tenants: ExternalTenant) -> pulumi.Output[dict[str, Any]]:
    """The stack's `tenants` output (`pulumi.export(TENANTS, ...)`): each tenant's entry by slug,
    which the next run's previous-deployment check reads."""
    return pulumi.Output.all(**{tenant.slug: tenant.deployed for tenant in tenants})


def _deployed(
    args: ExternalTenantArgs, namespace: pulumi.Output[str]
) -> pulumi.Output[TenantStackOutput]:
    tenant = args.tenant
    return pulumi.Output.all(
        tier=tenant.tier,
        state=tenant.state,
        size=tenant.size,
        odoo_version=tenant.odoo_version,
        hostnames=list(tenant.hostnames),
        namespace=namespace,
        database_server=str(ServerKey.of(tenant)),
        cache_pool=None,  # no Redis user (placement_problems)
        platform_stack=args.platform.stack,
    ).apply(lambda values: cast(TenantStackOutput, values))


def previous_deployment_issues(args: ExternalTenantArgs, tenants: object) -> list[ConfigIssue]:
    """What the tenant's configuration would break in what the last deployment (its `tenants`
    output, None if never deployed) runs: a pool move without `pool_migration`, an Odoo series
    change without a recorded migration (or a downgrade), another platform stack."""
    tenant = args.tenant
    issues = [
        pool_move_issue(tenant, deployed_servers(tenants).get(tenant.slug), TENANT_KEY),
        version_move_issue(tenant, deployed_versions(tenants).get(tenant.slug), TENANT_KEY),
    ]
    platform = deployed_platforms(tenants).get(tenant.slug)
    if platform is not None and platform != args.platform.stack:
        issues.append(
            ConfigIssue(
                "platform_stack",
                f"{args.platform.stack!r} but the last deployment placed tenant "
                f"{tenant.slug!r} on platform stack {platform!r}: the other platform's servers "
                "have no copy of its database or filestore. Keep platform_stack: "
                f"{platform!r}, or restore the tenant on the other platform and deploy it from "
                f"a new tenant stack ({RUNBOOK})",
            )
        )
    return [issue for issue in issues if issue is not None]


def _check_previous(args: ExternalTenantArgs, outputs: pulumi.Output[Any]) -> pulumi.Output[None]:
    """Fails the update on `previous_deployment_issues`; warns when the last deployment
    exported no entry for the tenant (a tenant stack from before the `tenants` output)."""
    slug = args.tenant.slug

    def check(previous: Any) -> None:
        previous = previous if isinstance(previous, dict) else {}
        tenants = previous.get(TENANTS)
        issues = previous_deployment_issues(args, tenants)
        if issues:
            raise pulumi.RunError(str(ConfigError(issues, f"stack {pulumi.get_stack()}")))
        if previous and not (isinstance(tenants, dict) and slug in tenants):
            pulumi.log.warn(
                f"stack {pulumi.get_stack()}: the last deployment exported no "
                f"{TENANTS}.{slug} output, so its database pool and Odoo series are not checked "
                "this time; export tenant_stack_outputs(...) as tenants (examples/tenant-stack)"
            )

    return outputs.apply(check)


def _cluster_issuer(platform: PlatformReference) -> pulumi.Output[str]:
    def present(issuer: str | None) -> str:
        if not issuer:
            raise MissingPlatformOutputError(
                f"platform stack {platform.stack!r} has no cert-manager cluster issuer: set "
                "tls_from_platform to false and provide certificates another way"
            )
        return issuer

    return platform.ingress["cluster_issuer"].apply(present)


def _dns_zone(platform: PlatformReference) -> pulumi.Output[str]:
    def present(zone_id: str | None) -> str:
        if not zone_id:
            raise MissingPlatformOutputError(
                f"platform stack {platform.stack!r} has no Route53 zone for tenant host names: "
                "set dns_from_platform to false and publish them another way"
            )
        return zone_id

    # a platform deployed before its ingress output had the key counts as having no zone
    return platform.ingress.apply(lambda ingress: present(ingress.get("dns_zone_id")))
