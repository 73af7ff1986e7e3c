"""HS-CHECK-001: a suppression refused (no known rule, or no reason)."""

from __future__ import annotations

from collections.abc import Iterable

from hashistack.checks.env import Env
from hashistack.checks.rulekit import ERROR, MIN_REASON, Hit, rule


@rule(
    "HS-CHECK-001", ERROR, "suppression refused",
    explanation="A suppression hides a finding from every later reader; it must name a "
                f"known rule and say why in at least {MIN_REASON} characters.",
    fix="Give the suppression a real reason, or fix the finding instead.",
)
def suppression_refused(env: Env) -> Iterable[Hit]:
    return ()  # hashistack.checks.suppressions reports these; the rule carries the texts
