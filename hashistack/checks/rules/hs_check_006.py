"""HS-CHECK-006: a suppression that matches no finding (hashistack.checks.suppressions
reports these; the rule carries the texts)."""

from __future__ import annotations

from collections.abc import Iterable

from hashistack.checks.env import Env
from hashistack.checks.rulekit import WARNING, Hit, rule


@rule(
    "HS-CHECK-006", WARNING, "suppression matches nothing",
    explanation="A suppression that covers no finding is stale (the problem was fixed, the "
                "resource renamed or removed) or mistyped (another resource, another rule, a "
                "`RULE[detail]` that no finding carries); left in place it would silently "
                "hide the next finding that happens to match it.",
    fix="Remove the suppression, or point it at the finding it is meant for (its rule, "
        "resource or construct path, and `[detail]`: the finding's vault_path).",
)
def suppression_unmatched(env: Env) -> Iterable[Hit]:
    return ()  # hashistack.checks.suppressions reports these; the rule carries the texts
