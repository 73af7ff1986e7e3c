"""HS-CHECK-004: a rendered agent config that is empty or does not parse."""

from __future__ import annotations

from collections.abc import Iterable

from hashistack.checks.env import Env
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-CHECK-004", ERROR, "rendered agent config does not parse",
    explanation="Nomad, Consul, Vault Agent and Vault read their config files as HCL and "
                "refuse to start on one that does not parse; an empty one starts the agent "
                "with defaults only. A rendered `nomad-*.hcl`, `consul-*.hcl`, "
                "`vault-agent-*.hcl` or `vault-server-*.hcl` that is empty or not HCL is a "
                "broken deploy, and no rule can check what it says.",
    fix="Re-synthesize (a truncated or hand-edited cdktf.out?), or fix the config model "
        "that rendered it.",
)
def agent_config_unreadable(env: Env) -> Iterable[Hit]:
    for where, problem in env.unreadable_agent_configs:
        yield Hit(where, f"stacks/{where.stack}/{where.address} {problem}")
