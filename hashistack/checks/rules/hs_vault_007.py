"""HS-VAULT-007: JWT roles Nomad's login would be refused with."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, Resource
from hashistack.checks.facts.tokens import jwt_role, nomad_jwt_roles
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-VAULT-007", ERROR, "JWT role Nomad's login would be refused",
    explanation=(
        "Vault's JWT roles default to role_type \"oidc\" (TPV r/jwt_auth_backend_role: "
        "role_type is 'either \"oidc\" (default) or \"jwt\"'), and the plugin refuses a JWT "
        "login with one: \"role with oidc role_type is not allowed\" (hashicorp/"
        "vault-plugin-auth-jwt path_login.go). Nomad's workload identities also carry an "
        "`aud` claim, and Vault requires bound_audiences on a jwt role (Vault JWT auth "
        "API); Nomad's docs: aud \"must match the bound_audiences\" (configuration/vault.mdx)."
    ),
    fix="Set role_type = \"jwt\" and bound_audiences to the server's "
        "vault.default_identity.aud (e.g. [\"vault.io\"]); "
        "hashistack.vault.NomadWorkloadIdentity does both.",
)
def jwt_role_audiences(env: Env) -> Iterator[Hit]:
    used: dict[Resource, list[str]] = {}
    for name, users in nomad_jwt_roles(env).items():
        role = jwt_role(env, name)
        if role is not None:
            used.setdefault(role, []).extend(users)
    for res in env.resources("vault_jwt_auth_backend_role"):
        name = res.value("role_name")
        role_type = str(res.value("role_type") or "oidc")  # Vault's default
        if res in used and role_type != "jwt":
            by = ", ".join(dict.fromkeys(used[res]))
            yield Hit(res, f"JWT role {name!r} has role_type {role_type!r}"
                      f"{'' if res.get('role_type') else ' (the default)'}, used by {by}: "
                      "Vault refuses Nomad's JWT login (\"role with oidc role_type is not "
                      "allowed\")")
        if (role_type == "jwt" or res in used) and not res.names("bound_audiences"):
            yield Hit(res, f"JWT role {name!r} has no bound_audiences")
