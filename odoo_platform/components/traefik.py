"""TraefikIngress: the platform's HTTPS entry point on Kubernetes.

Owns Traefik's namespace, its CRDs (applied explicitly: Helm never upgrades CRDs), the Traefik
Helm release behind an AWS Network Load Balancer, the global `default` TLSOption, TLS issuance
(cert-manager with an ACME DNS-01 ClusterIssuer on Route53, or an ACM certificate on the load
balancer). It knows no tenants.

Tenant routing objects (IngressRoute, middlewares, Certificate) and DNS records belong to
`OdooTenant`: cross-namespace references are off, so a tenant's IngressRoute can only use
middlewares and TLS secrets from its own namespace; its records point to `load_balancer_hostname`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict, cast

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from odoo_platform.components._shared.base import (
    Between,
    Matches,
    check_args,
    child_opts,
    component_type,
    require_providers,
)
from odoo_platform.components._shared.helm import HelmChart, install_chart
from odoo_platform.components._shared.iam import irsa_trust_policy, policy_json
from odoo_platform.components._shared.k8s import (
    manifest,
    restricted_container_security,
    restricted_namespace,
    restricted_pod_security,
)

TRAEFIK_CHART_REPO = "https://traefik.github.io/charts"
CERT_MANAGER_CHART_REPO = "https://charts.jetstack.io"
# The CRDs of the pinned chart, straight from the chart's git tag: the shared reference data
# holds only some of them (for validation), and Traefik's CRD provider needs all of its kinds.
TRAEFIK_CRD_URL = (
    "https://raw.githubusercontent.com/traefik/traefik-helm-chart/v{version}/traefik/crds/{file}"
)
TRAEFIK_CRD_FILES = tuple(
    f"traefik.io_{plural}.yaml"
    for plural in (
        "ingressroutes",
        "ingressroutetcps",
        "ingressrouteudps",
        "middlewares",
        "middlewaretcps",
        "serverstransports",
        "serverstransporttcps",
        "tlsoptions",
        "tlsstores",
        "traefikservices",
    )
)
RELEASE_NAME = "traefik"  # also the chart's Deployment and Service name
ENTRY_POINT = "websecure"
# Traefik 3 ends a connection whose reading takes over 60 s: Odoo's /websocket lives for hours
# and large attachment uploads take minutes. One hour bounds slow clients; the Odoo bus
# reconnects by itself (the same hour as OdooTenant's websocket ServersTransport).
WEBSOCKET_READ_TIMEOUT = "3600s"
TLS_OPTION_NAME = "default"  # Traefik applies the TLSOption named `default` to every router
TRAEFIK_UID = 65532  # the official image's non-root user
LETSENCRYPT = "https://acme-v02.api.letsencrypt.org/directory"
# TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3 suites are not configurable).
STRONG_CIPHER_SUITES = (
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
)
NLB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
ZONE_KEY = "topology.kubernetes.io/zone"
HOST_KEY = "kubernetes.io/hostname"
LB_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-"
CHART_OWNED_LABELS = frozenset(
    f"app.kubernetes.io/{key}" for key in ("name", "instance", "managed-by", "component", "version")
) | {"helm.sh/chart"}


def _default_resources() -> dict[str, dict[str, str]]:
    return {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}


@dataclass(frozen=True)
class CertManagerArgs:
    """Certificates from an ACME CA through cert-manager, proven by DNS-01 in a Route53 zone.

    The IRSA trust needs the cluster's OIDC provider (from the cluster component).
    """

    acme_email: Annotated[str, Matches(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", "an e-mail address")]
    """Contact address of the ACME account (expiry notices)."""
    route53_zone_id: Annotated[str, Matches(r"Z[A-Z0-9]{4,32}", "a Route53 zone id (Z...)")]
    """Route53 zone in which DNS-01 challenges are answered; cert-manager's IAM role may change only
    this zone."""
    route53_zone_name: str
    """Name of that zone: the issuer solves challenges only for names in it
    (`selector.dnsZones`)."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider, trusted by cert-manager's IRSA role."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL, for the role's `sub` and `aud` conditions."""
    acme_server: Annotated[str, Matches(r"https://\S+", "an https:// ACME directory")] = LETSENCRYPT
    """ACME directory URL (Let's Encrypt production by default; its staging URL for tests)."""
    chart_version: Annotated[str, Matches(r"v[0-9]+\.[0-9]+\.[0-9]+", "a tag like v1.19.1")] = (
        "v1.19.1"
    )
    """Version of the cert-manager Helm chart (and of its CRDs)."""
    namespace: str = "cert-manager"
    """Namespace of cert-manager, created here."""
    service_account: str = "cert-manager"
    """Service account of the cert-manager controller, bound to the IRSA role."""
    replicas: Annotated[int, Between(1, 10)] = 1
    """Replicas of the controller, webhook and cainjector; 2 or more adds a PodDisruptionBudget."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class AcmArgs:
    """TLS terminated on the NLB with an ACM certificate, re-encrypted to Traefik."""

    certificate_arn: Annotated[
        str, Matches(r"arn:aws:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9_-]+", "an ACM ARN")
    ]
    """The ACM certificate the NLB presents (it must cover every tenant host name)."""
    ssl_policy: str = NLB_TLS_POLICY
    """TLS negotiation policy of the NLB listener (TLS 1.2 and 1.3 only by default)."""

    def __post_init__(self) -> None:
        check_args(self)


@dataclass(frozen=True)
class TraefikIngressArgs:
    """Plain settings plus the few Inputs that come from other components.

    `protect_crds` protects the CRDs: deleting a CRD deletes every object of its kind.
    """

    vpc_cidr: str
    """The only range trusted for forwarded headers and proxy protocol (where the NLB is)."""
    tls: CertManagerArgs | AcmArgs
    """Where certificates come from: cert-manager (ACME DNS-01) or an ACM certificate on the NLB."""
    chart_version: Annotated[str, Matches(r"[0-9]+\.[0-9]+\.[0-9]+", "a version like 41.3.0")] = (
        "41.3.0"
    )
    """Version of the Traefik Helm chart; its CRDs are installed from the same version."""
    replicas: Annotated[int, Between(1, 10)] = 1
    """Traefik replicas; 2 or more adds a PodDisruptionBudget (`minAvailable: 1`)."""
    require_zone_spread: bool = False
    """Spread replicas over zones strictly (`DoNotSchedule`, prod) rather than best effort."""
    namespace: str = "traefik"
    """Namespace of Traefik, created here."""
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=_default_resources)
    """Container requests and limits of Traefik (`requests`/`limits` -> `cpu`/`memory`)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of the Kubernetes objects declared here."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags of cert-manager's IAM role (the only taggable AWS resource declared here)."""
    load_balancer_tags: Mapping[str, str] = field(default_factory=dict)
    """Tags of the NLB, set through the Service annotation
    `aws-load-balancer-additional-resource-tags`; no `,` or `=` in keys and values."""
    internet_facing: bool = True
    """An internet-facing NLB; false: an internal one."""
    protect_crds: bool = False
    """Pulumi `protect` on the CRDs (prod): deleting a CRD deletes every object of its kind."""

    def __post_init__(self) -> None:
        check_args(self)
        for key, value in self.load_balancer_tags.items():
            if any(char in f"{key}{value}" for char in ",="):
                raise ValueError(f"load balancer tag {key}={value} may not contain ',' or '='")


