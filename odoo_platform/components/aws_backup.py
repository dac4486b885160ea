"""`BackupPlan`: AWS Backup for the RDS servers and the EFS file systems, copied to the DR region.

Resources join the plan by tag (`BackupPlan=<selection value>`, see `TAG_BACKUP_PLAN`), so adding a
tenant's server or file system changes nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pulumi
import pulumi_aws as aws

from odoo_platform.components._shared.base import (
    Between,
    Slug,
    TierLabel,
    check_args,
    child_opts,
    component_type,
)
from odoo_platform.components._shared.iam import service_trust_policy
from odoo_platform.components.backup_layout import ImmutabilityMode, retention_days
from odoo_platform.config.catalog import DEFAULT_BACKUP_PLAN, TAG_BACKUP_PLAN
from odoo_platform.config.services import BackupPolicy
from odoo_platform.config.tags import PLATFORM_TIER, resource_tags

BACKUP_SERVICE_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)
PROTECTED_RESOURCE_ARNS = ("arn:aws:rds:*:*:db:*", "arn:aws:elasticfilesystem:*:*:file-system/*")
# Compliance-mode vault lock becomes immutable after this grace period (AWS minimum: 3 days).
COMPLIANCE_GRACE_DAYS = 3
START_WINDOW_MINUTES = 60
COMPLETION_WINDOW_MINUTES = 8 * 60


def schedules(rpo_hours: int, hour_utc: int) -> dict[str, str]:
    """AWS Backup cron expressions: the daily class runs every RPO period, others once."""
    if rpo_hours >= 24:
        daily = f"cron(0 {hour_utc} * * ? *)"
    else:
        daily = f"cron(0 {hour_utc % rpo_hours}/{rpo_hours} * * ? *)"
    return {
        "daily": daily,
        "weekly": f"cron(0 {hour_utc} ? * SUN *)",
        "monthly": f"cron(0 {hour_utc} 1 * ? *)",
    }


def kept_classes(policy: BackupPolicy) -> dict[str, int]:
    """Retention in days of each class the policy keeps (weekly/monthly may be switched off)."""
    return {name: days for name, days in retention_days(policy).items() if days > 0}


@dataclass(frozen=True)
class BackupPlanArgs:
    policy: BackupPolicy
    """The stack's `backup` policy: RPO (how often the daily rule runs) and how long daily, weekly
    and monthly recovery points are kept (a class with 0 is not scheduled)."""
    kms_key_arn: pulumi.Input[str]
    """KMS key that encrypts the backup vault (the landing zone's `backups` key)."""
    immutability: ImmutabilityMode = "none"
    """Vault Lock: `compliance` locks it for good after a 3-day grace period, `governance` can be
    lifted by privileged users, `none` leaves it unlocked."""
    protect: bool = False
    """Pulumi `protect` on the vaults and their locks (prod: true), so no update can delete them."""
    dr_provider: pulumi.ProviderResource | None = None
    """AWS provider of the DR region; with `dr_kms_key_arn`, a vault there receives a copy of every
    recovery point (both or neither)."""
    dr_kms_key_arn: pulumi.Input[str] | None = None
    """KMS key in the DR region for the DR vault; set together with `dr_provider`."""
    selection_value: str = DEFAULT_BACKUP_PLAN
    """Value of the `BackupPlan` tag by which the plan selects RDS instances and EFS
    file systems."""
    schedule_hour_utc: Annotated[int, Between(0, 23)] = 5
    """Hour (UTC) at which the backup rules start; sub-daily RPOs repeat from it."""
    tier: TierLabel = PLATFORM_TIER
    """The `Tier` tag of every resource: `platform`, `shared` or `dedicated`."""
    tenant: Slug | None = None
    """The tenant slug tagged on every resource (`Tenant`); None for the platform's
    own."""

    def __post_init__(self) -> None:
        check_args(self)


def _check(args: BackupPlanArgs) -> None:
    if (args.dr_provider is None) != (args.dr_kms_key_arn is None):
        raise ValueError("DR copies need both dr_provider and dr_kms_key_arn")
    if not 0 <= args.schedule_hour_utc <= 23:
        raise ValueError(f"schedule_hour_utc={args.schedule_hour_utc}: use 0 to 23")


class BackupPlan(pulumi.ComponentResource):
    """Vault (locked in prod), daily/weekly/monthly rules, tag selection, DR vault copies."""

    vault_name: pulumi.Output[str]
    vault_arn: pulumi.Output[str]
    plan_id: pulumi.Output[str]
    dr_vault_arn: pulumi.Output[str] | None
    selection_tag: dict[str, str]

    def __init__(
        self, name: str, args: BackupPlanArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("BackupPlan"), name, None, opts)
        _check(args)
        self._name, self._args = name, args
        self._tags = resource_tags(args.tier, args.tenant)
        self._retention = kept_classes(args.policy)
        vault = self._vault(f"{name}-vault", args.kms_key_arn, None)
        self.vault_name, self.vault_arn = vault.name, vault.arn
        self.dr_vault_arn = None
        if args.dr_provider is not None and args.dr_kms_key_arn is not None:
            self.dr_vault_arn = self._vault(
                f"{name}-dr-vault", args.dr_kms_key_arn, args.dr_provider
            ).arn
        plan = aws.backup.Plan(
            f"{name}-plan",
            rules=self._rules(vault),
            tags=self._tags,
            opts=child_opts(self),
        )
        self.plan_id = plan.id
        self.selection_tag = {TAG_BACKUP_PLAN: args.selection_value}
        self._selection(plan)
        self.register_outputs(
            {
                "vault_name": self.vault_name,
                "vault_arn": self.vault_arn,
                "plan_id": self.plan_id,
                "dr_vault_arn": self.dr_vault_arn,
                "selection_tag": self.selection_tag,
            }
        )

    def _vault(
        self, name: str, kms_key_arn: pulumi.Input[str], provider: pulumi.ProviderResource | None
    ) -> aws.backup.Vault:
        vault = aws.backup.Vault(
            name,
            kms_key_arn=kms_key_arn,
            force_destroy=False,
            tags=self._tags,
            opts=child_opts(self, protect=self._args.protect, provider=provider),
        )
        if self._args.immutability != "none":
            compliance = self._args.immutability == "compliance"
            aws.backup.VaultLockConfiguration(
                f"{name}-lock",
                backup_vault_name=vault.name,
                min_retention_days=min(self._retention.values()),
                max_retention_days=max(self._retention.values()),
                changeable_for_days=COMPLIANCE_GRACE_DAYS if compliance else None,
                opts=child_opts(self, protect=self._args.protect, provider=provider),
            )
        return vault

    def _rules(self, vault: aws.backup.Vault) -> list[aws.backup.PlanRuleArgs]:
        crons = schedules(self._args.policy.rpo_hours, self._args.schedule_hour_utc)
        return [
            aws.backup.PlanRuleArgs(
                rule_name=retention_class,
                target_vault_name=vault.name,
                schedule=crons[retention_class],
                start_window=START_WINDOW_MINUTES,
                completion_window=COMPLETION_WINDOW_MINUTES,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=days),
                recovery_point_tags={**self._tags, "RetentionClass": retention_class},
                copy_actions=self._copies(days),
            )
            for retention_class, days in self._retention.items()
        ]

    def _copies(self, days: int) -> list[aws.backup.PlanRuleCopyActionArgs] | None:
        if self.dr_vault_arn is None:
            return None
        return [
            aws.backup.PlanRuleCopyActionArgs(
                destination_vault_arn=self.dr_vault_arn,
                lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(delete_after=days),
            )
        ]

    def _selection(self, plan: aws.backup.Plan) -> None:
        """RDS instances and EFS file systems carrying the plan's tag (AND of type and tag)."""
        role = aws.iam.Role(
            f"{self._name}-role",
            description=f"AWS Backup service role of {self._name}",
            assume_role_policy=service_trust_policy("backup.amazonaws.com"),
            tags=self._tags,
            opts=child_opts(self),
        )
        for policy_arn in BACKUP_SERVICE_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{self._name}-{policy_arn.rsplit('PolicyFor', 1)[-1].lower()}",
                role=role.name,
                policy_arn=policy_arn,
                opts=child_opts(self),
            )
        aws.backup.Selection(
            f"{self._name}-selection",
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=list(PROTECTED_RESOURCE_ARNS),
            conditions=[
                aws.backup.SelectionConditionArgs(
                    string_equals=[
                        aws.backup.SelectionConditionStringEqualArgs(
                            key=f"aws:ResourceTag/{TAG_BACKUP_PLAN}",
                            value=self._args.selection_value,
                        )
                    ]
                )
            ],
            opts=child_opts(self),
        )
