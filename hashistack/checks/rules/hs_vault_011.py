"""HS-VAULT-011: does the AppRole token a rendered Vault Agent logs in with grant
what its templates read?"""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.vault_agent import (
    APPROLE,
    agent_files,
    agent_reads,
    approle_identity,
    approle_role,
    auth_methods,
    mount_of,
    role_candidates,
)
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule
from hashistack.hcl_read import read as read_hcl
from hashistack.vault.acl import Acl


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
        acl = Acl.from_policies(docs, approle_identity(env, role))
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
