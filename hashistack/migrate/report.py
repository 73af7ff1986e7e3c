"""The migration report as Markdown (for people) or JSON (for machines)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence

from hashistack.migrate.plan import AUDIENCE, JWT_PATH, AgentChange, Migration, TaskMigration


def to_json(migrations: Sequence[Migration]) -> str:
    """`{"environments": [...]}`, one object per environment (Migration.to_json)."""
    return json.dumps({"environments": [m.to_json() for m in migrations]}, indent=2)


def to_markdown(migrations: Sequence[Migration]) -> str:
    """One section per environment: jobs, agent config, legacy objects, steps, sources."""
    return "\n\n".join(_environment(m) for m in migrations) + "\n"


def _code(text: str) -> str:
    return f"`{text}`"


def _quoted(text: str) -> str:
    return f'"{text}"'


def _caps(caps: Sequence[str]) -> str:
    return ", ".join(caps) if caps else "—"


def _environment(m: Migration) -> str:
    version = f"Nomad {m.nomad_version}" if m.nomad_version else "Nomad (version not declared)"
    out = [
        f"# Migrating `{m.environment}` from the legacy token flow to workload identity",
        "",
        f"{version}, legacy token flow. After the migration each task logs in to Vault "
        f"itself, at the JWT auth method `{JWT_PATH}`, with its workload identity "
        f"(audience `{AUDIENCE}`); Nomad servers no longer hold a Vault token. "
        f"{len(m.tasks)} task(s) with a `vault` block.",
        "",
        "## Jobs",
    ]
    if not m.tasks:
        out += ["", "No job task has a `vault` block: only the agents and Vault change."]
    for t in m.tasks:
        out += ["", *_task(t)]
    out += ["", "## Agent config (`vault {}`)", "",
            "`create_from_role` (servers derive task tokens from the token role, with "
            "their own Vault token) → `jwt_auth_backend_path = \"" + JWT_PATH + "\"` "
            "(clients log each task in with its identity) and `default_identity { aud = "
            f"[\"{AUDIENCE}\"] }}` (servers sign those identities). NMD@v1.10.0 "
            "configuration/vault.mdx; upgrade-specific.mdx lists `vault.token`, "
            "`vault.allow_unauthenticated`, `vault.task_token_ttl` and jobspec "
            "`vault.policies` as removed in 1.10."]
    for a in m.agents:
        out += ["", *_agent(a)]
    if m.legacy_objects:
        out += ["", "## Legacy Vault objects (removed at the end)", "",
                "| address | kind | name |", "|---|---|---|"]
        out += [f"| `{o.address}` | {o.kind} | `{o.name}` |" for o in m.legacy_objects]
    out += ["", "## Steps", "",
            "Both flows run side by side while servers keep their Vault access "
            "(NMD@v1.9.7 integrations/vault/acl.mdx, \"Migrating to Using Workload "
            "Identity with Vault\"); in this order jobs keep running:", ""]
    for i, step in enumerate(m.steps, 1):
        out.append(f"{i}. **{step.title}.** {step.detail}")
        if step.commands:
            out += ["", "   ```sh", *(f"   {c}" for c in step.commands), "   ```", ""]
    out += ["", "## Sources", "", *(f"- {s}" for s in m.sources)]
    return "\n".join(line.rstrip() for line in out).replace("\n\n\n", "\n\n")


def _task(t: TaskMigration) -> list[str]:
    role = t.role
    if role.bound_claims:
        bound = ", ".join(f"{k} = \"{v}\"" for k, v in role.bound_claims.items())
    else:
        bound = "none (any job; templated policy renders per job)"
    out = [
        f"### Job `{t.job}` (namespace `{t.namespace}`), task `{t.group}/{t.task}`: "
        f"{t.verdict} access",
        "",
        f"- JWT role: `{role.name}` on `auth/{role.mount}`"
        + (" (the auth method's default_role)" if role.default else "")
        + f"; bound_audiences [{', '.join(map(_quoted, role.bound_audiences))}]; "
        f"bound_claims: {bound}; user_claim `{role.user_claim}`",
        f"- jobspec `vault`: `{t.jobspec_change}`",
        f"- policies before (legacy token, jobspec `vault.policies`): "
        f"{', '.join(map(_code, t.policies_before)) or '—'}",
        f"- policies after (the role's `token_policies`): "
        f"{', '.join(map(_code, t.policies_after))}",
        "",
        "| path | before | after | access |",
        "|---|---|---|---|",
    ]
    out += [f"| `{a.path}` | {_caps(a.before)} | {_caps(a.after)} | {a.verdict} |"
            for a in t.access]
    for r in t.reads:
        state = {(True, True): "readable before and after",
                 (True, False): "readable before, NOT after",
                 (False, True): "readable after only",
                 (False, False): "readable by neither"}[(r.before, r.after)]
        out.append(f"\nTemplate `{r.destination}` reads `{r.path}`: {state}.")
    out += [f"\nNote: {n}." for n in t.notes]
    return out


def _agent(a: AgentChange) -> list[str]:
    out = [f"### `{a.file}` ({a.role})", ""]
    changes = [f"removed {', '.join(map(_code, a.removed))}" if a.removed else "",
               f"added {', '.join(map(_code, a.added))}" if a.added else ""]
    out.append("; ".join(c for c in changes if c) + "." if any(changes) else "No change.")
    diff = list(difflib.unified_diff(a.before.splitlines(), a.after.splitlines(),
                                     "before", "after", lineterm="", n=10))
    if diff:
        out += ["", "```diff", *diff, "```"]
    if a.during != a.before:
        out += ["", "During the migration (both flows):", "", "```hcl",
                *a.during.rstrip("\n").splitlines(), "```"]
    return out
