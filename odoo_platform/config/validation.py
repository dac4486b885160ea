"""Rules that span several keys: placement, residency, budgets, networks, retention, policy.

Each rule yields `ConfigIssue`s; `check(config)` runs them all so a stack file's problems are
reported together, before any resource is declared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from ipaddress import IPv4Network

from odoo_platform.config import (
    cache_pools,
    cost_controls,
    defaults,
    node_autoscaling,
    pools,
    recovery,
)
from odoo_platform.config import dr_site as dr_site_rules
from odoo_platform.config import mail as mail_rules
from odoo_platform.config import scaling as scaling_rules
from odoo_platform.config.capacity import connection_budgets, memory_budget
from odoo_platform.config.catalog import (
    BASE_TAG_KEYS,
    CACHE_INSTANCE_TYPES,
    EC2_INSTANCE_TYPES,
    RDS_INSTANCE_CLASSES,
    REGION_RESIDENCY,
    REPORT_ADDRESS_SPACE_MIB,
    UNBUILT_VERSIONS,
)
from odoo_platform.config.errors import ConfigIssue, key_path
from odoo_platform.config.lifecycle import runs_workloads as lifecycle_runs
from odoo_platform.config.models import (
    CertManagerTls,
    DatabaseConfig,
    EksClusterConfig,
    NodeGroupConfig,
    PlatformConfig,
    RedisConfig,
)
from odoo_platform.config.network import ACCOUNT_SUBNET_PREFIXES, SubnetPlanError, plan_subnets

Issues = Iterator[ConfigIssue]
Path = tuple[str | int, ...]
MIN_PROD_AZS = 3
MIN_BACKUP_WINDOW_MINUTES = 30


def unique_identities(config: PlatformConfig) -> Issues:
    slugs = Counter(t.slug for t in config.tenants)
    hosts = Counter(h for t in config.tenants for h in t.hostnames)
    for i, tenant in enumerate(config.tenants):
        if slugs[tenant.slug] > 1:
            yield ConfigIssue(
                key_path("tenants", i, "slug"),
                f"'{tenant.slug}' is used by {slugs[tenant.slug]} tenants; slugs must be unique",
            )
        for j, host in enumerate(tenant.hostnames):
            if hosts[host] > 1:
                yield ConfigIssue(
                    key_path("tenants", i, "hostnames", j),
                    f"'{host}' is used more than once; host names must be unique across tenants",
                )


def placement(config: PlatformConfig) -> Issues:
    for i, tenant in enumerate(config.tenants):
        if tenant.regulated and tenant.tier != "dedicated":
            yield ConfigIssue(
                key_path("tenants", i, "tier"),
                f"tenant '{tenant.slug}' is regulated, so its tier must be 'dedicated', "
                f"not '{tenant.tier}'",
            )
        if tenant.dedicated is not None and tenant.tier != "dedicated":
            yield ConfigIssue(
                key_path("tenants", i, "dedicated"),
                f"tenant '{tenant.slug}' is in the '{tenant.tier}' tier; dedicated overrides "
                "are allowed only with tier 'dedicated'",
            )


def residency(config: PlatformConfig) -> Issues:
    if dr_site_rules.outside_zone(config):
        return  # a DR site with a recorded transfer basis (checked by dr_site_rules)
    zone = REGION_RESIDENCY[config.region]
    if config.residency != zone:
        yield ConfigIssue(
            key_path("residency"),
            f"'{config.residency}' does not match region {config.region}, whose zone is '{zone}'",
        )
    for i, tenant in enumerate(config.tenants):
        if tenant.residency != zone:
            yield ConfigIssue(
                key_path("tenants", i, "residency"),
                f"tenant '{tenant.slug}' requires residency '{tenant.residency}' but region "
                f"{config.region} is in zone '{zone}'; place it in a stack of that zone",
            )


def network(config: PlatformConfig) -> Issues:
    lz = config.landing_zone
    if config.environment == "prod" and lz.availability_zones < MIN_PROD_AZS:
        yield ConfigIssue(
            key_path("landing_zone", "availability_zones"),
            f"{lz.availability_zones} is too few for prod; at least {MIN_PROD_AZS} are required",
        )
    try:
        plan_subnets(lz.vpc_cidr, lz.availability_zones, lz.subnet_prefixes.model_dump())
    except SubnetPlanError as error:
        yield ConfigIssue(key_path("landing_zone", "vpc_cidr"), str(error))


def own_accounts(config: PlatformConfig) -> Issues:
    """A tenant in its own account gets a VPC there, peered with the stack's: no overlaps."""
    taken: list[tuple[str, IPv4Network]] = [("landing_zone.vpc_cidr", config.landing_zone.vpc_cidr)]
    accounts: dict[str, str] = {}
    for i, tenant in enumerate(config.tenants):
        own = tenant.dedicated
        if own is None or (own.aws_account_role_arn is None and own.account_vpc_cidr is None):
            continue
        path = key_path("tenants", i, "dedicated", "account_vpc_cidr")
        cidr = own.account_vpc_cidr
        if own.aws_account_role_arn is None:
            yield ConfigIssue(
                path,
                f"'{cidr}' is set but aws_account_role_arn is not; the account VPC exists only "
                "for a tenant in its own account",
            )
            continue
        if cidr is None:
            yield ConfigIssue(
                path,
                f"tenant '{tenant.slug}' is in its own account, so it needs a VPC there: set a "
                f"private CIDR of /20 or larger that overlaps none of {_cidrs(taken)}",
            )
            continue
        account = own.aws_account_role_arn.split(":")[4]
        if account in accounts:
            yield ConfigIssue(
                key_path("tenants", i, "dedicated", "aws_account_role_arn"),
                f"account {account} already hosts tenant '{accounts[account]}'; one tenant per "
                "own account (its VPC and IAM OIDC provider are the tenant's)",
            )
        accounts[account] = tenant.slug
        clash = next((name for name, other in taken if cidr.overlaps(other)), None)
        if clash is not None:
            yield ConfigIssue(
                path,
                f"'{cidr}' overlaps {clash}; peered VPCs need disjoint ranges: choose one "
                f"outside {_cidrs(taken)}",
            )
        try:
            plan_subnets(cidr, config.landing_zone.availability_zones, ACCOUNT_SUBNET_PREFIXES)
        except SubnetPlanError as error:
            yield ConfigIssue(path, f"'{cidr}' is too small: {error}")
        taken.append((f"tenant '{tenant.slug}' account_vpc_cidr", cidr))


