"""What Vault's credential-issuing secrets engines share (database, Nomad, Consul):
roles by name, a token or credential read at `<mount>/creds/<role>`, and a grant
of exactly `read` there (each engine's api-docs: a GET on creds issues one)."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack.vault.grants import Grant, Grantable, grant


class _Named(Protocol):
    @property
    def name(self) -> str: ...


R = TypeVar("R", bound=_Named)


class CredsEngine(Construct, Generic[R]):
    """A secrets engine mount whose roles issue credentials at `<path>/creds/<role>`.
    Subclasses set `path` and fill `roles`."""

    path: str
    roles: dict[str, R]

    def creds_path(self, role: str | R) -> str:
        """`<mount>/creds/<role>`: where a credential is read."""
        name = role if isinstance(role, str) else role.name
        return f"{self.path}/creds/{name}"

    def role(self, role: str | R) -> R:
        """The role named `role` on this mount (ConstructError if there is none)."""
        name = role if isinstance(role, str) else role.name
        found = self.roles.get(name) if isinstance(name, str) else None
        if found is None or (not isinstance(role, str) and found is not role):
            raise ConstructError(self, f"no role {name!r} on {self.path} (add_role first)")
        return found

    def grant_creds(self, grantee: Grantable, role: str | R) -> Grant:
        """Exactly `read` on `<mount>/creds/<role>`, and nothing else: a GET there
        issues a credential."""
        return grant(grantee, self.creds_path(self.role(role)), "read")
