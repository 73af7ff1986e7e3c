"""`NomadSecrets`: Vault's Nomad secrets engine, so a Nomad token is a Vault lease.

Each read of `<path>/creds/<role>` makes a Nomad ACL token holding the role's
Nomad policies; Vault deletes it when the lease ends (Vault
website/content/api-docs/secret/nomad.mdx, "Generate Credential", GET
/nomad/creds/:name). `NOMAD_TOKEN` for `cdktf deploy` and CI is then

    vault read -field=secret_id <path>/creds/<role>

with a TTL of `ttl` (renewable up to `max_ttl`), not a long-lived secret.

The engine's own token is a Nomad management token and a SECRET. It never
comes from config and is never a literal in the synthesized JSON: it is a
sensitive Terraform variable (`token_variable`, default `nomad_secrets_token`),
supplied at deploy as `TF_VAR_nomad_secrets_token`; the JSON holds only
`${var.nomad_secrets_token}`. Vault does not return it on read, and the
provider (TPV r/nomad_secret_backend, v5.6: "All data provided in the resource
configuration will be written in cleartext to state") keeps it in state, so the
state backend must be guarded like the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_vault.nomad_secret_backend import NomadSecretBackend
from cdktf_cdktf_provider_vault.nomad_secret_role import NomadSecretRole
from constructs import Construct

from hashistack import _validate as valid
from hashistack._cdktf import ConstructError
from hashistack._validate import MOUNT_PATH
from hashistack.durations import seconds
from hashistack.nomad.acl_policy import POLICY_NAME
from hashistack.vault.creds_engine import CredsEngine
from hashistack.vault.secret_variable import secret_variable


@dataclass(frozen=True)
class NomadSecretsRole:
    """One `<mount>/role/<name>`: tokens of `type` holding Nomad `policies`."""

    name: str
    policies: tuple[str, ...]
    creds_path: str
    resource: NomadSecretRole


def lease_ttls(scope: Construct, ttl: str | int, max_ttl: str | int) -> tuple[int, int]:
    """`ttl` and `max_ttl` in seconds, both positive, `ttl` <= `max_ttl`."""
    try:
        short, longest = seconds(ttl), seconds(max_ttl)
    except ValueError as err:
        raise ConstructError(scope, str(err)) from None
    if short <= 0 or longest <= 0:
        raise ConstructError(scope, "ttl and max_ttl must be positive (0 would fall back to "
                                    "Vault's system TTLs, 768h by default)")
    if short > longest:
        raise ConstructError(scope, f"ttl {ttl} exceeds max_ttl {max_ttl}")
    return short, longest


def check_ca_cert(scope: Construct, ca_cert: str | None) -> None:
    """A literal CA must be PEM; a reference (`Fn.file(...)`) is read at plan time."""
    if ca_cert is None or Token.is_unresolved(ca_cert):
        return
    try:
        valid.certificates(ca_cert, "ca_cert")
    except ValueError as err:
        raise ConstructError(scope, str(err)) from None


class NomadSecrets(CredsEngine[NomadSecretsRole]):
    """The Nomad secrets engine at `path`: its access config and its roles.

    `address` is Nomad's HTTP API as Vault reaches it; `ca_cert` the PEM that
    signed Nomad's certificate (a literal or `Fn.file(...)`). Leases last `ttl`,
    renewable up to `max_ttl` (the mount's and the engine's lease config alike).
    The management token: see the module docstring (a sensitive variable).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        address: str,
        path: str = "nomad",
        ca_cert: str | None = None,
        ttl: str | int = "1h",
        max_ttl: str | int = "8h",
        token_variable: str = "nomad_secrets_token",
    ) -> None:
        super().__init__(scope, id)
        if not isinstance(path, str) or not MOUNT_PATH.fullmatch(path):
            raise ConstructError(self, f"path {path!r} is not a mount path like 'nomad'")
        if not valid.is_url(address):
            raise ConstructError(self, f"address {valid.shown(address)} is not Nomad's URL "
                                       "like https://nomad.example:4646")
        check_ca_cert(self, ca_cert)
        short, longest = lease_ttls(self, ttl, max_ttl)
        self.path = path
        self.ttl, self.max_ttl = short, longest
        self.token = secret_variable(
            self, token_variable,
            "Nomad management token for Vault's Nomad secrets engine (TF_VAR_"
            f"{token_variable}; never in config)")
        self.backend = NomadSecretBackend(
            self,
            "backend",
            backend=path,
            description="Nomad ACL tokens as Vault leases (hashistack)",
            address=address,
            ca_cert=ca_cert,
            token=self.token.string_value,
            default_lease_ttl_seconds=short,
            max_lease_ttl_seconds=longest,
            ttl=short,
            max_ttl=longest,
        )
        self._backend_path = self.backend.backend  # roles follow the mount
        self.roles: dict[str, NomadSecretsRole] = {}

    def add_role(self, name: str, *, policies: Sequence[str]) -> NomadSecretsRole:
        """Role `name`: `client` tokens holding the Nomad ACL `policies` (by name; the
        policies live in Nomad, `hashistack.nomad.acl.NomadAclPolicy`).

        `management` tokens are not offered: they bypass every Nomad policy.
        """
        if not isinstance(name, str) or not valid.VAULT_NAME.match(name):
            raise ConstructError(self, f"role name {name!r} is not a Vault name "
                                       "(letters, digits, '_', '.', '-')")
        if name in self.roles:
            raise ConstructError(self, f"role {name!r} is already defined on {self.path}")
        if isinstance(policies, str) or not policies:
            # Vault: client tokens need policies (api-docs/secret/nomad.mdx, `policies`).
            raise ConstructError(self, f"role {name!r}: policies must be a non-empty list of "
                                       "Nomad ACL policy names")
        bad = [p for p in policies if not isinstance(p, str) or not POLICY_NAME.fullmatch(p)]
        if bad:
            raise ConstructError(self, f"role {name!r}: {bad[0]!r} is not a Nomad ACL policy "
                                       "name (letters, digits, '-')")
        resource = NomadSecretRole(
            self, f"role-{name}", backend=self._backend_path, role=name,
            policies=list(policies), type="client")
        role = self.roles[name] = NomadSecretsRole(
            name, tuple(policies), self.creds_path(name), resource)
        return role
