"""HS-NOMAD-001: the token-based Vault workflow, which Nomad 1.10 removed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hashistack.checks.core import JsonObject
from hashistack.checks.env import Env, blocks
from hashistack.checks.facts.jobs import jobs
from hashistack.checks.facts.token_roles import nomad_token_roles
from hashistack.checks.rulekit import ERROR, Hit, rule
from hashistack.versions import LEGACY_REMOVED_IN, Version

REMOVED = ("Nomad 1.10.0 removes the previously deprecated token-based authentication "
           "workflow for Vault and Consul")
LEGACY_AGENT_KEYS = ("allow_unauthenticated", "task_token_ttl", "token")


def _vault_blocks(node: Any) -> Iterator[JsonObject]:
    """Every `vault` block at any depth of a parsed jobspec (job, group or task level)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "vault":
                yield from blocks(value)
            else:
                yield from _vault_blocks(value)
    elif isinstance(node, list):
        for item in node:
            yield from _vault_blocks(item)


@rule(
    "HS-NOMAD-001", ERROR, "token-based Vault settings with Nomad 1.10+",
    explanation=(
        f"NMD@v1.10.0 upgrade-specific.mdx: \"{REMOVED}.\" Removed: jobspec "
        "vault.policies, agent vault.token, allow_unauthenticated, task_token_ttl "
        "(hashicorp/nomad#25155); servers need vault.default_identity and tasks log in "
        "with workload identities, so Nomad's token role is dead weight."
    ),
    fix="Use workload identity: vault.role in jobs, default_identity on servers, a "
        "vault_jwt_auth_backend_role per job (hashistack.vault.NomadWorkloadIdentity).",
)
def legacy_with_1_10(env: Env) -> Iterator[Hit]:
    version = env.nomad_version
    if version is None or version < Version(*LEGACY_REMOVED_IN):
        return
    for job in jobs(env):
        for v in _vault_blocks(job.raw):
            if v.get("policies"):
                yield Hit(job.resource, f"job {job.name!r}: jobspec vault.policies with "
                          f"Nomad {version}: {REMOVED}")
    for where, doc in env.agent_configs:
        for v in blocks(doc.get("vault")):
            for key in LEGACY_AGENT_KEYS:
                if key in v:
                    yield Hit(where, f"vault.{key} with Nomad {version}: {REMOVED}")
            if "server" in doc and v.get("create_from_role") and "default_identity" not in v:
                yield Hit(where, f"server vault.create_from_role without default_identity "
                          f"with Nomad {version}: {REMOVED}")
    for res in nomad_token_roles(env):
        yield Hit(res, f"token role {res.get('role_name')!r} for Nomad with Nomad {version}: "
                  f"{REMOVED}")
