"""What a rule file imports: the levels, `Hit` (what a rule yields), `Rule` and the
`@rule` decorator, and how a hit becomes a finding.

cdk-nag style: each rule is one function in its own file (rules/hs_<area>_<nnn>.py)
with an id, a level, an explanation (citing the product's docs or source) and a
fix; `@rule` turns the function into a `Rule` and registers nothing:
hashistack.checks.pack lists the rules that run. A rule yields `Hit`s; the runner
turns them into `Finding`s and applies suppressions (hashistack.checks.suppressions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from hashistack.checks.core import ERROR, LEVELS, MIN_REASON, WARNING, Finding
from hashistack.checks.env import Env, Resource

__all__ = ["ERROR", "LEVELS", "MIN_REASON", "WARNING", "Hit", "Rule", "finding", "rule",
           "run_rules"]


@dataclass(frozen=True)
class Hit:
    """What a rule function yields: where, what, and optionally a lower level."""

    where: Resource | str  # a resource, or a stack name for stack-wide findings
    message: str
    vault_path: str | None = None
    level: str | None = None  # None: the rule's level


@dataclass(frozen=True)
class Rule:
    """A check: its id (`HS-VAULT-004`), level, title, the explanation citing the
    product, the fix, and the function over an `Env` yielding `Hit`s. Made by
    the `@rule` decorator; run when a pack lists it."""

    id: str
    level: str
    title: str
    explanation: str
    fix: str
    check: Callable[[Env], Iterable[Hit]] = field(repr=False, compare=False)


def rule(id: str, level: str, title: str, *, explanation: str, fix: str
         ) -> Callable[[Callable[[Env], Iterable[Hit]]], Rule]:
    """Make the decorated function the check of a `Rule` with these texts.

    Nothing is registered: a rule runs when a pack (hashistack.checks.pack) lists it.
    """
    if level not in LEVELS:
        raise ValueError(f"{id}: level must be one of {LEVELS}")

    def make(fn: Callable[[Env], Iterable[Hit]]) -> Rule:
        return Rule(id, level, title, explanation, fix, fn)

    return make


def finding(env: Env, rule: Rule, hit: Hit) -> Finding:
    """The finding a rule's hit is in `env`: where (stack, address, construct path),
    at the hit's level or else the rule's, with the rule's fix."""
    if isinstance(hit.where, Resource):
        stack, resource, path = hit.where.stack, hit.where.address, hit.where.path
    else:
        stack, resource, path = hit.where, "", hit.where
    return Finding(
        rule=rule.id,
        level=hit.level or rule.level,
        message=hit.message,
        environment=env.name,
        stack=stack,
        resource=resource,
        construct_path=path,
        fix=rule.fix,
        vault_path=hit.vault_path,
    )


def run_rules(env: Env, rules: Iterable[Rule]) -> Iterator[Finding]:
    """The findings of `rules` over `env`, before suppressions."""
    for r in rules:
        for hit in r.check(env):
            yield finding(env, r, hit)
