"""`OdooTenant`: one tenant's Odoo in its namespace (made by `TenantNamespace`).

The component only orders the builders of its package; each declares one concern, parented to
the component, and returns what later ones depend on. Kept in every state: network rules,
identities, secrets, the filestore and the scripts. Active and suspended tenants then get Odoo
(conf, init Job, web, cron and their ScaledObjects, resume Job, Service, ingress, backups); an
offboarded tenant gets its final backup only.
"""

from __future__ import annotations

import pulumi

from odoo_platform.components._shared.base import component_type, require_providers
from odoo_platform.components.odoo_tenant import autoscaling, backups, init_job, recovery, workloads
from odoo_platform.components.odoo_tenant.args import DrDrillArgs, OdooTenantArgs
from odoo_platform.components.odoo_tenant.credentials import declare_credentials
from odoo_platform.components.odoo_tenant.dns import declare_records
from odoo_platform.components.odoo_tenant.filestore import declare_filestore
from odoo_platform.components.odoo_tenant.identity import Identities, declare_identities
from odoo_platform.components.odoo_tenant.ingress import declare_ingress
from odoo_platform.components.odoo_tenant.network_policies import declare_network_policies
from odoo_platform.components.odoo_tenant.scope import FILESTORE_CLAIM, TenantScope
from odoo_platform.odoo.names import APP, CRON_DEPLOYMENT, WEB_DEPLOYMENT


class OdooTenant(pulumi.ComponentResource):
    """Odoo web and cron workloads, ingress, filestore and backups of one tenant."""

    namespace: pulumi.Output[str]
    service_name: str
    web_deployment_name: str
    cron_deployment_name: str
    init_job_name: str
    resume_job_name: str
    conf_hash: str
    backup_role_arn: pulumi.Output[str]
    admin_password: pulumi.Output[str]
    admin_login: str
    admin_login_password: pulumi.Output[str]
    access_point_id: pulumi.Output[str]
    filestore_claim_name: str
    final_backup_job_name: str | None
    dr_drill: DrDrillArgs | None

    def __init__(
        self, name: str, args: OdooTenantArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("OdooTenant"), name, None, opts)
        require_providers(self, "aws", "kubernetes")  # IRSA role and EFS access point: AWS
        scope = TenantScope(name, self, args)
        self.namespace = scope.namespace
        self.conf_hash = scope.conf_hash
        self.service_name = APP
        self.web_deployment_name = WEB_DEPLOYMENT
        self.cron_deployment_name = CRON_DEPLOYMENT
        self.filestore_claim_name = FILESTORE_CLAIM
        self.init_job_name = init_job.init_job_name(scope)
        self.resume_job_name = init_job.resume_job_name(scope)
        self.admin_login = args.admin_login or "admin"
        self.final_backup_job_name = (
            f"{APP}-final-backup-{args.offboarding_requested_on.replace('-', '')}"
            if args.offboarded and args.offboarding_requested_on
            else None
        )

        # drilled while Odoo runs (an offboarded tenant keeps only its final backup)
        self.dr_drill = args.dr_drill if self.final_backup_job_name is None else None
        declare_network_policies(scope)
        identities = declare_identities(scope)
        credentials = declare_credentials(scope, self.admin_login)
        filestore = declare_filestore(scope)
        scripts_map = backups.declare_scripts_map(scope)
        self.backup_role_arn = identities.backup_role_arn
        self.admin_password = credentials.admin_password
        self.admin_login_password = credentials.admin_login_password
        self.access_point_id = filestore.access_point_id
        ready: list[pulumi.Resource] = [identities.odoo, credentials.admin, filestore.claim]
        if self.final_backup_job_name is not None:
            backups.declare_final_backup(
                scope, self.final_backup_job_name, [scripts_map, identities.backup, *ready]
            )
        else:
            _declare_odoo(scope, identities, scripts_map, ready)
        self.register_outputs(
            {
                "namespace": self.namespace,
                "service_name": self.service_name,
                "conf_hash": self.conf_hash,
                "init_job_name": self.init_job_name,
                "backup_role_arn": self.backup_role_arn,
                "access_point_id": self.access_point_id,
                "admin_password": self.admin_password,
                "admin_login": self.admin_login,
                "admin_login_password": self.admin_login_password,
                "final_backup_job_name": self.final_backup_job_name,
            }
        )


def _declare_odoo(
    scope: TenantScope,
    identities: Identities,
    scripts_map: pulumi.Resource,
    ready: list[pulumi.Resource],
) -> None:
    """Odoo itself (active and suspended tenants): the Deployments wait for the init Job, the
    resume Job for the Deployments."""
    conf_map = workloads.declare_conf_map(scope, scope.conf_texts)
    # A standby's database is a read-only replica: no install or upgrade until failover.
    jobs: list[pulumi.Resource] = []
    if not scope.args.standby:
        before_job = [*ready, identities.backup, identities.upgrade, scripts_map]
        if scope.args.dr_restore_from is not None:
            before_job.append(
                recovery.declare_dr_restore_access(
                    scope, scope.args.dr_restore_from, identities.backup_role_name
                )
            )
        jobs.append(init_job.declare_init_job(scope, before_job))
    after_job = scope.opts(depends_on=[*jobs, *ready])
    web = workloads.declare_web(scope, conf_map.metadata.name, after_job)
    cron = workloads.declare_cron(scope, conf_map.metadata.name, after_job)
    autoscaling.declare_autoscaling(scope, web, cron)
    if not scope.args.standby:
        init_job.declare_resume_job(scope, [web, cron, identities.upgrade])
    workloads.declare_service(scope)
    declare_ingress(scope)
    if scope.args.dns is not None:
        declare_records(scope, scope.args.dns)
    backups.declare_backups(
        scope, [scripts_map, identities.backup, identities.restore_check, *ready]
    )
    if scope.args.dr_drill is not None:
        recovery.declare_dr_drill(scope, scope.args.dr_drill, [scripts_map, *ready])