# --- pure builders (no Pulumi resources): tested directly and against the chart's schema ---


def traefik_crd_urls(chart_version: str) -> list[str]:
    return [TRAEFIK_CRD_URL.format(version=chart_version, file=f) for f in TRAEFIK_CRD_FILES]


def traefik_chart(args: TraefikIngressArgs) -> HelmChart:
    """The chart at `chart_version`, its CRDs applied from the same tag (Helm never upgrades
    the chart's `crds/`)."""
    return HelmChart(
        release_name=RELEASE_NAME,
        chart="traefik",
        version=args.chart_version,
        repo=TRAEFIK_CHART_REPO,
        crd_files=traefik_crd_urls(args.chart_version),
        protect_crds=args.protect_crds,
    )


def load_balancer_annotations(args: TraefikIngressArgs) -> dict[str, str]:
    """AWS Load Balancer Controller annotations: an NLB with IP targets and proxy protocol v2.

    Proxy protocol carries the client address to Traefik (trusted from the VPC only). In ACM
    mode the NLB terminates TLS with the certificate and re-encrypts to Traefik's websecure port.
    """
    annotations = {
        f"{LB_ANNOTATION}type": "external",
        f"{LB_ANNOTATION}nlb-target-type": "ip",
        f"{LB_ANNOTATION}scheme": "internet-facing" if args.internet_facing else "internal",
        f"{LB_ANNOTATION}proxy-protocol": "*",
        f"{LB_ANNOTATION}attributes": "load_balancing.cross_zone.enabled=true",
    }
    if args.load_balancer_tags:
        annotations[f"{LB_ANNOTATION}additional-resource-tags"] = ",".join(
            f"{key}={value}" for key, value in sorted(args.load_balancer_tags.items())
        )
    if isinstance(args.tls, AcmArgs):
        annotations |= {
            f"{LB_ANNOTATION}ssl-cert": args.tls.certificate_arn,
            f"{LB_ANNOTATION}ssl-ports": ENTRY_POINT,
            f"{LB_ANNOTATION}ssl-negotiation-policy": args.tls.ssl_policy,
            f"{LB_ANNOTATION}backend-protocol": "ssl",
        }
    return annotations


