"""HS-VAULT-003: the root policy given to a role, token or job."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.jobs import jobs
from hashistack.checks.rulekit import ERROR, Hit, rule

POLICY_LISTS = ("token_policies", "allowed_policies", "policies")


@rule(
    "HS-VAULT-003", ERROR, "root policy in use",
    explanation=(
        "The root policy can do anything in Vault and cannot be limited; Vault's "
        "policies concept page: root tokens should be revoked once no longer needed. "
        "No integration flow needs it (Nomad vault-integration.mdx, Consul Connect CA vault.mdx)."
    ),
    fix="Name a policy with only the paths the role needs (see hashistack.vault.presets).",
)
def root_policy(env: Env) -> Iterator[Hit]:
    for res in env.resources():
        if not res.type.startswith("vault_"):
            continue
        for key in POLICY_LISTS:
            if "root" in res.names(key):
                yield Hit(res, f"{key} includes the root policy")
    for job in jobs(env):
        for (group, task), vb in sorted(job.vaults.items()):
            if vb is not None and "root" in (vb.policies or ()):
                yield Hit(job.resource, f"job {job.name!r} task {group}/{task}: "
                          "jobspec vault.policies includes root")
