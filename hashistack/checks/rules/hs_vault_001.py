"""HS-VAULT-001: does each task's Vault token grant what its templates read?"""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.jobs import jobs
from hashistack.checks.facts.tokens import bound_claim_mismatch, token_for
from hashistack.checks.rulekit import ERROR, Hit, rule
from hashistack.vault.acl import Acl


@rule(
    "HS-VAULT-001", ERROR, "template reads a secret its token cannot read",
    explanation=(
        "A task's Vault token carries only the policies of its JWT role (workload "
        "identity: jobspec vault.role, else the client's create_from_role, else the auth "
        "method's default_role; NMD integrations/vault/acl.mdx) or, legacy, its jobspec "
        "vault.policies. Templated policies render with the role's claim_mappings. If "
        "none grants read on the template's path, the template blocks the task at start."
    ),
    fix="Grant read on the path in a policy of the task's role (job.use_secret(...)), "
        "or fix the path in the template.",
)
def template_reads_not_granted(env: Env) -> Iterator[Hit]:
    for job in jobs(env):
        for read in job.reads:
            vb = job.vaults.get((read.group, read.task))
            where = (f"job {job.name!r} task {read.group}/{read.task} template "
                     f"{read.destination!r} reads {read.path!r}")
            if vb is None:
                yield Hit(job.resource, f"{where}, but the task has no vault block, so it "
                          "gets no Vault token", vault_path=read.path)
                continue
            token = token_for(env, job, read.group, read.task, vb)
            if isinstance(token, str):
                yield Hit(job.resource, f"{where}, but {token}", vault_path=read.path)
                continue
            if token.role and bound_claim_mismatch(token.role, job.claims(read.group, read.task)):
                continue  # HS-VAULT-002 says the role cannot be used at all
            known = [r for r in map(env.policy, token.policies) if r is not None]
            docs = [d for d in (env.policy_doc(r) for r in known) if d is not None]
            if Acl.from_policies(docs, token.identity).allows(read.path, "read"):
                continue
            unknown = [p for p in token.policies if env.policy(p) is None and p != "default"]
            note = f"; not defined in these stacks: {', '.join(unknown)}" if unknown else ""
            yield Hit(job.resource,
                      f"{where}, but its policies [{', '.join(token.policies)}] "
                      f"(from {token.via}) do not grant read on it{note}",
                      vault_path=read.path)
