"""The checks' model under the names it has always been imported by.

The parts live in layers (tests/test_checks_layering.py): hashistack.checks.core
(levels, Finding, Suppression, Report), .env and .facts (the parsed environment),
.rulekit (Hit, Rule, @rule), .rules (one rule to a file), .pack (the rules that run) and
.suppressions (suppressions against the pack). This module sits above them all,
so callers such as stacks/config.py keep `from hashistack.checks.model import
suppression_problem`; code inside hashistack.checks imports the layer itself.
"""

from __future__ import annotations

from hashistack.checks.core import (
    ERROR,
    LEVELS,
    MIN_REASON,
    WARNING,
    Finding,
    Report,
    Suppression,
    covers,
)
from hashistack.checks.pack import DEFAULT_PACK, RULES, all_rules
from hashistack.checks.rulekit import Hit, Rule, run_rules
from hashistack.checks.suppressions import (
    SUPPRESSION_RULE,
    UNMATCHED_RULE,
    apply_suppressions,
    suppression_problem,
)

__all__ = [
    "DEFAULT_PACK", "ERROR", "LEVELS", "MIN_REASON", "RULES", "SUPPRESSION_RULE",
    "UNMATCHED_RULE", "WARNING", "Finding", "Hit", "Report", "Rule", "Suppression",
    "all_rules", "apply_suppressions", "covers", "run_rules", "suppression_problem",
]