def traefik_pod_labels() -> dict[str, str]:
    """The labels the chart puts on Traefik's pods (release `traefik` in `namespace`)."""
    return {"app.kubernetes.io/name": "traefik"}


def _chart_labels(object_labels: Mapping[str, str]) -> dict[str, str]:
    """Our labels for the chart's objects, except those the chart sets itself (a duplicate key
    in a rendered manifest fails the release)."""
    return {k: v for k, v in object_labels.items() if k not in CHART_OWNED_LABELS}


def _spread(args: TraefikIngressArgs) -> list[dict[str, Any]]:
    selector = {"matchLabels": traefik_pod_labels()}
    zone_rule = "DoNotSchedule" if args.require_zone_spread else "ScheduleAnyway"
    return [
        {
            "maxSkew": 1,
            "topologyKey": ZONE_KEY,
            "whenUnsatisfiable": zone_rule,
            "labelSelector": selector,
            "matchLabelKeys": ["pod-template-hash"],
        },
        {
            "maxSkew": 1,
            "topologyKey": HOST_KEY,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": selector,
            "matchLabelKeys": ["pod-template-hash"],
        },
    ]


def _entry_point(vpc_cidr: str) -> dict[str, Any]:
    """Forwarded headers and proxy protocol trusted from the VPC (the NLB) and nowhere else."""
    return {
        "forwardedHeaders": {"trustedIPs": [vpc_cidr], "insecure": False},
        "proxyProtocol": {"trustedIPs": [vpc_cidr], "insecure": False},
    }


def traefik_values(args: TraefikIngressArgs) -> dict[str, Any]:
    """The Traefik chart values; they must pass the chart's values.schema.json."""
    return {
        "deployment": {"replicas": args.replicas},
        "commonLabels": _chart_labels(args.labels),
        "podDisruptionBudget": (
            {"enabled": True, "minAvailable": 1} if args.replicas >= 2 else {"enabled": False}
        ),
        "updateStrategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
        },
        "topologySpreadConstraints": _spread(args),
        "podSecurityContext": restricted_pod_security(TRAEFIK_UID),
        "securityContext": restricted_container_security(),
        "resources": {kind: dict(amounts) for kind, amounts in args.resources.items()},
        "service": {
            "enabled": True,
            "single": True,
            "spec": {"type": "LoadBalancer"},
            "annotations": load_balancer_annotations(args),
        },
        "ports": {
            "web": {
                **_entry_point(args.vpc_cidr),
                "http": {
                    "redirections": {
                        "entryPoint": {"to": ENTRY_POINT, "scheme": "https", "permanent": True}
                    }
                },
            },
            ENTRY_POINT: {
                **_entry_point(args.vpc_cidr),
                "http": {"tls": {"enabled": True}},
                "transport": {"respondingTimeouts": {"readTimeout": WEBSOCKET_READ_TIMEOUT}},
            },
        },
        "log": {"format": "json", "level": "INFO"},
        # Headers may carry session cookies and credentials: dropped from the access log.
        "accessLog": {
            "enabled": True,
            "format": "json",
            "fields": {"headers": {"defaultMode": "drop"}},
        },
        "metrics": {
            "prometheus": {
                "entryPoint": "metrics",
                "addEntryPointsLabels": True,
                "addServicesLabels": True,
            }
        },
        "providers": {
            "kubernetesCRD": {
                "enabled": True,
                "allowCrossNamespace": False,
                "allowExternalNameServices": False,
                "allowEmptyServices": False,
            },
            "kubernetesIngress": {"enabled": False},
            "kubernetesGateway": {"enabled": False},
        },
        "ingressClass": {"enabled": False},
        "ingressRoute": {"dashboard": {"enabled": False}},
        # No ACME in Traefik: its certificate store is a file that replicas cannot share.
        "certificatesResolvers": {},
        "persistence": {"enabled": False},
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
    }


