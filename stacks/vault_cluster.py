"""The Vault servers' own files, from `[vault.cluster]`: `vault-server-<node>.hcl`."""

from __future__ import annotations

from hashistack.vault.server_config import (
    AwsKmsSeal,
    AzureKeyVaultSeal,
    DeclaredAudit,
    GcpCkmsSeal,
    Listener,
    RetryJoin,
    Seal,
    TransitSeal,
    VaultServerConfig,
)
from stacks import vault_cluster_config as cfg
from stacks.config import Environment


def audit_in_config(env: Environment) -> bool:
    """The servers' files declare the audit device (OpenBao 2.4.0+), so Terraform
    must not enable it too: OpenBao refuses `sys/audit` creation by default and a
    device cannot be both (configuration/audit.mdx)."""
    c = env.vault.cluster
    return c is not None and env.audit_enabled and c.declares_audit


def server_files(env: Environment) -> dict[str, str]:
    """{file name: HCL} for each node; {} without `[vault.cluster]`."""
    c = env.vault.cluster
    if c is None:
        return {}
    scheme = "http" if c.tls_disable else "https"

    def dialed(node: cfg.VaultNode) -> str:
        host = node.address or node.name
        return f"[{host}]" if ":" in host else host

    audit = _audit(env) if audit_in_config(env) else ()
    files = {}
    for node in c.nodes:
        peers = [
            RetryJoin(
                leader_api_addr=f"{scheme}://{dialed(peer)}:{c.api_port}",
                leader_ca_cert_file=None if c.tls_disable else c.tls.ca_file,
                # Dialed by address: the certificate still names the node.
                leader_tls_servername=peer.name if peer.address and not c.tls_disable else None,
            )
            for peer in c.nodes
            if peer is not node
        ]
        config = VaultServerConfig(
            node_id=node.name,
            # Clients are sent here (redirects) and check the name in the certificate.
            api_addr=f"{scheme}://{node.name}:{c.api_port}",
            cluster_addr=f"https://{dialed(node)}:{c.cluster_port}",
            listener=Listener(
                address=f"0.0.0.0:{c.api_port}",
                cluster_address=f"0.0.0.0:{c.cluster_port}",
                tls_cert_file=c.tls.cert_file,
                tls_key_file=c.tls.key_file,
                tls_client_ca_file=c.tls.client_ca_file,
                tls_min_version=c.tls.min_version,
                tls_disable=c.tls_disable,
                unauthenticated_metrics_access=c.unauthenticated_metrics_access,
            ),
            raft_path=c.raft_path,
            retry_join=peers,
            seal=_seal(c.seal),
            ui=c.ui,
            prometheus_retention_time=c.prometheus_retention_time,
            product=c.product,
            version=c.version,
            audit=audit,
            dev=env.tier == "dev",
        )
        files[f"vault-server-{node.name}.hcl"] = config.to_hcl()
    return files


def _seal(seal: object) -> Seal | None:
    if isinstance(seal, cfg.TransitSeal):
        return TransitSeal(address=seal.address, key_name=seal.key_name,
                           mount_path=seal.mount_path, tls_ca_cert=seal.tls_ca_cert,
                           tls_server_name=seal.tls_server_name)
    if isinstance(seal, cfg.AwsKmsSeal):
        return AwsKmsSeal(region=seal.region, kms_key_id=seal.kms_key_id)
    if isinstance(seal, cfg.GcpCkmsSeal):
        return GcpCkmsSeal(project=seal.project, region=seal.region, key_ring=seal.key_ring,
                           crypto_key=seal.crypto_key)
    if isinstance(seal, cfg.AzureKeyVaultSeal):
        return AzureKeyVaultSeal(tenant_id=seal.tenant_id, vault_name=seal.vault_name,
                                 key_name=seal.key_name)
    return None  # Shamir


def _audit(env: Environment) -> tuple[DeclaredAudit, ...]:
    """`[vault.audit]` as a declared device: the options and path the
    `vault_audit` resource would use (hashistack/vault/audit.py)."""
    a = env.vault.audit
    if a.type == "file":
        options = {"file_path": a.file_path}
    else:
        assert a.socket_address is not None  # the config requires it for sockets
        options = {"address": a.socket_address, "socket_type": a.socket_type}
    return (DeclaredAudit(type=a.type, path=a.type, options=options),)
