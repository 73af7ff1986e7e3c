"""HS-VAULT-010: policy text Vault would refuse."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-VAULT-010", ERROR, "policy Vault would refuse",
    explanation=(
        "Vault parses a policy when it is written (hashicorp/vault vault/policy.go); a "
        "policy it refuses fails the apply, and a rule that can never match grants nothing."
    ),
    fix="Build the policy with hashistack.vault.policy.PolicyDocument.",
)
def unparsable_policy(env: Env) -> Iterator[Hit]:
    for res in env.policies.values():
        if env.policy_doc(res) is None:
            yield Hit(res, env.policy_error(res) or "policy does not parse")
