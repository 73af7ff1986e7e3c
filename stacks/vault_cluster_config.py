"""`[vault.cluster]`: the Vault servers themselves (raft, TLS, auto-unseal).

Absent (the default, and dev's case): no server files are rendered; dev runs
`vault server -dev` / `bao server -dev`. Present: one configuration file per
node, `vault-server-<node>.hcl` (stacks/vault_cluster.py, rendered by
hashistack/vault/server_config.py, whose docstring cites the products).

Kept apart from stacks/config.py (which imports it), so its own small grammar
helpers are here; the rules are the same (`hashistack._validate`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hashistack import _validate as valid
from hashistack.durations import seconds
from hashistack.vault.server_config import supports_declarative_audit
from hashistack.versions import Version

# Raft needs a majority of its voters, (n+1)/2: 3 nodes survive 1 loss, 5 survive
# 2, and an even count survives no more than the odd count below it (Vault's
# internals/integrated-storage.mdx, "Deployment table"). One node survives none:
# staging and dev only.
NODE_COUNTS = {"prod": (3, 5), "staging": (1, 3, 5), "dev": (1, 3, 5)}


class _Model(BaseModel):
    # As stacks/config.py's Model: strict, frozen, unknown keys refused.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _machine_file(value: str) -> str:
    return valid.file_path(value, "the path", absolute=True)


def _dns_name(value: str) -> str:
    return valid.matches(value, valid.DNS_NAME, "the name", "is not a DNS name like "
                         "vault-1.example.com")


def _host(value: str) -> str:
    if not valid.is_host(value):
        raise ValueError(f"{valid.shown(value)} is not a host name or IP address")
    return value


def _line(value: str) -> str:
    return valid.text(value, "the value")


def _address(value: str) -> str:
    return valid.server_address(value)


def _positive_duration(value: str) -> str:
    if seconds(value) == 0:
        raise ValueError(f"{valid.shown(value)} must be longer than 0s: 0 turns Prometheus "
                         "metrics off")
    return value


def _version(value: str) -> str:
    Version.parse(value)
    return value


MachineFile = Annotated[str, AfterValidator(_machine_file)]
DnsName = Annotated[str, AfterValidator(_dns_name)]
Host = Annotated[str, AfterValidator(_host)]
Line = Annotated[str, AfterValidator(_line)]
Address = Annotated[str, AfterValidator(_address)]
Port = Annotated[int, Field(ge=1, le=65535)]


class VaultNode(_Model):
    """A server: its DNS name (its raft `node_id`, its file name, its
    `api_addr`, the name in its certificate) and, optionally, the address its
    peers dial instead (`retry_join`, with the name as `leader_tls_servername`,
    and `cluster_addr`)."""

    name: DnsName
    address: Host | None = None


class ClusterTls(_Model):
    """Files on the Vault machines for the listener and for joining peers."""

    cert_file: MachineFile = "/etc/vault.d/tls/vault.pem"
    key_file: MachineFile = "/etc/vault.d/tls/vault-key.pem"
    ca_file: MachineFile = "/etc/vault.d/tls/ca.pem"  # verifies peers (leader_ca_cert_file)
    client_ca_file: MachineFile | None = None  # listener tls_client_ca_file (cert auth)
    min_version: Literal["tls12", "tls13"] = "tls12"


class ShamirSeal(_Model):
    """No auto-unseal: operators enter key shares at every restart."""

    type: Literal["shamir"]


class TransitSeal(_Model):
    """Another Vault's transit key. Its token: VAULT_TOKEN in the servers'
    environment (never here)."""

    type: Literal["transit"]
    address: Address
    key_name: Annotated[str, Field(pattern=r"^\w(?:[\w.-]*\w)?$")]
    mount_path: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*/?$")] = \
        "transit/"
    tls_ca_cert: MachineFile | None = None
    tls_server_name: DnsName | None = None


class AwsKmsSeal(_Model):
    """AWS KMS; credentials from the instance profile."""

    type: Literal["awskms"]
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z0-9]+)+$")]
    kms_key_id: Line


class GcpCkmsSeal(_Model):
    """Google Cloud KMS; credentials from the VM's service account."""

    type: Literal["gcpckms"]
    project: Line
    region: Line
    key_ring: Line
    crypto_key: Line


class AzureKeyVaultSeal(_Model):
    """Azure Key Vault; credentials from the VM's managed identity."""

    type: Literal["azurekeyvault"]
    tenant_id: Line
    vault_name: Line
    key_name: Line


Seal = Annotated[
    ShamirSeal | TransitSeal | AwsKmsSeal | GcpCkmsSeal | AzureKeyVaultSeal,
    Field(discriminator="type"),
]


class VaultCluster(_Model):
    """The servers, their ports, TLS files, raft data path, seal and telemetry."""

    product: Literal["vault", "openbao"] = "vault"
    version: Annotated[str, AfterValidator(_version)] | None = None  # None: the newest
    nodes: list[VaultNode] = Field(min_length=1)
    api_port: Port = 8200
    cluster_port: Port = 8201
    tls: ClusterTls = ClusterTls()
    tls_disable: bool = False  # dev only (Environment refuses it elsewhere)
    raft_path: MachineFile = "/opt/vault/data"
    seal: Seal = ShamirSeal(type="shamir")
    ui: bool = True
    prometheus_retention_time: Annotated[str, AfterValidator(_positive_duration)] = "24h"
    unauthenticated_metrics_access: bool = False

    @model_validator(mode="after")
    def _nodes(self) -> VaultCluster:
        names = [n.name.lower().rstrip(".") for n in self.nodes]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"nodes: {', '.join(dupes)} given more than once")
        if self.api_port == self.cluster_port:
            raise ValueError("api_port and cluster_port must differ")
        return self

    @property
    def declares_audit(self) -> bool:
        """Whether the servers' files carry the audit device (OpenBao 2.4.0+)."""
        return supports_declarative_audit(self.product, self.version)


def tier_problem(cluster: VaultCluster, tier: str) -> str | None:
    """Why `cluster` does not fit `tier`, or None."""
    count, allowed = len(cluster.nodes), NODE_COUNTS[tier]
    if count not in allowed:
        why = ("an even count tolerates no more failures than one node fewer, and raft "
               "needs a majority" if count % 2 == 0 else "raft needs a majority to elect "
               "a leader")
        return (f"vault.cluster.nodes: {count} node(s); {tier} takes "
                f"{' or '.join(map(str, allowed))} ({why})")
    if tier != "dev" and cluster.tls_disable:
        return (f"vault.cluster.tls_disable must be false in {tier}: tokens and secrets "
                "would cross the network in plaintext")
    seal = cluster.seal
    if tier != "dev" and isinstance(seal, TransitSeal) and not seal.address.startswith("https"):
        return (f"vault.cluster.seal.address must use https in {tier}: the seal's token "
                "and the unseal key cross this connection")
    if tier == "prod" and cluster.seal.type == "shamir":
        return ("vault.cluster.seal: prod needs an auto-unseal seal (transit, awskms, "
                "gcpckms or azurekeyvault), not Shamir: with Shamir every restarted server "
                "stays sealed until operators enter key shares by hand, so a node lost at "
                "night is a node down until morning")
    return None
