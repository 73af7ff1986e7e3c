"""Suppressions applied to one environment's findings, against the pack.

A suppression names a rule (`HS-VAULT-004`) or, as cdk-nag's `IAM5[Action::s3:*]`,
a rule and one finding's detail (`HS-VAULT-004[sys/*]`: only the finding whose
vault_path is `sys/*`), and says why in at least MIN_REASON characters. One that
is refused is an HS-CHECK-001 error; one that covers no finding an HS-CHECK-006
warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from hashistack.checks.core import MIN_REASON, Finding, Suppression, covers, split_rule
from hashistack.checks.pack import USER_RULE_ID, all_rules
from hashistack.checks.rulekit import Hit, Rule, finding

if TYPE_CHECKING:
    from hashistack.checks.env import Env, Resource

SUPPRESSION_RULE = "HS-CHECK-001"
UNMATCHED_RULE = "HS-CHECK-006"

# The rules whose hits carry a vault_path (Finding.details): only their findings
# can match a `RULE[detail]`, so a detail on any other rule would suppress nothing.
# Kept by hand (tests/test_checks_suppressions.py reads the rules' `Hit(...)` calls
# and fails when this list and theirs differ).
DETAIL_RULES = ("HS-CONSUL-002", "HS-VAULT-001", "HS-VAULT-004", "HS-VAULT-005", "HS-VAULT-011")


def suppression_problem(rule_id: str, reason: object,
                        rules: Mapping[str, Rule] | None = None, *,
                        user_rules: bool = False) -> str | None:
    """Why a suppression is refused, or None if it is acceptable.

    `rule_id` is a rule of the pack (`rules`, default: the default pack), or
    `RULE[detail]` with a non-empty detail for a rule whose findings have one
    (DETAIL_RULES). With `user_rules`, an id outside the pack that is not an
    `HS-` id but has a rule id's shape is accepted: the pack that runs is not
    known yet (`suppress()` in code), and is checked when the checks run.
    """
    known, detail = split_rule(rule_id) if isinstance(rule_id, str) else (rule_id, None)
    pack = all_rules() if rules is None else rules
    if known not in pack and not (
        user_rules and isinstance(known, str) and not known.startswith("HS-")
        and USER_RULE_ID.match(known) and detail is None
    ):
        return f"unknown rule {rule_id!r}"
    if detail is not None and known not in DETAIL_RULES:
        return (f"suppression of {rule_id} names a detail, but {known}'s findings have none "
                f"to match: write {known} (only {', '.join(DETAIL_RULES)} take a [<path>])")
    if detail is not None and not detail.strip():
        return f"suppression of {rule_id} names an empty detail: write {known}, or {known}[<path>]"
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        return (f"suppression of {rule_id} needs a reason of at least {MIN_REASON} "
                f"characters, got {reason!r}")
    return None


@dataclass
class _Entry:
    """One valid suppression as written: in the config (on a stack) or by
    `suppress()` (on each resource under the construct it was given)."""

    suppression: Suppression
    where: Resource | str  # where HS-CHECK-006 reports it
    used: bool = field(default=False)


def apply_suppressions(env: Env, findings: list[Finding],
                       rules: Mapping[str, Rule] | None = None
                       ) -> tuple[list[Finding], list[Finding]]:
    """(active, suppressed); refused suppressions become HS-CHECK-001 errors, and
    those that cover no finding HS-CHECK-006 warnings (themselves suppressible)."""
    rules = all_rules() if rules is None else rules
    refused: list[Finding] = []
    config: list[_Entry] = []
    for where, s in env.config_suppressions():
        problem = suppression_problem(s.rule, s.reason, rules)
        if problem:
            refused.append(finding(env, rules[SUPPRESSION_RULE], Hit(where, problem)))
        else:
            config.append(_Entry(s, where))
    on_resource: dict[str, list[_Entry]] = {}
    # One `suppress(construct, ...)` call writes its entry on every resource under the
    # construct: those copies are one suppression, used if any of them is.
    from_code: dict[tuple[str | None, ...], _Entry] = {}
    for res in env.resources():
        for s in res.suppressions():
            problem = suppression_problem(s.rule, s.reason, rules)
            if problem:
                refused.append(finding(env, rules[SUPPRESSION_RULE], Hit(res, problem)))
                continue
            key = ((res.stack, s.rule, str(s.reason).strip(), s.scope) if s.scope
                   else (res.key, s.rule, str(s.reason).strip()))
            entry = from_code.setdefault(key, _Entry(s, res))
            on_resource.setdefault(res.key, []).append(entry)
    active, suppressed = _split(findings, config, on_resource)
    unmatched = [finding(env, rules[UNMATCHED_RULE], Hit(e.where, _unmatched(e)))
                 for e in [*config, *from_code.values()]
                 if not e.used and e.suppression.rule_id != UNMATCHED_RULE]
    more_active, more_suppressed = _split(unmatched, config, on_resource)
    return active + refused + more_active, suppressed + more_suppressed


def _split(findings: list[Finding], config: list[_Entry], on_resource: dict[str, list[_Entry]]
           ) -> tuple[list[Finding], list[Finding]]:
    active, suppressed = [], []
    for f in findings:
        candidates = config + on_resource.get(f"{f.stack}:{f.resource}", [])
        match = next((e for e in candidates if covers(e.suppression, f)), None)
        if match is None:
            active.append(f)
        else:
            match.used = True
            suppressed.append(replace(f, suppressed_by=match.suppression.reason.strip()))
    return active, suppressed


def _unmatched(e: _Entry) -> str:
    s = e.suppression
    if isinstance(e.where, str):  # the environment file's [[suppressions]]
        on = f"on {s.resource!r} " if s.resource else ""
    else:  # suppress(construct, ...): on each resource under the construct
        on = f"on {s.scope!r} " if s.scope else "on this resource "
    return (f"suppression of {s.rule} {on}(reason: {str(s.reason).strip()!r}) matches no "
            "finding: remove it, or point it at the finding it is meant for")
