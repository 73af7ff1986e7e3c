"""HS-CONSUL-005: a rendered Consul agent config with ACLs off or default-allow."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, blocks
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule


@rule(
    "HS-CONSUL-005", WARNING, "Consul agent ACLs off or default_policy allow",
    explanation="Consul's acl.mdx: `acl.enabled` turns ACLs on, and `default_policy` "
                "\"defaults to allow\": in allow mode \"any operation not specifically "
                "prohibited is allowed\". An agent without `acl { enabled = true, "
                "default_policy = \"deny\" }` lets anyone who reaches its API read and write "
                "the catalog, KV and intentions. An error in prod, a warning in staging; dev "
                "(`consul agent -dev`) is left alone.",
    fix="Leave consul.acl unset or true outside dev: the rendered consul-*.hcl then has "
        "acl { enabled = true, default_policy = \"deny\", enable_token_persistence = true }.",
)
def consul_acl_off(env: Env) -> Iterator[Hit]:
    if env.tier == "dev":
        return
    level = ERROR if env.tier == "prod" else None
    for where, doc in env.consul_agent_configs:
        acl = (blocks(doc.get("acl")) or [{}])[-1]
        if acl.get("enabled") is not True:
            yield Hit(where, "ACLs are off (no acl { enabled = true })", level=level)
        elif acl.get("default_policy") != "deny":
            policy = acl.get("default_policy") or "unset, so allow"
            yield Hit(where, f"acl.default_policy is {policy}: every operation not "
                             "prohibited is allowed", level=level)
