"""Rendered Vault Agent configs: their files, the secrets their templates read,
their auto_auth login and the AppRole role it resolves to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hashistack.checks.core import JsonObject
from hashistack.checks.env import Env, Resource, blocks
from hashistack.names import VAULT_AGENT_PREFIX
from hashistack.nomad.jobspec import secret_paths_in_template
from hashistack.vault.acl import Identity

# stacks/nomad_stack.py renders `vault-agent-<app>.hcl` and `vault-agent-<app>-exec.hcl`;
# stacks/vault_stack.py creates their AppRole role `vault-agent-<app>`.
SUFFIX, EXEC = ".hcl", "-exec"
APPROLE = "approle"


@dataclass(frozen=True)
class AgentRead:
    what: str  # `template "<destination>"` or `env_template "<VAR>"`
    path: str


def agent_files(env: Env) -> Iterator[tuple[Resource, str]]:
    for where, text in env.rendered_files():
        base = where.name.rsplit("/", 1)[-1]
        if (
            base.startswith(VAULT_AGENT_PREFIX)
            and base.endswith(SUFFIX)
            and len(base) > len(VAULT_AGENT_PREFIX + SUFFIX)
        ):
            yield where, text


def role_candidates(where: Resource) -> list[str]:
    """`vault-agent-<app>` for `vault-agent-<app>.hcl` and `vault-agent-<app>-exec.hcl`."""
    stem = where.name.rsplit("/", 1)[-1][: -len(SUFFIX)]
    names = [stem]
    if stem.endswith(EXEC) and len(stem) > len(VAULT_AGENT_PREFIX + EXEC):
        names.append(stem[: -len(EXEC)])
    return names


def agent_reads(doc: JsonObject) -> list[AgentRead]:
    """Secret paths read by each `template { contents }` and `env_template "X" { contents }`."""
    out = []
    for t in blocks(doc.get("template")):
        if isinstance(t.get("contents"), str):
            what = f"template {str(t.get('destination') or '(no destination)')!r}"
            out += [AgentRead(what, p) for p in secret_paths_in_template(t["contents"])]
    for item in blocks(doc.get("env_template")):
        for label, body in item.items():
            for b in blocks(body):
                if isinstance(b.get("contents"), str):
                    out += [
                        AgentRead(f"env_template {label!r}", p)
                        for p in secret_paths_in_template(b["contents"])
                    ]
    return out


def auth_methods(doc: JsonObject) -> list[tuple[str, JsonObject]]:
    """(type, body) of each `auto_auth { method "<type>" {...} }` (or `method { type }`)."""
    out = []
    for auto in blocks(doc.get("auto_auth")):
        for m in blocks(auto.get("method")):
            if isinstance(m.get("type"), str):
                out.append((m["type"], m))
                continue
            for label, body in m.items():
                out += [(str(label), b) for b in blocks(body)]
    return out


def mount_of(method: str, body: JsonObject) -> str:
    """The auth mount path, without `auth/` (Vault Agent's default: `auth/<type>`)."""
    path = str(body.get("mount_path") or f"auth/{method}").strip().strip("/")
    return path[len("auth/") :] if path.startswith("auth/") else path


def approle_role(env: Env, names: list[str], mount: str) -> Resource | None:
    roles = env.memo("approle_roles", lambda: _approle_roles(env))
    return next((roles[(name, mount)] for name in names if (name, mount) in roles), None)


def _approle_roles(env: Env) -> dict[tuple[str, str], Resource]:
    """AppRole roles by (role_name, mount path); the first of a pair wins."""
    out: dict[tuple[str, str], Resource] = {}
    for r in env.resources("vault_approle_auth_backend_role"):
        key = (str(r.value("role_name")), str(r.value("backend") or APPROLE).strip("/"))
        out.setdefault(key, r)
    return out


def approle_identity(env: Env, role: Resource) -> Identity:
    """An AppRole login's alias: metadata role_name (its name is the role_id, unknown here)."""
    kwargs: dict[str, Any] = {"alias_metadata": {"role_name": str(role.value("role_name"))}}
    backend = env.resource_at(str(role.get("backend") or ""), role.stack)
    if backend is not None:
        kwargs["accessor_ref"] = f"{backend.address}.accessor"
    return Identity(**kwargs)
