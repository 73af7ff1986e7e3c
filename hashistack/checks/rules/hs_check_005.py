"""HS-CHECK-005: a rule that failed on its input (hashistack.checks.check_environment
reports these; the rule carries the texts)."""

from __future__ import annotations

from collections.abc import Iterable

from hashistack.checks.env import Env
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-CHECK-005", ERROR, "rule failed on its input",
    explanation="A rule met input shaped unlike anything it expects and could not finish; "
                "what it checks is not checked. Reported as an error so that a broken input "
                "never passes as clean.",
    fix="Look at the named stacks' JSON for a value of an unexpected type (re-synthesize "
        "if it was edited by hand), and report the rule's failure as a bug.",
)
def rule_failed(env: Env) -> Iterable[Hit]:
    return ()  # hashistack.checks.check_environment reports these; the rule carries the texts
