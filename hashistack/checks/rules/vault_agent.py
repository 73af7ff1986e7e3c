"""Vault Agent configs: does the AppRole token a rendered agent logs in with grant
what its templates read?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hashistack.checks.env import Env, Resource, blocks
from hashistack.checks.model import ERROR, WARNING, Hit, rule
from hashistack.hcl_read import read as read_hcl
from hashistack.names import VAULT_AGENT_PREFIX
from hashistack.nomad.jobspec import secret_paths_in_template
from hashistack.vault.acl import Acl, Identity

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


def agent_reads(doc: dict) -> list[AgentRead]:
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


def auth_methods(doc: dict) -> list[tuple[str, dict]]:
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


def mount_of(method: str, body: dict) -> str:
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


def _identity(env: Env, role: Resource) -> Identity:
    """An AppRole login's alias: metadata role_name (its name is the role_id, unknown here)."""
    kwargs: dict[str, Any] = {"alias_metadata": {"role_name": str(role.value("role_name"))}}
    backend = env.resource_at(str(role.get("backend") or ""), role.stack)
    if backend is not None:
        kwargs["accessor_ref"] = f"{backend.address}.accessor"
    return Identity(**kwargs)


@rule(
    "HS-VAULT-011",
    ERROR,
    "Vault Agent template reads a secret its login cannot read",
    explanation=(
        "A rendered Vault Agent config (`vault-agent-<app>.hcl`, `vault-agent-<app>-exec.hcl`) "
        "logs in through auto_auth and renders each template and env_template with that "
        "token (Vault Agent docs: templates use the auto-auth token). The AppRole role is not "
        "named in the file (the role_id is installed out of band), so it is the role "
        "`vault-agent-<app>` on the method's mount_path, as stacks/vault_stack.py creates it; "
        "if none grants read on a template's path, the template never renders. A login that "
        "cannot be resolved to a role in these stacks is a warning."
    ),
    fix="Grant read on the path in the policy of the app's AppRole role "
    "(token_policies of `vault-agent-<app>`), or fix the path in the template.",
)
def agent_reads_not_granted(env: Env) -> Iterator[Hit]:
    for where, text in agent_files(env):
        try:
            doc = read_hcl(text)
        except (ValueError, RecursionError):
            continue  # HS-CHECK-004: a rendered agent config that does not parse is an error
        reads = agent_reads(doc)
        if not reads:
            continue
        names = role_candidates(where)
        methods = auth_methods(doc)
        approle = [mount_of(t, b) for t, b in methods if t == APPROLE]
        role = approle_role(env, names, approle[0]) if approle else None
        if role is None:
            how = (
                f"an AppRole login at auth/{approle[0]}"
                if approle
                else f"auto_auth method {methods[0][0]!r}"
                if methods
                else "no auto_auth method"
            )
            yield Hit(
                where,
                f"Vault Agent config has {how}, and no AppRole role "
                f"{' or '.join(repr(n) for n in names)} on that mount is defined in these "
                f"stacks: cannot resolve its login to check its {len(reads)} secret "
                "read(s)",
                level=WARNING,
            )
            continue
        policies = role.names("token_policies") or role.names("policies")
        known = [r for r in map(env.policy, policies) if r is not None]
        docs = [d for d in (env.policy_doc(r) for r in known) if d is not None]
        acl = Acl.from_policies(docs, _identity(env, role))
        unknown = [p for p in policies if env.policy(p) is None and p != "default"]
        note = f"; not defined in these stacks: {', '.join(unknown)}" if unknown else ""
        by_path: dict[str, list[str]] = {}
        for read in reads:
            by_path.setdefault(read.path, []).append(read.what)
        for path, whats in by_path.items():
            if acl.allows(path, "read"):
                continue
            yield Hit(
                where,
                f"Vault Agent {', '.join(whats)} read{'s' if len(whats) == 1 else ''} "
                f"{path!r}, but the policies "
                f"[{', '.join(policies)}] of its AppRole role "
                f"{role.value('role_name')!r} ({role.path}) do not grant read on it{note}",
                vault_path=path,
            )
