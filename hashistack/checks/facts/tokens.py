"""The Vault token each Nomad task gets: its JWT role (workload identity) or its
jobspec policies (legacy), the identity its templated policies render for, and
the JWT roles Nomad's tasks log in with."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from hashistack.checks.env import Env, Resource, blocks
from hashistack.checks.facts.jobs import JobInfo, jobs
from hashistack.nomad.jobspec import VaultBlock
from hashistack.vault.acl import Identity

DEFAULT_JWT_PATH = "jwt-nomad"  # Nomad agent `vault.jwt_auth_backend_path` default


@dataclass(frozen=True)
class Token:
    """What a task's Vault token would be: its policies and where they come from."""

    policies: tuple[str, ...]
    via: str  # "jobspec vault.policies" or "JWT role <name> (<construct path>)"
    identity: Identity | None = None
    role: Resource | None = None


def _jwt_backend(env: Env) -> Resource | None:
    return env.memo("jwt_backend", lambda: _find_jwt_backend(env))


def _find_jwt_backend(env: Env) -> Resource | None:
    paths = {
        str(env.deref(v.get("jwt_auth_backend_path") or DEFAULT_JWT_PATH))
        for _, doc in env.agent_configs
        for v in blocks(doc.get("vault"))
        if "client" in doc
    }
    backends = env.resources("vault_jwt_auth_backend")
    match = [b for b in backends if str(b.value("path") or "jwt") in (paths or {DEFAULT_JWT_PATH})]
    return match[0] if match else (backends[0] if len(backends) == 1 else None)


def _on_backend(role: Resource, backend: Resource | None) -> bool:
    if backend is None:
        return True
    refs = (str(role.get("backend") or "jwt"), str(role.value("backend") or "jwt"))
    return any(
        ref in (f"${{{backend.address}.path}}", str(backend.value("path") or "jwt")) for ref in refs
    )


def backend_of(env: Env, role: Resource) -> Resource | None:
    """The vault_jwt_auth_backend a JWT role is on (by reference, else by path)."""
    ref = env.resource_at(str(role.get("backend") or ""), role.stack)
    if ref is not None and ref.type == "vault_jwt_auth_backend":
        return ref
    path = str(role.value("backend") or "jwt")
    match = [
        b for b in env.resources("vault_jwt_auth_backend") if str(b.value("path") or "jwt") == path
    ]
    return match[0] if len(match) == 1 else None


def default_role(env: Env) -> str | None:
    """The default_role of the JWT auth backend Nomad's clients log in with."""
    backend = _jwt_backend(env)
    value = backend.value("default_role") if backend else None
    return str(value) if value else None


def role_name(env: Env, vb: VaultBlock) -> str | None:
    """jobspec vault.role, else the client's create_from_role, else the default_role
    (precedence: hashicorp-modules/terraform-vault-nomad-setup main.tf comment)."""
    if vb.role:
        return str(env.deref(vb.role))
    client = env.memo("client_create_from_role", lambda: [
        str(env.deref(v["create_from_role"]))
        for _, doc in env.agent_configs
        if "client" in doc
        for v in blocks(doc.get("vault"))
        if v.get("create_from_role")
    ])
    if client:
        return client[0]
    return default_role(env)


def jwt_role(env: Env, name: str) -> Resource | None:
    """The JWT role of that name on the backend Nomad's clients log in with."""
    return env.memo("jwt_roles", lambda: _jwt_roles(env)).get(str(env.deref(name)))


def _jwt_roles(env: Env) -> dict[str, Resource]:
    backend, out = _jwt_backend(env), dict[str, Resource]()
    for r in env.resources("vault_jwt_auth_backend_role"):
        if _on_backend(r, backend):
            out.setdefault(str(r.value("role_name")), r)
    return out


def user_claim_value(role: Resource, claims: dict[str, str]) -> str | None:
    """The value of the claim the role's `user_claim` names: the entity alias name
    (Vault JWT auth API: user_claim "will be used as the name for the Identity entity
    alias"). With user_claim_json_pointer, `/a` names claim `a` (RFC 6901)."""
    claim = role.value("user_claim")
    if not isinstance(claim, str) or not claim:
        return None
    if role.get("user_claim_json_pointer") in (True, "true"):
        parts = claim.split("/")
        if len(parts) != 2 or parts[0]:
            return None  # nested pointers: Nomad's identity claims are flat
        claim = parts[1].replace("~1", "/").replace("~0", "~")
    return claims.get(claim)


def role_identity(env: Env, role: Resource, claims: dict[str, str]) -> Identity:
    """The entity alias a login with `role` and these claims gets: its name from
    user_claim, its metadata from claim_mappings (claim -> metadata key)."""
    mappings = role.mapping("claim_mappings")
    kwargs: dict[str, Any] = {
        "alias_name": user_claim_value(role, claims),
        "alias_metadata": {str(key): claims[c] for c, key in mappings.items() if c in claims},
    }
    backend = backend_of(env, role)
    if backend is not None:
        kwargs["accessor_ref"] = f"{backend.address}.accessor"
    return Identity(**kwargs)


def uses_legacy(env: Env, vb: VaultBlock) -> bool:
    """With workload identity configured, Nomad ignores jobspec vault.policies."""
    if env.integration is None:
        return bool(vb.policies) and not vb.role
    return env.integration == "legacy"


def token_for(env: Env, job: JobInfo, group: str, task: str, vb: VaultBlock) -> Token | str:
    """The task's token, or why it cannot get one."""
    if uses_legacy(env, vb):
        return Token(tuple(vb.policies or ()), "jobspec vault.policies")
    name = role_name(env, vb)
    if name is None:
        return "it names no vault.role and the JWT auth backend has no default_role"
    role = jwt_role(env, name)
    if role is None:
        return f"its JWT role {name!r} is not defined (no vault_jwt_auth_backend_role)"
    return Token(
        tuple(role.names("token_policies")),
        f"JWT role {name!r} ({role.path})",
        role_identity(env, role, job.claims(group, task)),
        role,
    )


def bound_claim_mismatch(role: Resource, claims: dict[str, str]) -> list[str]:
    """bound_claims the task's JWT would not satisfy. TPV: a value may be a
    comma-separated list; with bound_claims_type = "glob" each is a glob."""
    bound = role.mapping("bound_claims")
    glob = role.get("bound_claims_type") == "glob"
    out = []
    for claim, expected in sorted(bound.items()):
        if claim not in claims:
            continue
        values = expected if isinstance(expected, list) else str(expected).split(",")
        values = [str(v).strip() for v in values]
        actual = claims[claim]
        ok = any(fnmatch.fnmatchcase(actual, v) if glob else actual == v for v in values)
        if not ok:
            out.append(f"{claim}={','.join(values)} (the job has {actual!r})")
    return out


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
