"""`TokenRole`: the `nomad-cluster` token role of Nomad's legacy workflow."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_vault.token_auth_backend_role import TokenAuthBackendRole
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack.durations import seconds


class TokenRole(Construct):
    """The role Nomad servers create task tokens from (`create_from_role`).

    Nomad checks the role itself (NMD@v1.6.0 nomad/vault.go validateRole) and
    its docs say: renewable "Must be set to true", token_explicit_max_ttl
    "Must be set to 0", token_period "Must be set to a positive value", and
    the server's own policy "should be included in list of disallowed
    policies". Those rules are refused here, before Vault or Nomad sees them.
    `orphan=True` is the documented recommendation (hashicorp/nomad#3992).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str = "nomad-cluster",
        server_policy: str = "nomad-server",
        allowed_policies: Sequence[str] = (),
        disallowed_policies: Sequence[str] = (),
        period: str | int = "72h",
        orphan: bool = True,
        renewable: bool = True,
        explicit_max_ttl: str | int = 0,
    ) -> None:
        super().__init__(scope, id)
        disallowed = list(dict.fromkeys([*disallowed_policies, server_policy]))
        if not renewable:
            raise ConstructError(self, "renewable must be true: Nomad renews the tokens it creates")
        if seconds(explicit_max_ttl) != 0:
            raise ConstructError(
                self, "token_explicit_max_ttl must be 0: Nomad's tokens must be periodic"
            )
        if seconds(period) <= 0:
            raise ConstructError(self, "token_period must be positive (Nomad suggests 72h)")
        if server_policy in allowed_policies:
            raise ConstructError(
                self,
                f"{server_policy!r} must not be an allowed policy: task tokens "
                "would get the Nomad server's own rights",
            )
        self.name = name
        self.server_policy = server_policy
        self.resource = TokenAuthBackendRole(
            self,
            "role",
            role_name=name,
            allowed_policies=list(allowed_policies) or None,
            disallowed_policies=disallowed,
            orphan=orphan,
            renewable=True,
            token_period=seconds(period),
            token_explicit_max_ttl=0,
        )
