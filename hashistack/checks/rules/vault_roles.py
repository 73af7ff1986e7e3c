"""Vault auth roles: Nomad's token role, JWT audiences, periodic tokens."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, Resource
from hashistack.checks.model import ERROR, Hit, rule
from hashistack.checks.rules._jobs import default_role, jobs, jwt_role, role_name, uses_legacy
from hashistack.vault.acl import Acl

NOMAD_TOKEN_ROLE = "nomad-cluster"  # the documented name (Nomad vault-integration.mdx)
NOMAD_SERVER_POLICY = "nomad-server"


def nomad_token_roles(env: Env) -> list[Resource]:
    """Token roles Nomad mints task tokens from: named in an agent's
    `vault.create_from_role`, or the documented `nomad-cluster`."""
    names = env.create_from_roles() | {NOMAD_TOKEN_ROLE}
    return [r for r in env.resources("vault_token_auth_backend_role")
            if str(r.value("role_name")) in names]


def _server_policies(env: Env, role: str) -> set[str]:
    """nomad-server, and any policy that can mint tokens from `role` (as nomad-server does)."""
    out = {NOMAD_SERVER_POLICY}
    for name, res in env.policies.items():
        doc = env.policy_doc(res)
        if doc and Acl.from_policies(doc).allows(f"auth/token/create/{role}", "update"):
            out.add(name)
    return out


def _ttl(res: Resource, *keys: str) -> int | None:
    values = [res.seconds(k) for k in keys]
    return next((v for v in values if v is not None), None)


@rule(
    "HS-VAULT-006", ERROR, "Nomad's token role breaks Nomad's rules",
    explanation=(
        "Nomad validates its token role at start (NMD@v1.6.0 nomad/vault.go validateRole): "
        "\"Role must allow tokens to be renewed\", \"Role can not use an explicit max ttl. "
        "Token must be periodic.\", \"Role must have a non-zero period\". The docs "
        "(vault-integration.mdx) add: nomad-server \"should be included in list of "
        "disallowed policies\", or tasks could mint Nomad's own token."
    ),
    fix="renewable = true, token_explicit_max_ttl = 0, token_period > 0 (e.g. 259200), "
        "disallowed_policies = [\"nomad-server\"] (hashistack.vault.TokenRole does this).",
)
def nomad_token_role(env: Env) -> Iterator[Hit]:
    for res in nomad_token_roles(env):
        name = res.value("role_name")
        if res.get("renewable") is False:
            yield Hit(res, f"token role {name!r}: renewable = false; Nomad: \"Role must "
                      "allow tokens to be renewed\"")
        if (_ttl(res, "token_explicit_max_ttl", "explicit_max_ttl") or 0) > 0:
            yield Hit(res, f"token role {name!r}: explicit max TTL set; Nomad: \"Role can "
                      "not use an explicit max ttl. Token must be periodic.\"")
        if not _ttl(res, "token_period", "period"):
            yield Hit(res, f"token role {name!r}: no token_period; Nomad: \"Role must have "
                      "a non-zero period\"")
        missing = sorted(_server_policies(env, str(name)) - set(res.names("disallowed_policies")))
        if missing:
            yield Hit(res, f"token role {name!r}: disallowed_policies lacks "
                      f"{', '.join(missing)}; tasks could get Nomad's server token policy")


def nomad_jwt_roles(env: Env) -> dict[str, list[str]]:
    """JWT role names Nomad's tasks log in with -> who uses them: the backend's
    default_role, and each job task's effective role (workload identity only)."""
    out: dict[str, list[str]] = {}
    name = default_role(env)
    if name:
        out.setdefault(name, []).append("the JWT auth backend's default_role")
    for job in jobs(env):
        for (group, task), vb in sorted(job.vaults.items()):
            if vb is None or uses_legacy(env, vb):
                continue
            name = role_name(env, vb)
            if name:
                out.setdefault(name, []).append(f"job {job.name!r} task {group}/{task}")
    return out


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
            users = ", ".join(dict.fromkeys(used[res]))
            yield Hit(res, f"JWT role {name!r} has role_type {role_type!r}"
                      f"{'' if res.get('role_type') else ' (the default)'}, used by {users}: "
                      "Vault refuses Nomad's JWT login (\"role with oidc role_type is not "
                      "allowed\")")
        if (role_type == "jwt" or res in used) and not res.names("bound_audiences"):
            yield Hit(res, f"JWT role {name!r} has no bound_audiences")


@rule(
    "HS-VAULT-008", ERROR, "periodic token with an explicit max TTL",
    explanation=(
        "A periodic token lives as long as it is renewed within its period, but an "
        "explicit max TTL is a hard limit even for periodic tokens (Vault tokens concept "
        "page); the holder's token dies at that TTL. Nomad's WI docs: "
        "\"token_explicit_max_ttl must be set to 0\" (integrations/vault/acl.mdx)."
    ),
    fix="Set token_explicit_max_ttl = 0, or drop token_period.",
)
def periodic_with_max_ttl(env: Env) -> Iterator[Hit]:
    for res in env.resources():
        if not (res.type.startswith("vault_") and res.type.endswith("_role")):
            continue
        period = _ttl(res, "token_period", "period") or 0
        max_ttl = _ttl(res, "token_explicit_max_ttl", "explicit_max_ttl") or 0
        if period > 0 and max_ttl > 0:
            name = res.get("role_name") or res.get("name")
            yield Hit(res, f"role {name!r}: token_period {period}s with "
                      f"token_explicit_max_ttl {max_ttl}s")
