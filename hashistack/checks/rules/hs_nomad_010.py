"""HS-NOMAD-010: a rendered Nomad agent config with ACLs off."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, blocks
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule


@rule(
    "HS-NOMAD-010", WARNING, "Nomad agent ACLs off",
    explanation="Nomad's configuration/acl.mdx: `acl.enabled` \"specifies if ACL enforcement "
                "is enabled\"; it is false by default, and then anyone who reaches the HTTP "
                "API can register jobs, read variables and drain nodes. Every agent, server "
                "and client, needs it. An error in prod, a warning in staging; dev is left "
                "alone.",
    fix="Leave nomad.acl unset or true outside dev: the rendered nomad-*.hcl then has "
        "acl { enabled = true }.",
)
def nomad_acl_off(env: Env) -> Iterator[Hit]:
    if env.tier == "dev":
        return
    for where, doc in env.agent_configs:
        if not any(acl.get("enabled") is True for acl in blocks(doc.get("acl"))):
            yield Hit(where, "ACLs are off (no acl { enabled = true })",
                      level=ERROR if env.tier == "prod" else None)
