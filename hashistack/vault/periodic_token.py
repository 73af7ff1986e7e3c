"""`PeriodicToken`: a periodic, renewable orphan token for one service's policies."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_vault.token import Token
from cdktf_cdktf_provider_vault.token_auth_backend_role import TokenAuthBackendRole
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack.durations import seconds


class PeriodicToken(Construct):
    """A token role allowing exactly `policies`, and a token made from it.

    Made through a role, the token is orphan and periodic without `sudo`
    (vault/token_store.go: a role's `orphan` and `period` need no root).
    Its value exists only in Terraform state; reference `client_token`,
    never copy it. Consul renews such a token itself at half its TTL.
    """

    def __init__(
        self, scope: Construct, id: str, *, role: str, policies: Sequence[str], period: str = "72h"
    ) -> None:
        super().__init__(scope, id)
        if not policies:
            raise ConstructError(self, "policies is empty")
        if "root" in policies:
            raise ConstructError(self, "the root policy is never given to a service token")
        if seconds(period) <= 0:
            raise ConstructError(self, "period must be positive: the token must be renewable")
        self.role = TokenAuthBackendRole(
            self,
            "role",
            role_name=role,
            allowed_policies=list(policies),
            orphan=True,
            renewable=True,
            token_period=seconds(period),
            token_explicit_max_ttl=0,
        )
        self.token = Token(
            self,
            "token",
            role_name=self.role.role_name,
            policies=list(policies),
            renewable=True,
            no_default_policy=True,
            display_name=role,
        )
        self.client_token = self.token.client_token
