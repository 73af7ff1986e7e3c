"""Consul Connect's Vault CA provider configuration (pure)."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hashistack.durations import format_hours, seconds
from hashistack.key_bits import CONSUL_CA_KEY_BITS, consul_ca_key_problem

HOUR = 3600
MAX_LEAF = 365 * 24 * HOUR
AUTH_METHOD_TYPES = ("approle", "aws", "azure", "gcp", "jwt", "kubernetes")

# Since hashicorp/consul#23249 (a fix for arbitrary file reads, in 1.22.x by
# #23261), Consul reads the Vault CA provider's credential files only inside
# these directories (agent/connect/ca/provider_vault_auth_approle.go and
# provider_vault_auth_jwt.go, `allowedDirs`), through os.OpenRoot.
SECRETS_DIRS = ("/var/run/secrets/vault", "/run/secrets/vault", "/var/run/secrets", "/run/secrets")
AUTH_FILE_DIRS: dict[str, tuple[str, ...]] = {
    "approle": SECRETS_DIRS,
    "jwt": ("/var/run/secrets/kubernetes.io/serviceaccount", *SECRETS_DIRS),
}
AUTH_FILE_PARAMS = {"approle": ("role_id_file_path", "secret_id_file_path"), "jwt": ("path",)}


def auth_file_problem(method: str, path: str) -> str | None:
    """Why Consul would refuse to read this credential file, or None.

    As Consul decides: the cleaned path must lie inside an allowed directory,
    not be the directory itself (filepath.Clean, filepath.Rel).
    """
    allowed = AUTH_FILE_DIRS.get(method)
    if allowed is None:
        return None
    if not isinstance(path, str) or not path.startswith("/"):
        return f"{path!r} is not an absolute path"
    clean = posixpath.normpath(path)
    for directory in allowed:
        rel = posixpath.relpath(clean, directory)
        if not rel.startswith("..") and rel != ".":
            return None
    return (f"{path} is outside the directories Consul reads Vault credentials from "
            f"({', '.join(allowed)}; hashicorp/consul#23249, Consul 1.22 and later)")
KEY_BITS = CONSUL_CA_KEY_BITS  # the old name; the table is in hashistack.key_bits


def ttl_problems(
    leaf: str, intermediate: str, root: str, key_type: str = "ec", key_bits: int = 256
) -> list[str]:
    """The rules Consul enforces on CA TTLs and keys, each quoting Consul's message.

    hashicorp/consul agent/structs/connect_ca.go, CommonCAProviderConfig.Validate.
    Consul stops at the first; every broken rule is listed here.
    """
    leaf_s, int_s, root_s = seconds(leaf), seconds(intermediate), seconds(root)
    out = []
    if root_s < int_s:
        out.append(
            f"RootCertTTL {root} < IntermediateCertTTL {intermediate}: Consul requires "
            '"root cert TTL ... greater than intermediate cert ttl"'
        )
    if leaf_s < HOUR:
        out.append(
            f'LeafCertTTL {leaf}: Consul requires "leaf cert TTL must be greater or '
            'equal than 1h0m0s"'
        )
    if leaf_s > MAX_LEAF:
        out.append(
            f'LeafCertTTL {leaf}: Consul requires "leaf cert TTL must be less than 8760h0m0s"'
        )
    if int_s < 3 * HOUR:
        out.append(
            f'IntermediateCertTTL {intermediate}: Consul requires "Intermediate Cert '
            'TTL must be greater or equal than 3h"'
        )
    if int_s < 3 * leaf_s:
        out.append(
            f'IntermediateCertTTL {intermediate}: Consul requires "Intermediate Cert TTL must '
            f'be greater or equal than 3 * LeafCertTTL (>={format_hours(3 * leaf_s)})"'
        )
    key_problem = consul_ca_key_problem(key_type, key_bits)
    if key_problem:
        out.append(key_problem)
    return out


@dataclass(frozen=True)
class VaultAuthMethod:
    """`AuthMethod{Type, MountPath, Params}`: Consul logs in to Vault itself."""

    type: str
    mount_path: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in AUTH_METHOD_TYPES:
            raise ValueError(
                f"AuthMethod.Type {self.type!r}: Consul supports {', '.join(AUTH_METHOD_TYPES)}"
            )
        for key in AUTH_FILE_PARAMS.get(self.type, ()):
            value = self.params.get(key)
            problem = None if value is None else auth_file_problem(self.type, value)
            if problem:
                raise ValueError(f"AuthMethod.Params.{key}: {problem}")

    def to_json(self) -> dict[str, Any]:
        """The `AuthMethod` object as Consul's Vault CA provider reads it."""
        return {"Type": self.type, "MountPath": self.mount_path, "Params": dict(self.params)}


@dataclass(frozen=True)
class VaultCaConfig:
    """The `config_json` of `consul_certificate_authority` with provider vault.

    Keys as `VaultCAProviderConfig` and `CommonCAProviderConfig` name them
    (hashicorp/consul agent/structs/connect_ca.go). `token` may only be a
    Terraform reference: a literal would land in synthesized JSON.
    """

    address: str
    root_pki_path: str
    intermediate_pki_path: str
    auth_method: VaultAuthMethod | None = None
    token: str | None = None
    leaf_cert_ttl: str = "72h"
    intermediate_cert_ttl: str = "8760h"
    root_cert_ttl: str = "87600h"
    private_key_type: str = "ec"
    private_key_bits: int = 256
    ca_file: str | None = None
    ca_path: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    tls_server_name: str | None = None
    tls_skip_verify: bool = False
    namespace: str | None = None

    def problems(self) -> list[str]:
        """What Consul would refuse in this config (its own messages), or []."""
        out = ttl_problems(
            self.leaf_cert_ttl,
            self.intermediate_cert_ttl,
            self.root_cert_ttl,
            self.private_key_type,
            self.private_key_bits,
        )
        if not self.root_pki_path or not self.intermediate_pki_path:
            out.append("RootPKIPath and IntermediatePKIPath are required (the PKI mounts)")
        elif self.root_pki_path.strip("/") == self.intermediate_pki_path.strip("/"):
            out.append("RootPKIPath and IntermediatePKIPath must differ")
        if (self.auth_method is None) == (self.token is None):
            out.append(
                "give exactly one of an AuthMethod or a token reference: Consul says "
                '"You must either provide a token or configure an auth method"'
            )
        if self.token is not None and "${" not in self.token:
            out.append(
                "Token must be a Terraform reference (e.g. vault_token.x.client_token), "
                "never a literal: it would be written into the synthesized JSON"
            )
        return out

    def to_json(self) -> dict[str, Any]:
        """The `config_json` object, keys as Consul names them."""
        out: dict[str, Any] = {
            "Address": self.address,
            "RootPKIPath": self.root_pki_path,
            "IntermediatePKIPath": self.intermediate_pki_path,
            "LeafCertTTL": self.leaf_cert_ttl,
            "IntermediateCertTTL": self.intermediate_cert_ttl,
            "RootCertTTL": self.root_cert_ttl,
            "PrivateKeyType": self.private_key_type,
            "PrivateKeyBits": self.private_key_bits,
        }
        optional = {
            "AuthMethod": self.auth_method.to_json() if self.auth_method else None,
            "Token": self.token,
            "CAFile": self.ca_file,
            "CAPath": self.ca_path,
            "CertFile": self.cert_file,
            "KeyFile": self.key_file,
            "TLSServerName": self.tls_server_name,
            "TLSSkipVerify": self.tls_skip_verify or None,
            "Namespace": self.namespace,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        return out
