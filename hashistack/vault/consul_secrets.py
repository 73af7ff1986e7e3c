"""`ConsulSecrets`: Vault's Consul secrets engine, so agents' Consul tokens are leases.

Each read of `<path>/creds/<role>` makes a Consul ACL token holding the role's
Consul policies; Vault deletes it when the lease ends (Vault
website/content/api-docs/secret/consul.mdx, "Generate Credential", GET
/consul/creds/:name). The Nomad agents' tokens (policies `nomad-server`,
`nomad-client`, hashistack.consul.NomadAgentPolicies) and the Consul agents'
own (hashistack.consul.ConsulAgentPolicy) come from here, not by hand.

The engine's own token is a Consul token with `acl = "write"` and a SECRET: a
sensitive Terraform variable (`token_variable`, default `consul_secrets_token`),
supplied at deploy as `TF_VAR_consul_secrets_token`; the JSON holds only
`${var.consul_secrets_token}` (hashistack.vault.secret_variable says where it
still lands: the state).

`bootstrap` is not used. With it Vault bootstraps Consul's ACL system and keeps
the only management token to itself; but here Consul's ACLs are bootstrapped
before any stack applies (the `<env>-consul` stack writes ACL policies with a
management token), a second bootstrap fails, and "If the resource is ever
destroyed, the bootstrap token will be lost and a Consul reset may be
required" (TPV r/consul_secret_backend).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_vault.consul_secret_backend import ConsulSecretBackend
from cdktf_cdktf_provider_vault.consul_secret_backend_role import ConsulSecretBackendRole
from constructs import Construct

from hashistack import _validate as valid
from hashistack._cdktf import ConstructError
from hashistack._validate import MOUNT_PATH
from hashistack.vault.creds_engine import CredsEngine
from hashistack.vault.nomad_secrets import check_ca_cert, lease_ttls
from hashistack.vault.secret_variable import secret_variable

# Consul's policy names: agent/structs/acl.go validPolicyName, ^[A-Za-z0-9\-_]{1,128}$.
CONSUL_POLICY_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")


@dataclass(frozen=True)
class ConsulSecretsRole:
    """One `<mount>/roles/<name>`: tokens holding Consul `policies` for `ttl`."""

    name: str
    policies: tuple[str, ...]
    ttl: int
    max_ttl: int
    creds_path: str
    resource: ConsulSecretBackendRole


class ConsulSecrets(CredsEngine[ConsulSecretsRole]):
    """The Consul secrets engine at `path`: access config and roles.

    `address` is `host:port` and `scheme` `http` or `https`, as Vault reaches
    Consul's servers (TPV r/consul_secret_backend); `ca_cert` the PEM that signed
    Consul's certificate (a literal or `Fn.file(...)`). Roles set their own TTLs.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        address: str,
        scheme: str = "https",
        path: str = "consul",
        ca_cert: str | None = None,
        token_variable: str = "consul_secrets_token",
    ) -> None:
        super().__init__(scope, id)
        if not isinstance(path, str) or not MOUNT_PATH.fullmatch(path):
            raise ConstructError(self, f"path {path!r} is not a mount path like 'consul'")
        if scheme not in ("http", "https"):
            raise ConstructError(self, f"scheme {scheme!r} is not http or https")
        if not valid.is_agent_address(address) or "://" in address:
            raise ConstructError(self, f"address {valid.shown(address)} is not host:port like "
                                       "consul.example:8501 (the scheme goes in `scheme`)")
        check_ca_cert(self, ca_cert)
        self.path = path
        self.token = secret_variable(
            self, token_variable,
            "Consul token (acl = \"write\") for Vault's Consul secrets engine (TF_VAR_"
            f"{token_variable}; never in config)")
        self.backend = ConsulSecretBackend(
            self,
            "backend",
            path=path,
            description="Consul ACL tokens as Vault leases (hashistack)",
            address=address,
            scheme=scheme,
            ca_cert=ca_cert,
            token=self.token.string_value,
        )
        self._backend_path = self.backend.path
        self.roles: dict[str, ConsulSecretsRole] = {}

    def add_role(
        self,
        name: str,
        *,
        policies: Sequence[str],
        ttl: str | int = "1h",
        max_ttl: str | int = "24h",
    ) -> ConsulSecretsRole:
        """Role `name`: tokens holding the Consul ACL `policies` (by name), leased
        for `ttl`, renewable up to `max_ttl`."""
        if not isinstance(name, str) or not valid.VAULT_NAME.match(name):
            raise ConstructError(self, f"role name {name!r} is not a Vault name "
                                       "(letters, digits, '_', '.', '-')")
        if name in self.roles:
            raise ConstructError(self, f"role {name!r} is already defined on {self.path}")
        if isinstance(policies, str) or not policies:
            raise ConstructError(self, f"role {name!r}: policies must be a non-empty list of "
                                       "Consul ACL policy names")
        bad = [p for p in policies
               if not isinstance(p, str) or not CONSUL_POLICY_NAME.fullmatch(p)]
        if bad:
            raise ConstructError(self, f"role {name!r}: {bad[0]!r} is not a Consul ACL policy "
                                       "name (letters, digits, '-', '_')")
        short, longest = lease_ttls(self, ttl, max_ttl)
        resource = ConsulSecretBackendRole(
            self, f"role-{name}", backend=self._backend_path, name=name,
            consul_policies=list(policies), ttl=short, max_ttl=longest)
        role = self.roles[name] = ConsulSecretsRole(
            name, tuple(policies), short, longest, self.creds_path(name), resource)
        return role
