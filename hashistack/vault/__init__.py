"""Vault: the pure policy model and ACL engine, and the construct shells."""

from hashistack._lazy import exports

_CONSTRUCTS = {
    "VaultPolicy": "vault_policy",
    "KvV2": "kv",
    "TokenRole": "token_role",
    "CertAuthBackend": "cert_auth",
    "CertAuthRole": "cert_auth",
    "PkiHierarchy": "pki",
    "NomadWorkloadIdentity": "jwt_auth",
    "AppRoleBackend": "approle",
    "AppRole": "approle",
    "AuditDevice": "audit",
    "PeriodicToken": "periodic_token",
}
__all__ = list(_CONSTRUCTS)
__getattr__ = exports(__name__, _CONSTRUCTS)
