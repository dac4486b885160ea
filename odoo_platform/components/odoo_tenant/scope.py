"""What every builder of one tenant shares: its object names, labels and rendered `odoo.conf`.

Kubernetes objects are given as camelCase dicts, exactly as the manifests read; the SDK passes
them through (its TypedDict annotations describe the snake_case form, hence `k8s_value`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Unpack

import pulumi

from odoo_platform.components._shared.base import ChildOptions, child_opts
from odoo_platform.components.odoo_tenant.args import OdooTenantArgs
from odoo_platform.config.catalog import LABEL_TENANT
from odoo_platform.config.tenant_pods import PodResources
from odoo_platform.odoo import conf as odoo_conf
from odoo_platform.odoo.names import APP

Manifest = dict[str, Any]

CONF_DIR = "/etc/odoo-platform"
RUN_DIR = "/run/odoo"
RENDERED_CONF = f"{RUN_DIR}/odoo.conf"
CONF_HASH_ANNOTATION = "odoo-platform.io/config-hash"
INIT_HASH_ANNOTATION = "odoo-platform.io/init-hash"
FILESTORE_CLAIM = f"{APP}-filestore"
ADMIN_SECRET = f"{APP}-admin"
SMTP_SECRET = f"{APP}-smtp"
BACKUP_SCRIPTS_MAP = f"{APP}-backup-scripts"
# Identities: Odoo (web, cron, the init Job's Odoo) has no AWS role; the backup writer may only
# write its prefixes; the restore check may only read them; the upgrade Jobs back up and scale.
BACKUP_SA = f"{APP}-backup"
RESTORE_CHECK_SA = f"{APP}-restore-check"
UPGRADE_SA = f"{APP}-upgrade"
# The DR drill reads the DR-region copy, writes its results and publishes its metric only.
DR_DRILL_SA = f"{APP}-dr-drill"
WORK_DIR = "/work"


def k8s_value(value: Any) -> Any:
    """A camelCase manifest fragment handed to pulumi-kubernetes as is."""
    return value


def init_job_hash(image: str, addons: Sequence[str]) -> str:
    """What makes the init/upgrade Job run again: the image and the module list, nothing else."""
    payload = json.dumps({"image": image, "addons": sorted(set(addons))}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class TenantScope:
    """One tenant as its builders see it: `name` prefixes every resource name, `parent` (the
    `OdooTenant`) parents every resource, `args` are the tenant's settings."""

    name: str
    parent: pulumi.Resource
    args: OdooTenantArgs

    @cached_property
    def namespace(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self.args.namespace)

    @cached_property
    def conf(self) -> odoo_conf.OdooConf:
        args = self.args
        return odoo_conf.OdooConf.from_profile(
            args.odoo_version, args.database_name, args.profile, smtp=args.smtp
        )

    @cached_property
    def conf_texts(self) -> dict[str, str]:
        """`odoo.conf` of each role: web, cron and the init/upgrade Job."""
        return {role: odoo_conf.render(self.conf, role) for role in ("web", "cron", "job")}

    @cached_property
    def conf_hash(self) -> str:
        return odoo_conf.conf_hash(*self.conf_texts.values())

    @property
    def traits(self) -> odoo_conf.VersionTraits:
        return odoo_conf.traits(self.args.odoo_version)

    @property
    def init_hash(self) -> str:
        return init_job_hash(self.args.image, self.args.addons)

    @property
    def labels(self) -> dict[str, str]:
        return {**self.args.k8s_labels, LABEL_TENANT: self.args.slug}

    def opts(
        self, *, protect: bool = False, **kwargs: Unpack[ChildOptions]
    ) -> pulumi.ResourceOptions:
        return child_opts(self.parent, protect=protect, **kwargs)

    def metadata(self, object_name: str, component: str | None = None, **extra: Any) -> Manifest:
        labels = self.labels
        if component is not None:
            labels.update(self.selector(component))
        return {"name": object_name, "namespace": self.namespace, "labels": labels, **extra}

    def selector(self, component: str | None = None) -> dict[str, str]:
        selector = {"app.kubernetes.io/name": APP, "app.kubernetes.io/instance": self.args.slug}
        if component is not None:
            selector["app.kubernetes.io/component"] = component
        return selector

    def placed(self, spec: Manifest) -> Manifest:
        """`spec` with the tenant's node selector and tolerations (a dedicated tenant's nodes)."""
        if self.args.node_selector:
            spec["nodeSelector"] = dict(self.args.node_selector)
        if self.args.tolerations:
            spec["tolerations"] = [dict(t) for t in self.args.tolerations]
        return spec


def tcp(*ports: int) -> list[Manifest]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def secret_env(name: str, secret: pulumi.Input[str], key: str) -> Manifest:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def resources(size: PodResources) -> Manifest:
    """A container's resources; the sizes live in `config.tenant_pods`, which the namespace's
    quota adds up."""
    return {
        "requests": {"cpu": f"{size.cpu_request_m}m", "memory": f"{size.memory_request_mib}Mi"},
        "limits": {"cpu": f"{size.cpu_limit_m}m", "memory": f"{size.memory_limit_mib}Mi"},
    }
