"""Vault: the pure policy model and ACL engine, and the construct shells."""

from typing import TYPE_CHECKING

from hashistack._lazy import exports

if TYPE_CHECKING:  # what type checkers see; at run time each loads on first use
    from hashistack.vault.approle import AppRole as AppRole
    from hashistack.vault.approle import AppRoleBackend as AppRoleBackend
    from hashistack.vault.audit import AuditDevice as AuditDevice
    from hashistack.vault.cert_auth import CertAuthBackend as CertAuthBackend
    from hashistack.vault.cert_auth import CertAuthRole as CertAuthRole
    from hashistack.vault.consul_secrets import ConsulSecrets as ConsulSecrets
    from hashistack.vault.database import DatabaseConnection as DatabaseConnection
    from hashistack.vault.database import DatabaseRole as DatabaseRole
    from hashistack.vault.database import DatabaseSecrets as DatabaseSecrets
    from hashistack.vault.grants import Grant as Grant
    from hashistack.vault.grants import Grantable as Grantable
    from hashistack.vault.kv import KvV2 as KvV2
    from hashistack.vault.nomad_secrets import NomadSecrets as NomadSecrets
    from hashistack.vault.periodic_token import PeriodicToken as PeriodicToken
    from hashistack.vault.pki import PkiHierarchy as PkiHierarchy
    from hashistack.vault.token_role import TokenRole as TokenRole
    from hashistack.vault.vault_policy import VaultPolicy as VaultPolicy
    from hashistack.vault.workload_identity import JobRole as JobRole
    from hashistack.vault.workload_identity import NomadWorkloadIdentity as NomadWorkloadIdentity

_CONSTRUCTS = {
    "VaultPolicy": "vault_policy",
    "KvV2": "kv",
    "TokenRole": "token_role",
    "CertAuthBackend": "cert_auth",
    "CertAuthRole": "cert_auth",
    "PkiHierarchy": "pki",
    "NomadWorkloadIdentity": "workload_identity",
    "JobRole": "workload_identity",
    "AppRoleBackend": "approle",
    "AppRole": "approle",
    "AuditDevice": "audit",
    "PeriodicToken": "periodic_token",
    "DatabaseSecrets": "database",
    "DatabaseConnection": "database",
    "DatabaseRole": "database",
    "Grant": "grants",
    "Grantable": "grants",
    "NomadSecrets": "nomad_secrets",
    "ConsulSecrets": "consul_secrets",
}
# Written out: type checkers read a literal list only (tests/test_typing.py holds
# it equal to _CONSTRUCTS).
__all__ = [
    "AppRole", "AppRoleBackend", "AuditDevice", "CertAuthBackend", "CertAuthRole", "ConsulSecrets",
    "DatabaseConnection", "DatabaseRole", "DatabaseSecrets", "Grant", "Grantable", "JobRole",
    "KvV2", "NomadSecrets", "NomadWorkloadIdentity", "PeriodicToken", "PkiHierarchy", "TokenRole",
    "VaultPolicy",
]
__getattr__ = exports(__name__, _CONSTRUCTS)