def _cidrs(taken: list[tuple[str, IPv4Network]]) -> str:
    return ", ".join(f"{cidr} ({name})" for name, cidr in taken)


def _budget_path(config: PlatformConfig, slug: str) -> str:
    index = next(i for i, t in enumerate(config.tenants) if t.slug == slug)
    return key_path("tenants", index, "dedicated", "database", "max_connections")


def connection_budget(config: PlatformConfig) -> Issues:
    for budget in connection_budgets(config):
        if budget.fits:
            continue
        if budget.server.is_shared:
            yield pools.budget_issue(config, budget)
        else:
            detail = ", ".join(f"{t.slug}={t.worst_case}" for t in budget.tenants)
            yield ConfigIssue(
                _budget_path(config, str(budget.server.tenant)),
                f"database server '{budget.server}' needs {budget.total} connections "
                f"({detail}, reserved={budget.reserved}) but max_connections is "
                f"{budget.max_connections}; use a larger instance class, set max_connections, "
                "lower db_maxconn or move tenants",
            )


def memory(config: PlatformConfig) -> Issues:
    for i, tenant in enumerate(config.tenants):
        budget = memory_budget(tenant)
        path = key_path("tenants", i, "size")
        if not budget.fits:
            yield ConfigIssue(
                path,
                f"tenant '{tenant.slug}': a fully busy pod keeps about {budget.resident_mib} MiB "
                f"resident (web {budget.web_resident_mib}, cron {budget.cron_resident_mib}) but "
                f"the pod memory limit is {budget.pod_limit_mib} MiB",
            )
        if not budget.prints_reports:
            yield ConfigIssue(
                path,
                f"tenant '{tenant.slug}': limit_memory_hard {budget.limit_memory_hard_mib} MiB "
                "caps each process's address space, which wkhtmltopdf inherits: PDF reports "
                f"crash below {REPORT_ADDRESS_SPACE_MIB} MiB (docs/capacity.md)",
            )
        if not budget.soft_below_hard:
            yield ConfigIssue(
                path,
                f"tenant '{tenant.slug}': limit_memory_soft {budget.limit_memory_soft_mib} MiB "
                f"must be below limit_memory_hard {budget.limit_memory_hard_mib} MiB",
            )


