"""`PlatformReference`: another stack's typed view of a platform stack's outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.config.models import DEFAULT_POOL
from odoo_platform.platform.outputs import (
    OUTPUT_NAMES,
    PlatformIngressOutput,
    SharedBackupsOutput,
    SharedCacheOutput,
    SharedDatabaseOutput,
)
from odoo_platform.platform.tiers import (
    HostedTenantOutput,
)


class MissingPlatformOutputError(KeyError):
    """The referenced platform stack does not export an output this stack needs."""

    def __str__(self) -> str:
        return str(self.args[0])


class PlatformReference:
    """Typed access to a platform stack's outputs from another stack (`StackReference`).

    `PlatformReference("platform", "acme/odoo-platform/prod-eu-west-1")`: the names are those of
    `PlatformOutputs`, so they cannot drift from what the platform exports: an accessor or
    `output()` with a name the platform does not export raises at once.
    """

    def __init__(self, name: str, stack: str, opts: pulumi.ResourceOptions | None = None) -> None:
        self.stack = stack
        self._reference = pulumi.StackReference(name, stack_name=stack, opts=opts)

    def output(self, name: str) -> pulumi.Output[Any]:
        """Any output by name (None if the stack does not export it); unknown names raise."""
        if name not in OUTPUT_NAMES:
            raise KeyError(f"{name!r} is not a platform output; known: {', '.join(OUTPUT_NAMES)}")
        return self._reference.get_output(name)

    def require(self, name: str) -> pulumi.Output[Any]:
        """An output the referenced stack must export; if it does not, the update fails with a
        message naming the stack and the output. Secret outputs stay secret."""
        stack = self.stack

        def present(value: Any) -> Any:
            if value is None:
                raise MissingPlatformOutputError(
                    f"platform stack {stack!r} exports no {name!r} output: deploy it (or a "
                    f"version of odoo-platform that exports it) before this stack"
                    + (
                        "; it is exported only when the platform has a shared (multi-tenant) tier"
                        if name.startswith("shared_")
                        else ""
                    )
                )
            return value

        return self.output(name).apply(present)

    @property
    def kubeconfig(self) -> pulumi.Output[str]:
        return pulumi.Output.secret(self.require("kubeconfig"))

    @property
    def environment(self) -> pulumi.Output[str]:
        return self.require("environment")

    @property
    def region(self) -> pulumi.Output[str]:
        return self.require("region")

    @property
    def residency(self) -> pulumi.Output[str]:
        return self.require("residency")

    @property
    def kubernetes_version(self) -> pulumi.Output[str]:
        return self.require("kubernetes_version")

    @property
    def oidc_provider_arn(self) -> pulumi.Output[str]:
        return self.require("oidc_provider_arn")

    @property
    def oidc_issuer_url(self) -> pulumi.Output[str]:
        return self.require("oidc_issuer_url")

    @property
    def vpc_cidr(self) -> pulumi.Output[str]:
        return self.require("vpc_cidr")

    @property
    def database_cidrs(self) -> pulumi.Output[list[str]]:
        return self.require("database_cidrs")

    @property
    def file_system_id(self) -> pulumi.Output[str]:
        return self.require("file_system_id")

    @property
    def ingress(self) -> pulumi.Output[PlatformIngressOutput]:
        return self.require("ingress")

    @property
    def shared_database(self) -> pulumi.Output[SharedDatabaseOutput]:
        return self.require("shared_database")

    def shared_database_of(self, pool: str | None) -> pulumi.Output[SharedDatabaseOutput]:
        """The shared server of database pool `pool` (None or `default`: `shared_database`);
        a pool the platform does not export fails the update, naming the pools it has."""
        name = pool or DEFAULT_POOL
        if name == DEFAULT_POOL:
            return self.shared_database
        stack = self.stack

        def pick(servers: dict[str, SharedDatabaseOutput] | None) -> SharedDatabaseOutput:
            if not servers:
                raise MissingPlatformOutputError(
                    f"platform stack {stack!r} exports no 'shared_databases' output, so only "
                    f"the default database pool: database_pool '{name}' needs a platform "
                    "deployed with a version of odoo-platform that exports its pools"
                )
            if name not in servers:
                raise MissingPlatformOutputError(
                    f"platform stack {stack!r} has no database pool '{name}'; its pools: "
                    f"{', '.join(sorted(servers))}"
                )
            return servers[name]

        return self.output("shared_databases").apply(pick)

    @property
    def shared_cache(self) -> pulumi.Output[SharedCacheOutput]:
        return self.require("shared_cache")

    @property
    def shared_backups(self) -> pulumi.Output[SharedBackupsOutput]:
        return self.require("shared_backups")

    @property
    def tenants(self) -> pulumi.Output[dict[str, HostedTenantOutput]]:
        return self.require("tenants")

    def kubernetes_provider(
        self, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> k8s.Provider:
        """A Kubernetes provider for the platform's cluster, from its (secret) kubeconfig."""
        return k8s.Provider(name, kubeconfig=self.kubeconfig, opts=opts)

    def aws_provider(
        self,
        name: str,
        default_tags: Mapping[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> aws.Provider:
        """An AWS provider in the platform's region (credentials from this stack's environment),
        tagging what it creates with `default_tags` (owner, cost centre, environment, ...)."""
        tags = aws.ProviderDefaultTagsArgs(tags=dict(default_tags)) if default_tags else None
        return aws.Provider(name, region=self.region, default_tags=tags, opts=opts)
