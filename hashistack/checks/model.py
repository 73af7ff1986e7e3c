"""Findings, the rule registry, suppressions and the report (pure: no cdktf).

cdk-nag style: each rule is one function registered with an id, a level, an
explanation (citing the product's docs or source) and a fix. A rule yields
`Hit`s; the runner turns them into `Finding`s and applies suppressions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashistack.checks.env import Env, Resource

ERROR = "error"
WARNING = "warning"
LEVELS = (ERROR, WARNING)
MIN_REASON = 10  # characters; a suppression must say why


@dataclass(frozen=True)
class Hit:
    """What a rule function yields: where, what, and optionally a lower level."""

    where: Resource | str  # a resource, or a stack name for stack-wide findings
    message: str
    vault_path: str | None = None
    level: str | None = None  # None: the rule's level


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    title: str
    explanation: str
    fix: str
    check: Callable[[Env], Iterable[Hit]] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str
    message: str
    environment: str
    stack: str
    resource: str  # Terraform address `type.name`, or "" for stack-wide findings
    construct_path: str
    fix: str = ""
    vault_path: str | None = None
    suppressed_by: str | None = None  # the reason, when suppressed

    def to_json(self) -> dict:
        out = asdict(self)
        if self.suppressed_by is None:
            del out["suppressed_by"]
        return out


RULES: dict[str, Rule] = {}


def rule(id: str, level: str, title: str, *, explanation: str, fix: str):
    """Register a rule function under `id`."""
    if level not in LEVELS:
        raise ValueError(f"{id}: level must be one of {LEVELS}")

    def register(fn: Callable[[Env], Iterable[Hit]]) -> Callable[[Env], Iterable[Hit]]:
        if id in RULES:
            raise ValueError(f"rule {id} registered twice")
        RULES[id] = Rule(id, level, title, explanation, fix, fn)
        return fn

    return register


def all_rules() -> dict[str, Rule]:
    import hashistack.checks.rules  # noqa: F401 - registers every rule

    return RULES


# Suppressions ---------------------------------------------------------------

SUPPRESSION_RULE = "HS-CHECK-001"


@dataclass(frozen=True)
class Suppression:
    rule: str
    reason: str
    resource: str | None = None  # construct-path prefix or Terraform address; None: on the resource


def suppression_problem(rule_id: str, reason: object) -> str | None:
    """Why a suppression is refused, or None if it is acceptable."""
    if rule_id not in all_rules():
        return f"unknown rule {rule_id!r}"
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        return (f"suppression of {rule_id} needs a reason of at least {MIN_REASON} "
                f"characters, got {reason!r}")
    return None


def covers(s: Suppression, finding: Finding) -> bool:
    if s.rule != finding.rule:
        return False
    if s.resource is None:
        return True
    path = finding.construct_path
    return (s.resource == finding.resource
            or path == s.resource or path.startswith(s.resource.rstrip("/") + "/"))


# The report -------------------------------------------------------------------


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    environments: list[str] = field(default_factory=list)
    stacks: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == WARNING]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> dict:
        return {
            "errors": len(self.errors), "warnings": len(self.warnings),
            "suppressed": len(self.suppressed), "environments": self.environments,
            "stacks": self.stacks,
        }

    def to_json(self) -> dict:
        return {
            "findings": [f.to_json() for f in self.findings],
            "suppressed": [f.to_json() for f in self.suppressed],
            "summary": self.summary(),
        }

    def to_text(self) -> str:
        lines = []
        for f in self.findings:
            where = f.resource or "-"
            lines.append(f"{f.level.upper()} {f.rule} {f.stack} {where} ({f.construct_path}): "
                         f"{f.message}")
            if f.fix:
                lines.append(f"    fix: {f.fix}")
        for f in self.suppressed:
            lines.append(f"SUPPRESSED {f.rule} {f.stack} {f.resource or '-'} "
                         f"({f.construct_path}): {f.message}")
            lines.append(f"    reason: {f.suppressed_by}")
        s = self.summary()
        lines.append(f"{s['errors']} error(s), {s['warnings']} warning(s), "
                     f"{s['suppressed']} suppressed in {len(self.stacks)} stack(s) "
                     f"({', '.join(self.environments) or 'no environments'})")
        return "\n".join(lines)


def run_rules(env: Env, rules: Iterable[Rule]) -> Iterator[Finding]:
    for r in rules:
        for hit in r.check(env):
            yield env.finding(r, hit)


def apply_suppressions(env: Env, findings: list[Finding]
                       ) -> tuple[list[Finding], list[Finding]]:
    """(active, suppressed); refused suppressions become HS-CHECK-001 errors."""
    rules = all_rules()
    active, suppressed = [], []
    refused: list[Finding] = []
    valid: list[Suppression] = []
    for where, s in env.config_suppressions():
        problem = suppression_problem(s.rule, s.reason)
        if problem:
            refused.append(env.finding(rules[SUPPRESSION_RULE], Hit(where, problem)))
        else:
            valid.append(s)
    on_resource: dict[str, list[Suppression]] = {}
    for res in env.resources():
        for s in res.suppressions():
            problem = suppression_problem(s.rule, s.reason)
            if problem:
                refused.append(env.finding(rules[SUPPRESSION_RULE], Hit(res, problem)))
            else:
                on_resource.setdefault(res.key, []).append(s)
    for f in findings:
        candidates = valid + on_resource.get(f"{f.stack}:{f.resource}", [])
        match = next((s for s in candidates if covers(s, f)), None)
        if match is None:
            active.append(f)
        else:
            suppressed.append(replace(f, suppressed_by=match.reason.strip()))
    return active + refused, suppressed


@rule(
    SUPPRESSION_RULE, ERROR, "suppression refused",
    explanation="A suppression hides a finding from every later reader; it must name a "
                f"known rule and say why in at least {MIN_REASON} characters.",
    fix="Give the suppression a real reason, or fix the finding instead.",
)
def _suppressions_refused(env: Env) -> Iterable[Hit]:
    return ()  # apply_suppressions reports these; registered for its id and texts
