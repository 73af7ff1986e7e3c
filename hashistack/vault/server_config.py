"""A Vault (or OpenBao) server's configuration file, one per node, rendered
through `hashistack.hcl`: integrated storage (raft) with `retry_join`, a TLS
listener, an auto-unseal `seal`, `api_addr`/`cluster_addr`, telemetry for
Prometheus, and, where the product has it, the audit device as config.

Names are the products' own (Vault WUD content/vault/v1.21.x/content/docs/
configuration/index.mdx, storage/raft.mdx, listener/tcp/index.mdx, seal/*.mdx;
OpenBao website/content/docs/configuration/). Pure: no cdktf.

Secrets never land in the file. The transit seal's token comes from the
server's environment: Vault's seal/transit.mdx, "`token` ... may also be
specified by the `VAULT_TOKEN` environment variable" and "it is _strongly_
recommended to set these values via environment variables"; OpenBao reads
`BAO_TOKEN` and falls back to `VAULT_TOKEN` (openbao api/env.go,
ReadBaoVariable). Cloud KMS seals take the machine's identity (instance
profile, service account, managed identity), so no credential field exists.

Declarative audit devices (`audit "<type>" "<path>" { ... }`) are an OpenBao
feature since 2.4.0 (openbao CHANGELOG.md 2.4.0, "Configuration-Based Audit
Devices", GH-1700; website/content/docs/configuration/audit.mdx). Vault has
no such stanza (its configuration/index.mdx for 1.21 lists none; audit
devices are enabled through `sys/audit`), so for Vault `audit` must stay
empty and the Terraform `vault_audit` resource (`hashistack.vault.AuditDevice`)
keeps enabling the device. OpenBao 2.3.2+ refuses `sys/audit` creation unless
`unsafe_allow_api_audit_creation` is set (CHANGELOG.md 2.3.2, CVE-2025-54997),
which is why it is declared here for OpenBao.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hashistack import _validate as valid
from hashistack.errors import FieldError
from hashistack.hcl import Block, block, render
from hashistack.versions import Version

PRODUCTS = ("vault", "openbao")
# openbao CHANGELOG.md, 2.4.0: "Configuration-Based Audit Devices" (GH-1700).
DECLARATIVE_AUDIT_SINCE: dict[str, tuple[int, int, int]] = {"openbao": (2, 4, 0)}
# listener/tcp: "tls10", "tls11" "are widely considered insecure".
TLS_VERSIONS = ("tls12", "tls13")
AUDIT_TYPES = ("file", "socket")


def supports_declarative_audit(product: str, version: str | None) -> bool:
    """Whether `product` at `version` (None: the newest) reads `audit` stanzas."""
    since = DECLARATIVE_AUDIT_SINCE.get(product)
    if since is None:
        return False
    return version is None or Version.parse(version) >= Version(*since)


def _url(value: Any, what: str, *, https: bool) -> str:
    try:
        if not isinstance(value, str):
            raise TypeError
        valid.server_address(value)
    except (FieldError, TypeError):
        raise FieldError(f"{what} {valid.shown(value)} is not a URL like "
                         "https://vault-1.example.com:8200", path=what) from None
    if https and not value.startswith("https://"):
        raise FieldError(f"{what} {valid.shown(value)} must be https:// (TLS is on)", path=what)
    return str(value)


def _listen(value: Any, what: str) -> str:
    if not valid.is_agent_address(value) or str(value).startswith("unix://"):
        raise FieldError(f"{what} {valid.shown(value)} is not host:port like 0.0.0.0:8200",
                         path=what)
    return str(value)


def _file(value: Any, what: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    return valid.file_path(value, what, absolute=True)


@dataclass(frozen=True)
class RetryJoin:
    """One `retry_join` of `storage "raft"`: a peer this node may join
    (storage/raft.mdx). `leader_tls_servername` is the name in the peer's
    certificate when `leader_api_addr` dials it by another name or an IP."""

    leader_api_addr: str
    leader_ca_cert_file: str | None = None
    leader_tls_servername: str | None = None

    def __post_init__(self) -> None:
        _url(self.leader_api_addr, "RetryJoin.leader_api_addr", https=False)
        _file(self.leader_ca_cert_file, "RetryJoin.leader_ca_cert_file", optional=True)
        if self.leader_tls_servername is not None:
            valid.matches(self.leader_tls_servername, valid.DNS_NAME,
                          "RetryJoin.leader_tls_servername", "is not a DNS name")

    def block(self) -> Block:
        """The `retry_join` block."""
        return block("retry_join", leader_api_addr=self.leader_api_addr,
                     leader_ca_cert_file=self.leader_ca_cert_file,
                     leader_tls_servername=self.leader_tls_servername)


@dataclass(frozen=True)
class Listener:
    """`listener "tcp"` (listener/tcp): TLS on, unless `tls_disable` (the
    server config refuses that outside dev). `tls_client_ca_file` verifies
    client certificates (cert auth); `unauthenticated_metrics_access` lets
    Prometheus scrape /v1/sys/metrics without a token (default false)."""

    address: str = "0.0.0.0:8200"
    cluster_address: str = "0.0.0.0:8201"
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    tls_client_ca_file: str | None = None
    tls_min_version: str = "tls12"
    tls_disable: bool = False
    unauthenticated_metrics_access: bool = False

    def __post_init__(self) -> None:
        _listen(self.address, "Listener.address")
        _listen(self.cluster_address, "Listener.cluster_address")
        for name in ("tls_cert_file", "tls_key_file", "tls_client_ca_file"):
            _file(getattr(self, name), f"Listener.{name}", optional=True)
        valid.flag(self.tls_disable, "Listener.tls_disable")
        valid.flag(self.unauthenticated_metrics_access, "Listener.unauthenticated_metrics_access")
        if self.tls_min_version not in TLS_VERSIONS:
            raise FieldError(f"Listener.tls_min_version must be one of {TLS_VERSIONS}, got "
                             f"{valid.shown(self.tls_min_version)}",
                             path="Listener.tls_min_version")
        if self.tls_disable:
            return
        # listener/tcp: tls_cert_file and tls_key_file are "required-if-enabled".
        missing = [n for n in ("tls_cert_file", "tls_key_file") if getattr(self, n) is None]
        if missing:
            raise FieldError(f"Listener: TLS needs tls_cert_file and tls_key_file; missing "
                             f"{', '.join(missing)}", path=f"Listener.{missing[0]}")

    def block(self) -> Block:
        """The `listener "tcp"` block."""
        telemetry = block("telemetry",
                          unauthenticated_metrics_access=self.unauthenticated_metrics_access)
        if self.tls_disable:
            return block("listener", "tcp", blocks=[telemetry], address=self.address,
                         cluster_address=self.cluster_address, tls_disable=True)
        return block(
            "listener", "tcp", blocks=[telemetry],
            address=self.address,
            cluster_address=self.cluster_address,
            tls_cert_file=self.tls_cert_file,
            tls_key_file=self.tls_key_file,
            tls_client_ca_file=self.tls_client_ca_file,
            tls_min_version=self.tls_min_version,
        )


@dataclass(frozen=True)
class TransitSeal:
    """`seal "transit"` (seal/transit.mdx): another Vault's transit key unseals
    this one. No token field: the server reads `VAULT_TOKEN` (OpenBao:
    `BAO_TOKEN`, else `VAULT_TOKEN`) from its environment. The token needs
    `update` on `<mount_path>/encrypt/<key_name>` and `.../decrypt/<key_name>`."""

    address: str
    key_name: str
    mount_path: str = "transit/"
    tls_ca_cert: str | None = None
    tls_server_name: str | None = None
    namespace: str | None = None

    def __post_init__(self) -> None:
        _url(self.address, "TransitSeal.address", https=False)
        valid.matches(self.key_name, valid.VAULT_NAME, "TransitSeal.key_name",
                      "is not a transit key name")
        valid.mount_path(self.mount_path.rstrip("/"), "TransitSeal.mount_path")
        _file(self.tls_ca_cert, "TransitSeal.tls_ca_cert", optional=True)
        if self.tls_server_name is not None:
            valid.matches(self.tls_server_name, valid.DNS_NAME, "TransitSeal.tls_server_name",
                          "is not a DNS name")
        if self.namespace is not None:
            valid.mount_path(self.namespace, "TransitSeal.namespace")

    def block(self) -> Block:
        """The `seal "transit"` block."""
        return block("seal", "transit", address=self.address, mount_path=self.mount_path,
                     key_name=self.key_name, namespace=self.namespace,
                     tls_ca_cert=self.tls_ca_cert, tls_server_name=self.tls_server_name)


@dataclass(frozen=True)
class AwsKmsSeal:
    """`seal "awskms"` (seal/awskms.mdx). Credentials: the instance profile
    (AWS's default chain); access keys are never written here."""

    region: str
    kms_key_id: str

    def __post_init__(self) -> None:
        valid.text(self.region, "AwsKmsSeal.region")
        valid.text(self.kms_key_id, "AwsKmsSeal.kms_key_id")

    def block(self) -> Block:
        """The `seal "awskms"` block."""
        return block("seal", "awskms", region=self.region, kms_key_id=self.kms_key_id)


@dataclass(frozen=True)
class GcpCkmsSeal:
    """`seal "gcpckms"` (seal/gcpckms.mdx). Credentials: the VM's service
    account (Application Default Credentials); no `credentials` file here."""

    project: str
    region: str
    key_ring: str
    crypto_key: str

    def __post_init__(self) -> None:
        for name in ("project", "region", "key_ring", "crypto_key"):
            valid.text(getattr(self, name), f"GcpCkmsSeal.{name}")

    def block(self) -> Block:
        """The `seal "gcpckms"` block."""
        return block("seal", "gcpckms", project=self.project, region=self.region,
                     key_ring=self.key_ring, crypto_key=self.crypto_key)


@dataclass(frozen=True)
class AzureKeyVaultSeal:
    """`seal "azurekeyvault"` (seal/azurekeyvault.mdx). Credentials: the VM's
    managed identity; `client_secret` is never written here."""

    tenant_id: str
    vault_name: str
    key_name: str

    def __post_init__(self) -> None:
        for name in ("tenant_id", "vault_name", "key_name"):
            valid.text(getattr(self, name), f"AzureKeyVaultSeal.{name}")

    def block(self) -> Block:
        """The `seal "azurekeyvault"` block."""
        return block("seal", "azurekeyvault", tenant_id=self.tenant_id,
                     vault_name=self.vault_name, key_name=self.key_name)


Seal = TransitSeal | AwsKmsSeal | GcpCkmsSeal | AzureKeyVaultSeal


@dataclass(frozen=True)
class DeclaredAudit:
    """`audit "<type>" "<path>" { description, options { ... } }` (OpenBao
    configuration/audit.mdx): `options` is the device's string map, as
    `sys/audit/<path>` takes it (`file_path` for a file; `address` and
    `socket_type` for a socket)."""

    type: str
    path: str
    options: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None

    def __post_init__(self) -> None:
        if self.type not in AUDIT_TYPES:
            raise FieldError(f"DeclaredAudit.type must be one of {AUDIT_TYPES}, got "
                             f"{valid.shown(self.type)}", path="DeclaredAudit.type")
        valid.mount_path(self.path, "DeclaredAudit.path")
        object.__setattr__(self, "options", dict(self.options))
        for key, value in self.options.items():
            valid.env_name(key, "DeclaredAudit.options key")
            valid.text(value, f"DeclaredAudit.options.{key}")
        valid.text(self.description, "DeclaredAudit.description", optional=True)

    def block(self) -> Block:
        """The `audit` block."""
        return block("audit", self.type, self.path, blocks=[Block("options", (), self.options)],
                     description=self.description)


@dataclass(frozen=True)
class VaultServerConfig:
    """One node's server configuration file: `storage "raft"` (with a
    `retry_join` per peer), `listener "tcp"`, `seal`, `api_addr`,
    `cluster_addr`, `ui`, `disable_mlock` and `telemetry`, and `audit`
    stanzas where `product` has them (see the module docstring).

    `disable_mlock = true` for Vault: its configuration/index.mdx says
    "Disabling `mlock` is strongly recommended if using integrated storage"
    (mlock loads BoltDB's memory-mapped files into RAM) and that an explicit
    value is required with integrated storage. OpenBao 2.0.0 removed mlock and
    the option (CHANGELOG.md, GH-363), so it is not written for OpenBao.

    `prometheus_retention_time` must be above zero: Vault and OpenBao start the
    Prometheus sink only when it is non-zero (openbao internal/helper/
    configutil/telemetry.go; telemetry.mdx: "Setting this to 0 will disable
    Prometheus telemetry").

    `seal = None` is Shamir: no auto-unseal, an operator types key shares at
    every restart. `tls_disable` on the listener needs `dev = True`.
    """

    node_id: str
    api_addr: str
    cluster_addr: str
    listener: Listener
    raft_path: str = "/opt/vault/data"
    retry_join: Sequence[RetryJoin] = ()
    seal: Seal | None = None
    ui: bool = True
    prometheus_retention_time: str = "24h"
    product: str = "vault"
    version: str | None = None
    audit: Sequence[DeclaredAudit] = ()
    dev: bool = False

    def __post_init__(self) -> None:
        valid.name(self.node_id, "VaultServerConfig.node_id")
        if self.product not in PRODUCTS:
            raise FieldError(f"VaultServerConfig.product must be one of {PRODUCTS}, got "
                             f"{valid.shown(self.product)}", path="VaultServerConfig.product")
        if self.version is not None:
            Version.parse(valid.text(self.version, "VaultServerConfig.version"))
        valid.flag(self.dev, "VaultServerConfig.dev")
        valid.flag(self.ui, "VaultServerConfig.ui")
        if not isinstance(self.listener, Listener):
            raise FieldError("VaultServerConfig.listener must be a Listener",
                             path="VaultServerConfig.listener")
        if self.listener.tls_disable and not self.dev:
            raise FieldError("VaultServerConfig.listener.tls_disable is for dev only: tokens "
                             "and secrets would cross the network in plaintext",
                             path="VaultServerConfig.listener.tls_disable")
        tls = not self.listener.tls_disable
        _url(self.api_addr, "VaultServerConfig.api_addr", https=tls)
        # cluster_addr: "Vault will ignore the scheme (all cluster members always use TLS)".
        _url(self.cluster_addr, "VaultServerConfig.cluster_addr", https=False)
        _file(self.raft_path, "VaultServerConfig.raft_path")
        for name in ("retry_join", "audit"):
            value = getattr(self, name)
            if isinstance(value, (str, Mapping)):
                raise FieldError(f"VaultServerConfig.{name} must be a list",
                                 path=f"VaultServerConfig.{name}")
            object.__setattr__(self, name, tuple(value))
        for peer in self.retry_join:
            if tls and not peer.leader_api_addr.startswith("https://"):
                raise FieldError(f"VaultServerConfig.retry_join: {peer.leader_api_addr} must be "
                                 "https:// (TLS is on)", path="VaultServerConfig.retry_join")
        if self.seal is not None and not isinstance(self.seal, Seal):
            raise FieldError("VaultServerConfig.seal must be a TransitSeal, AwsKmsSeal, "
                             "GcpCkmsSeal or AzureKeyVaultSeal (None: Shamir)",
                             path="VaultServerConfig.seal")
        retention = valid.duration(self.prometheus_retention_time,
                                   "VaultServerConfig.prometheus_retention_time")
        if not retention:
            raise FieldError("VaultServerConfig.prometheus_retention_time must be above 0s: "
                             "0 turns Prometheus metrics off",
                             path="VaultServerConfig.prometheus_retention_time")
        if self.audit and not supports_declarative_audit(self.product, self.version):
            which = " ".join(filter(None, (self.product, self.version)))
            raise FieldError(
                f"VaultServerConfig.audit: {which} has no `audit` stanza (OpenBao 2.4.0+ "
                "only); enable the device with the vault_audit resource "
                "(hashistack.vault.AuditDevice)",
                path="VaultServerConfig.audit")
        paths = [a.path for a in self.audit]
        if len(set(paths)) != len(paths):
            raise FieldError("VaultServerConfig.audit: two devices share a path (audit.mdx: "
                             "\"No two blocks may share the same path\")",
                             path="VaultServerConfig.audit")

    def to_hcl(self) -> str:
        """The server configuration file as HCL text."""
        storage = block("storage", "raft", blocks=[p.block() for p in self.retry_join],
                        path=self.raft_path, node_id=self.node_id)
        children = [storage, self.listener.block()]
        if self.seal is not None:
            children.append(self.seal.block())
        children.append(block("telemetry",
                              prometheus_retention_time=self.prometheus_retention_time,
                              disable_hostname=True))
        children.extend(a.block() for a in self.audit)
        return render(*children, attrs={
            "api_addr": self.api_addr,
            "cluster_addr": self.cluster_addr,
            "ui": self.ui,
            "disable_mlock": True if self.product == "vault" else None,
        })
