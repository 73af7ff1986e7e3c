"""`AppRole`: the login Vault Agent uses (seed 002), or Consul's CA provider."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_vault.approle_auth_backend_role import ApproleAuthBackendRole
from cdktf_cdktf_provider_vault.auth_backend import AuthBackend
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack._cdktf import protect as protect_state
from hashistack.durations import seconds
from hashistack.vault.grants import role_default_policy
from hashistack.vault.vault_policy import VaultPolicy


class AppRoleBackend(Construct):
    """The AppRole auth method (`vault_auth_backend` of type approle) its roles
    live under; guarded with prevent_destroy in prod (`protect=`)."""

    def __init__(self, scope: Construct, id: str, *, path: str = "approle",
                 protect: bool | None = None) -> None:
        super().__init__(scope, id)
        self.path = path
        self.resource = AuthBackend(
            self,
            "backend",
            type="approle",
            path=path,
            description="AppRole logins for agents (hashistack)",
        )
        protect_state(self, self.resource, protect)  # deleting it drops every secret ID
        # The mount's reference, asked of Node once rather than once per role.
        self.path_ref = self.resource.path


class AppRole(Construct):
    """An AppRole role. The secret ID is not made here: it would land in
    Terraform state. Issue one at install time with
    `vault write -f auth/<path>/role/<role>/secret-id`.

    `token_policies` are policy names or `VaultPolicy` constructs. A
    `Grantable` (`grantee_kind` "approle-role"): a grant to the role
    (`kv.grant_read(role, "myapp")`) adds to its default policy, the first
    `VaultPolicy` of `token_policies`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        backend: AppRoleBackend,
        role: str,
        token_policies: Sequence[str | VaultPolicy],
        token_ttl: str = "1h",
        token_max_ttl: str = "4h",
        token_period: str | None = None,
        secret_id_ttl: str | int = "24h",
        bound_cidrs: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        if not token_policies:
            raise ConstructError(self, "token_policies is empty: the login would grant nothing")
        if token_period is None and seconds(token_ttl) > seconds(token_max_ttl):
            raise ConstructError(
                self, f"token_ttl {token_ttl} exceeds token_max_ttl {token_max_ttl}"
            )
        self.backend = backend
        self.role = role
        self.policies = tuple(p for p in token_policies if isinstance(p, VaultPolicy))
        self.token_policies = [p.name if isinstance(p, VaultPolicy) else p
                               for p in token_policies]
        self.resource = ApproleAuthBackendRole(
            self,
            "role",
            backend=backend.path_ref,
            role_name=role,
            token_policies=self.token_policies,
            token_ttl=None if token_period else seconds(token_ttl),
            token_max_ttl=None if token_period else seconds(token_max_ttl),
            token_period=seconds(token_period) if token_period else None,
            secret_id_ttl=seconds(secret_id_ttl),
            bind_secret_id=True,
            secret_id_bound_cidrs=list(bound_cidrs) or None,
            token_bound_cidrs=list(bound_cidrs) or None,
        )

    @property
    def grantee_name(self) -> str:
        """The role's name on the AppRole auth method."""
        return self.role

    @property
    def grantee_kind(self) -> str:
        """`approle-role`."""
        return "approle-role"

    @property
    def default_policy(self) -> VaultPolicy:
        """The policy grants to this role add to: the first `VaultPolicy` it holds."""
        return role_default_policy(self, self.role, self.policies, self.token_policies)