def tls_option_spec(sni_strict: bool) -> dict[str, Any]:
    return {
        "minVersion": "VersionTLS12",
        "cipherSuites": list(STRONG_CIPHER_SUITES),
        "curvePreferences": ["X25519", "CurveP256", "CurveP384"],
        "sniStrict": sni_strict,
    }


def cert_manager_values(args: CertManagerArgs, role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """cert-manager chart values: CRDs installed and kept, IRSA, restricted pods."""
    return {
        "crds": {"enabled": True, "keep": True},
        "replicaCount": args.replicas,
        "podDisruptionBudget": {"enabled": args.replicas >= 2, "minAvailable": 1},
        "global": {"leaderElection": {"namespace": args.namespace}},
        "serviceAccount": {
            "name": args.service_account,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        # Lets the non-root controller read the projected IRSA web identity token.
        "securityContext": restricted_pod_security(fs_group=1001),
        "webhook": {"replicaCount": args.replicas},
        "cainjector": {"replicaCount": args.replicas},
        "prometheus": {"enabled": True},
    }


def dns01_policy(zone_id: str, partition: str = "aws") -> str:
    """Route53 rights for DNS-01: TXT records named `_acme-challenge.*` in one zone only."""
    zone_arn = f"arn:{partition}:route53:::hostedzone/{zone_id}"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadChanges",
            "Effect": "Allow",
            "Action": "route53:GetChange",
            "Resource": f"arn:{partition}:route53:::change/*",
        },
        {
            "Sid": "ListZoneRecords",
            "Effect": "Allow",
            "Action": "route53:ListResourceRecordSets",
            "Resource": zone_arn,
        },
        {
            "Sid": "ChallengeRecords",
            "Effect": "Allow",
            "Action": "route53:ChangeResourceRecordSets",
            "Resource": zone_arn,
            "Condition": {
                "ForAllValues:StringEquals": {
                    "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]
                },
                "ForAllValues:StringLike": {
                    "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.*"]
                },
            },
        },
    ]
    return policy_json(*statements)


def cluster_issuer_spec(args: CertManagerArgs, account_key_secret: str) -> dict[str, Any]:
    """ACME with DNS-01 through Route53, for names in the zone; credentials are ambient (IRSA)."""
    return {
        "acme": {
            "email": args.acme_email,
            "server": args.acme_server,
            "privateKeySecretRef": {"name": account_key_secret},
            "solvers": [
                {
                    "selector": {"dnsZones": [args.route53_zone_name]},
                    "dns01": {"route53": {"hostedZoneID": args.route53_zone_id}},
                }
            ],
        }
    }


def _load_balancer_hostname(status: k8s.core.v1.outputs.ServiceStatus | None) -> str:
    ingress = (status.load_balancer.ingress if status and status.load_balancer else None) or []
    if not ingress or not ingress[0].hostname:
        raise ValueError("the Traefik Service has no load balancer host name yet")
    return ingress[0].hostname


def _partition(arn: str) -> str:
    return arn.split(":")[1] if arn.startswith("arn:") else "aws"


class IngressOutput(TypedDict):
    """The `ingress` output: where tenant IngressRoutes attach and who issues certificates."""

    namespace: str
    entry_point: str
    cluster_issuer: str | None  # None when TLS certificates are not issued by cert-manager
    load_balancer_hostname: str


