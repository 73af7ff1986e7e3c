"""Nomad's token role (the legacy token workflow) and the policies it must keep out."""

from __future__ import annotations

from hashistack.checks.env import Env, Resource
from hashistack.vault.acl import Acl

NOMAD_TOKEN_ROLE = "nomad-cluster"  # the documented name (Nomad vault-integration.mdx)
NOMAD_SERVER_POLICY = "nomad-server"


def nomad_token_roles(env: Env) -> list[Resource]:
    """Token roles Nomad mints task tokens from: named in an agent's
    `vault.create_from_role`, or the documented `nomad-cluster`."""
    names = env.create_from_roles() | {NOMAD_TOKEN_ROLE}
    return [r for r in env.resources("vault_token_auth_backend_role")
            if str(r.value("role_name")) in names]


def server_policies(env: Env, role: str) -> set[str]:
    """nomad-server, and any policy that can mint tokens from `role` (as nomad-server does)."""
    out = {NOMAD_SERVER_POLICY}
    for name, res in env.policies.items():
        doc = env.policy_doc(res)
        if doc and Acl.from_policies(doc).allows(f"auth/token/create/{role}", "update"):
            out.add(name)
    return out


def ttl(res: Resource, *keys: str) -> int | None:
    """The first of these TTL attributes that is set, in seconds (`token_period`, then
    the provider's older `period`)."""
    values = [res.seconds(k) for k in keys]
    return next((v for v in values if v is not None), None)
