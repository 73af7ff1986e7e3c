"""`NomadAclPolicy`: a Nomad ACL policy (`hashistack.nomad.acl_policy.AclPolicy`)
as a `nomad_acl_policy` resource."""

from __future__ import annotations

from cdktf_cdktf_provider_nomad.acl_policy import AclPolicy as _AclPolicyResource
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack.errors import FieldError
from hashistack.nomad import acl_policy


class NomadAclPolicy(Construct):
    """One Nomad ACL policy, its rules rendered from the model.

    `policy` is an `AclPolicy`, or a preset's name (`operator`, `ci-deploy`,
    `read-only`) made for `namespaces`. Tokens holding it come from Vault's
    Nomad secrets engine (`hashistack.vault.NomadSecrets`), whose roles name
    the policy by `name`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        policy: acl_policy.AclPolicy | str,
        namespaces: tuple[str, ...] | list[str] = ("default",),
        name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        if isinstance(policy, str):
            preset = acl_policy.PRESETS.get(policy)
            if preset is None:
                raise ConstructError(self, f"no Nomad ACL policy preset {policy!r} (one of "
                                           f"{', '.join(acl_policy.PRESETS)})")
            if isinstance(namespaces, str) or not namespaces:
                raise ConstructError(self, "namespaces must be a non-empty list")
            try:
                policy = preset(tuple(namespaces), name or policy)
            except FieldError as err:
                raise ConstructError(self, str(err)) from None
        elif not isinstance(policy, acl_policy.AclPolicy):
            raise ConstructError(self, f"policy must be an AclPolicy or a preset name, not "
                                       f"{type(policy).__name__}")
        self.policy = policy
        self.name = policy.name
        self.resource = _AclPolicyResource(
            self,
            "policy",
            name=policy.name,
            description=policy.description or None,
            rules_hcl=policy.to_hcl(),
        )