SESSIONS_IN_REDIS_REFUSED = (
    "true is not supported: the official odoo image ships neither the session_redis module nor "
    "the redis package (upstream has the module for 16.0 and 17.0 only), so Odoo would log a "
    "warning and keep sessions on the filestore anyway; use false (sessions on the shared "
    "filestore, which every web pod mounts)"
)


def migrations(config: PlatformConfig) -> Issues:
    for i, tenant in enumerate(config.tenants):
        migration = tenant.migration
        if migration is not None and _series(migration.from_version) >= _series(
            tenant.odoo_version
        ):
            yield ConfigIssue(
                key_path("tenants", i, "migration", "from_version"),
                f"{migration.from_version} must be an older series than odoo_version "
                f"{tenant.odoo_version}",
            )


def _series(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def sessions(config: PlatformConfig) -> Issues:
    for i, tenant in enumerate(config.tenants):
        if tenant.sessions_in_redis:
            yield ConfigIssue(
                key_path("tenants", i, "sessions_in_redis"), SESSIONS_IN_REDIS_REFUSED
            )


def backups(config: PlatformConfig) -> Issues:
    retention = defaults.automated_backup_retention_days(config)
    env = defaults.env_defaults(config)
    if not env.min_automated_backup_retention_days <= retention <= 35:
        yield ConfigIssue(
            key_path("backup", "automated_backup_retention_days"),
            f"{retention} days is not allowed in {config.environment}; allowed: "
            f"{env.min_automated_backup_retention_days} to 35 days",
        )
    mode = defaults.immutability(config)
    daily = config.backup.daily_retention_days
    if mode != "none" and config.backup.immutability_days > daily:
        yield ConfigIssue(
            key_path("backup", "immutability_days"),
            f"Object Lock retention of {config.backup.immutability_days} days outlives the "
            f"daily backups' expiry after {daily} days, so the lifecycle rule could never "
            f"delete them; use at most {daily} days",
        )
    if config.environment == "prod" and mode == "none":
        yield ConfigIssue(
            key_path("backup", "immutability"),
            "'none' is not allowed in prod; allowed: 'governance' or 'compliance'",
        )


def _databases(config: PlatformConfig) -> Iterator[tuple[Path, DatabaseConfig]]:
    """Every database setting block with its key path: shared, dedicated defaults, overrides."""
    yield ("multi_tenant", "database"), config.multi_tenant.database
    for name, pool in config.multi_tenant.database_pools.items():
        yield ("multi_tenant", "database_pools", name), pool
    yield ("dedicated_defaults", "database"), config.dedicated_defaults.database
    for i, tenant in enumerate(config.tenants):
        if tenant.dedicated and tenant.dedicated.database:
            yield ("tenants", i, "dedicated", "database"), tenant.dedicated.database


def _caches(config: PlatformConfig) -> Iterator[tuple[Path, RedisConfig]]:
    yield ("multi_tenant", "redis"), config.multi_tenant.redis
    for name, pool in config.multi_tenant.cache_pools.items():
        yield ("multi_tenant", "cache_pools", name), pool
    yield ("dedicated_defaults", "redis"), config.dedicated_defaults.redis
    for i, tenant in enumerate(config.tenants):
        if tenant.dedicated and tenant.dedicated.redis:
            yield ("tenants", i, "dedicated", "redis"), tenant.dedicated.redis


def _node_groups(config: PlatformConfig) -> Iterator[tuple[Path, NodeGroupConfig]]:
    yield ("dedicated_defaults", "node_group"), config.dedicated_defaults.node_group
    if isinstance(config.cluster, EksClusterConfig):
        yield ("cluster", "node_groups", "system"), config.cluster.node_groups.system
        yield ("cluster", "node_groups", "shared"), config.cluster.node_groups.shared
    for i, tenant in enumerate(config.tenants):
        if tenant.dedicated and tenant.dedicated.node_group:
            yield ("tenants", i, "dedicated", "node_group"), tenant.dedicated.node_group


def _prod_database(path: Path, database: DatabaseConfig) -> Issues:
    if database.multi_az is False:
        yield ConfigIssue(
            key_path(*path, "multi_az"), "false is not allowed in prod; Multi-AZ is required"
        )
    if database.deletion_protection is False:
        yield ConfigIssue(
            key_path(*path, "deletion_protection"),
            "false is not allowed in prod; deletion protection is required",
        )


def prod_guardrails(config: PlatformConfig) -> Issues:
    """Prod may tune defaults but never switch off availability or protection."""
    if config.environment != "prod":
        return
    for path, database in _databases(config):
        yield from _prod_database(path, database)
    if config.disaster_recovery is None and config.dr_site is None:
        yield ConfigIssue(
            key_path("disaster_recovery"),
            "is missing; prod stacks must name a DR mode and a DR region",
        )
    if defaults.traefik_replicas(config) < 2 and not defaults.warm_standby(config):
        yield ConfigIssue(
            key_path("shared_services", "traefik", "replicas"),
            f"{defaults.traefik_replicas(config)} is too few for prod; at least 2 are required",
        )


def disaster_recovery(config: PlatformConfig) -> Issues:
    dr = config.disaster_recovery
    if dr is None:
        return
    if dr.dr_region == config.region:
        yield ConfigIssue(
            key_path("disaster_recovery", "dr_region"),
            f"'{dr.dr_region}' is the stack's own region; the DR region must be another one",
        )
    outside = REGION_RESIDENCY[dr.dr_region] != config.residency
    if outside and dr.transfer_basis is None:
        yield ConfigIssue(
            key_path("disaster_recovery", "dr_region"),
            f"'{dr.dr_region}' is in zone '{REGION_RESIDENCY[dr.dr_region]}', outside the "
            f"stack's residency zone '{config.residency}'; backups must stay in the zone, "
            "unless disaster_recovery.transfer_basis records the legal basis for the transfer",
        )
    if not outside and dr.transfer_basis is not None:
        yield ConfigIssue(
            key_path("disaster_recovery", "transfer_basis"),
            f"is set but '{dr.dr_region}' is inside the residency zone '{config.residency}'; "
            "allowed only for a DR region outside the zone",
        )


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _window(text: str) -> tuple[int, int]:
    """A daily window `HH:MM-HH:MM` as minutes, with an end past midnight moved by a day."""
    start, end = (_minutes(part[-5:]) for part in text.split("-"))
    return start, end if end > start else end + 24 * 60


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    day = 24 * 60
    return any(a[0] < b[1] + shift and b[0] + shift < a[1] for shift in (-day, 0, day))


def _windows(path: Path, database: DatabaseConfig) -> Issues:
    backup = _window(database.backup_window)
    if backup[1] - backup[0] < MIN_BACKUP_WINDOW_MINUTES:
        yield ConfigIssue(
            key_path(*path, "backup_window"),
            f"'{database.backup_window}' is shorter than the {MIN_BACKUP_WINDOW_MINUTES} "
            "minutes RDS requires",
        )
    if _overlaps(backup, _window(database.maintenance_window)):
        yield ConfigIssue(
            key_path(*path, "maintenance_window"),
            f"'{database.maintenance_window}' overlaps the backup window "
            f"'{database.backup_window}'; RDS requires them apart",
        )


def database_windows(config: PlatformConfig) -> Issues:
    for path, database in _databases(config):
        yield from _windows(path, database)


def database_storage(config: PlatformConfig) -> Issues:
    """Storage autoscaling grows up to max_allocated_storage_gib; below the start it is refused."""
    for path, database in _databases(config):
        if database.max_allocated_storage_gib < database.allocated_storage_gib:
            yield ConfigIssue(
                key_path(*path, "max_allocated_storage_gib"),
                f"{database.max_allocated_storage_gib} GiB is below allocated_storage_gib "
                f"{database.allocated_storage_gib} GiB; it must be at least that",
            )


def _offered(path: Path, kind: str, value: str, offered: frozenset[str], region: str) -> Issues:
    if value not in offered:
        yield ConfigIssue(
            key_path(*path),
            f"'{value}' is not offered as {kind} in {region} (odoo_platform/data/"
            "instance_types.json); choose one the region offers",
        )


def instance_types(config: PlatformConfig) -> Issues:
    """Every server and node type exists in the stack's region (a tenant's own account too)."""
    region = config.region
    for path, database in _databases(config):
        yield from _offered(
            (*path, "instance_class"),
            "an RDS for PostgreSQL class",
            database.instance_class,
            RDS_INSTANCE_CLASSES[region],
            region,
        )
    for path, cache in _caches(config):
        yield from _offered(
            (*path, "node_type"),
            "an ElastiCache node type",
            cache.node_type,
            CACHE_INSTANCE_TYPES[region],
            region,
        )
    for path, group in _node_groups(config):
        for j, name in enumerate(group.instance_types):
            yield from _offered(
                (*path, "instance_types", j),
                "an EC2 instance type",
                name,
                EC2_INSTANCE_TYPES[region],
                region,
            )


def lifecycle(config: PlatformConfig) -> Issues:
    for i, tenant in enumerate(config.tenants):
        if tenant.state == "offboarded" and tenant.offboarding is None:
            yield ConfigIssue(
                key_path("tenants", i, "offboarding"),
                f"tenant '{tenant.slug}' is offboarded but has no offboarding block; add "
                "offboarding.requested_on (and purge_after only to delete its data)",
            )
        if tenant.offboarding is not None and tenant.state != "offboarded":
            yield ConfigIssue(
                key_path("tenants", i, "offboarding"),
                f"is set but the state is '{tenant.state}'; allowed only with state 'offboarded'",
            )
        off = tenant.offboarding
        if off and off.purge_after and off.purge_after <= off.requested_on:
            yield ConfigIssue(
                key_path("tenants", i, "offboarding", "purge_after"),
                f"{off.purge_after} must be after requested_on {off.requested_on}",
            )


def governance(config: PlatformConfig) -> Issues:
    for i, window in enumerate(config.governance.freeze_windows):
        dated = window.start is not None or window.end is not None
        monthly = window.last_days_of_month or window.first_days_of_month
        if dated == bool(monthly) or (dated and (window.start is None or window.end is None)):
            yield ConfigIssue(
                key_path("governance", "freeze_windows", i),
                f"window '{window.name}' must set either start and end, or "
                "last_days_of_month/first_days_of_month",
            )
        elif window.start and window.end and window.end < window.start:
            yield ConfigIssue(
                key_path("governance", "freeze_windows", i, "end"),
                f"{window.end} is before start {window.start}",
            )
    available = {*BASE_TAG_KEYS, *config.tags}
    for i, key in enumerate(config.governance.required_tag_keys):
        if key not in available:
            yield ConfigIssue(
                key_path("governance", "required_tag_keys", i),
                f"'{key}' is required but no tag sets it; add it under platform.tags "
                f"(tags set automatically: {', '.join(BASE_TAG_KEYS)})",
            )


def host_names(config: PlatformConfig) -> Issues:
    tls = config.shared_services.tls
    if not isinstance(tls, CertManagerTls):
        return
    for i, tenant in enumerate(config.tenants):
        for j, host in enumerate(tenant.hostnames):
            if not host.endswith("." + tls.route53_zone_name):
                yield ConfigIssue(
                    key_path("tenants", i, "hostnames", j),
                    f"'{host}' is outside the Route53 zone '{tls.route53_zone_name}' that "
                    "cert-manager and the DNS records use",
                )


def node_groups(config: PlatformConfig) -> Issues:
    for path, group in _node_groups(config):
        desired = group.desired_size if group.desired_size is not None else group.min_size
        if not group.min_size <= desired <= group.max_size:
            yield ConfigIssue(
                key_path(*path),
                f"sizes must satisfy min_size <= desired_size <= max_size, got "
                f"{group.min_size} <= {desired} <= {group.max_size}",
            )


def database_identifiers(config: PlatformConfig) -> Issues:
    """An identifier names one server: the dedicated defaults apply to every dedicated tenant."""
    for key in ("identifier", "replica_identifier"):
        if getattr(config.dedicated_defaults.database, key) is not None:
            yield ConfigIssue(
                key_path("dedicated_defaults", "database", key),
                "would name every dedicated tenant's server alike; set it on one tenant "
                "(tenants[<i>].dedicated.database." + key + ")",
            )


def cluster_access(config: PlatformConfig) -> Issues:
    """EKS makes no one admin by itself: the program applies Kubernetes objects as a listed role."""
    if isinstance(config.cluster, EksClusterConfig) and not config.cluster.admin_role_arns:
        yield ConfigIssue(
            key_path("cluster", "admin_role_arns"),
            "is empty; with mode eks list at least the IAM role that runs `pulumi up` (it applies "
            "the Kubernetes objects), e.g. arn:aws:iam::<account>:role/<deployer>: the cluster "
            "creator is not made an administrator",
        )


RULES: tuple[Callable[[PlatformConfig], Issues], ...] = (
    unique_identities,
    placement,
    residency,
    network,
    own_accounts,
    pools.issues,
    cache_pools.issues,
    connection_budget,
    memory,
    migrations,
    sessions,
    backups,
    prod_guardrails,
    disaster_recovery,
    dr_site_rules.issues,
    database_windows,
    database_storage,
    instance_types,
    lifecycle,
    governance,
    host_names,
    node_groups,
    mail_rules.issues,
    node_autoscaling.issues,
    scaling_rules.issues,
    cluster_access,
    database_identifiers,
    recovery.objectives,
    cost_controls.issues,
)


def check(config: PlatformConfig) -> list[ConfigIssue]:
    return [issue for rule in RULES for issue in rule(config)]


def warnings(config: PlatformConfig) -> list[ConfigIssue]:
    """What is allowed but should be fixed soon: Odoo series upstream no longer builds."""
    return [
        ConfigIssue(
            key_path("tenants", i, "odoo_version"),
            f"tenant '{tenant.slug}' runs {tenant.odoo_version}: "
            f"{UNBUILT_VERSIONS[tenant.odoo_version]}; its image gets no fixes, plan the "
            "migration (docs/runbooks/odoo-tenant.md)",
        )
        for i, tenant in enumerate(config.tenants)
        if tenant.odoo_version in UNBUILT_VERSIONS and lifecycle_runs(tenant)
    ]