class TraefikIngress(pulumi.ComponentResource):
    """Traefik behind an NLB, with TLS from cert-manager or ACM."""

    resource_name: str

    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    load_balancer_hostname: pulumi.Output[str]
    entry_point: str
    tls_option_name: str
    cluster_issuer_name: pulumi.Output[str] | None
    cert_manager_role_arn: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: TraefikIngressArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("TraefikIngress"), name, None, opts)
        uses_aws = isinstance(args.tls, CertManagerArgs)
        require_providers(self, "kubernetes", *(["aws"] if uses_aws else []))
        self.resource_name = name
        self.entry_point = ENTRY_POINT
        self.tls_option_name = TLS_OPTION_NAME
        namespace = restricted_namespace(self, f"{name}-namespace", args.namespace, args.labels)
        self.namespace = namespace.metadata.name
        traefik = install_chart(
            self, name, traefik_chart(args), namespace=self.namespace, values=traefik_values(args)
        )
        self._tls_option(name, args, traefik.crds_ready)
        self.service_name, self.load_balancer_hostname = self._service(name, traefik.release)
        self.cluster_issuer_name = None
        self.cert_manager_role_arn = None
        if isinstance(args.tls, CertManagerArgs):
            self._cert_manager(name, args.tls, args)
        self.register_outputs(
            {
                "namespace": self.namespace,
                "service_name": self.service_name,
                "load_balancer_hostname": self.load_balancer_hostname,
                "entry_point": self.entry_point,
                "cluster_issuer_name": self.cluster_issuer_name,
            }
        )

    def output(self) -> pulumi.Output[IngressOutput]:
        """This ingress as a platform stack exports it (`ingress`)."""
        return pulumi.Output.all(
            namespace=self.namespace,
            entry_point=self.entry_point,
            cluster_issuer=self.cluster_issuer_name,
            load_balancer_hostname=self.load_balancer_hostname,
        ).apply(lambda values: cast(IngressOutput, values))

    def _tls_option(
        self, name: str, args: TraefikIngressArgs, crds_ready: list[pulumi.Resource]
    ) -> k8s.apiextensions.CustomResource:
        # ACM mode: the NLB connects to Traefik without SNI, so strict SNI would refuse it.
        return k8s.apiextensions.CustomResource(
            f"{name}-tls-option",
            api_version="traefik.io/v1alpha1",
            kind="TLSOption",
            metadata=manifest(
                {"name": TLS_OPTION_NAME, "namespace": self.namespace, "labels": dict(args.labels)}
            ),
            spec=tls_option_spec(sni_strict=isinstance(args.tls, CertManagerArgs)),
            opts=child_opts(self, depends_on=crds_ready),
        )

    def _service(
        self, name: str, release: k8s.helm.v3.Release
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """The chart's LoadBalancer Service, read once the release (which waits for it) is up."""
        service = k8s.core.v1.Service.get(
            f"{name}-service",
            release.status.apply(lambda status: f"{status.namespace}/{status.name}"),
            opts=child_opts(self, depends_on=[release]),
        )
        return service.metadata.name, service.status.apply(_load_balancer_hostname)

    def _cert_manager(self, name: str, tls: CertManagerArgs, args: TraefikIngressArgs) -> None:
        namespace = restricted_namespace(
            self, f"{name}-cert-manager-namespace", tls.namespace, args.labels
        )
        role = aws.iam.Role(
            f"{name}-cert-manager",
            description="cert-manager DNS-01 challenges in one Route53 zone",
            assume_role_policy=irsa_trust_policy(
                tls.oidc_provider_arn, tls.oidc_issuer_url, tls.namespace, tls.service_account
            ),
            tags=dict(args.tags),
            opts=child_opts(self),
        )
        aws.iam.RolePolicy(
            f"{name}-cert-manager-dns01",
            role=role.id,
            policy=pulumi.Output.from_input(tls.oidc_provider_arn).apply(
                lambda arn: dns01_policy(tls.route53_zone_id, _partition(arn))
            ),
            opts=child_opts(self),
        )
        release = install_chart(
            self,
            name,
            HelmChart("cert-manager", "cert-manager", tls.chart_version, CERT_MANAGER_CHART_REPO),
            namespace=namespace.metadata.name,
            values=cert_manager_values(tls, role.arn),
        ).release
        issuer = k8s.apiextensions.CustomResource(
            f"{name}-cluster-issuer",
            api_version="cert-manager.io/v1",
            kind="ClusterIssuer",
            metadata=manifest({"name": f"{name}-acme", "labels": dict(args.labels)}),
            spec=cluster_issuer_spec(tls, account_key_secret=f"{name}-acme-account-key"),
            opts=child_opts(self, depends_on=[release]),
        )
        issuer_name = f"{name}-acme"
        self.cluster_issuer_name = issuer.id.apply(lambda _: issuer_name)
        self.cert_manager_role_arn = role.arn
