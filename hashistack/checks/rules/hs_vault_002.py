"""HS-VAULT-002: a JWT role whose bound_claims name another job."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.jobs import jobs
from hashistack.checks.facts.tokens import bound_claim_mismatch, token_for
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-VAULT-002", ERROR, "JWT role bound to another job",
    explanation=(
        "Vault's JWT auth refuses a login whose claims do not match the role's "
        "bound_claims (Vault JWT auth API, bound_claims); a task whose effective role is "
        "bound to another job or namespace gets no token."
    ),
    fix="Give the job its own role (vault.role) or fix the role's bound_claims.",
)
def jwt_role_bound_elsewhere(env: Env) -> Iterator[Hit]:
    for job in jobs(env):
        for (group, task), vb in sorted(job.vaults.items()):
            if vb is None:
                continue
            token = token_for(env, job, group, task, vb)
            if isinstance(token, str) or token.role is None:
                continue
            bad = bound_claim_mismatch(token.role, job.claims(group, task))
            if bad:
                yield Hit(job.resource,
                          f"job {job.name!r} task {group}/{task} uses {token.via}, which is "
                          f"bound to {'; '.join(bad)}")
