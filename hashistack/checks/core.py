"""What every layer of the checks shares: levels, a finding, a suppression and the
report (pure: no cdktf; imports nothing else of hashistack.checks). What a rule
is and yields is in hashistack.checks.rulekit, above the parsed environment.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
LEVELS = (ERROR, WARNING)
MIN_REASON = 10  # characters; a suppression must say why

# A JSON object as json.load gives it (a stack's cdk.tf.json, a plan, an HCL file
# read the same way): its values stay Any, read defensively (env.as_object,
# isinstance) or checked once at load (hashistack.checks.load).
JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    """One problem a rule found on one resource (or stack) of one environment: the
    rule id and level, what is wrong, where (stack, Terraform address, construct
    path) and how to fix it; `suppressed_by` holds the reason when a suppression
    covers it."""

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

    @property
    def details(self) -> tuple[str, ...]:
        """What a suppression's `RULE[detail]` may name to cover only this finding:
        its Vault path (the policy path granted or read), when it has one."""
        return (self.vault_path,) if self.vault_path else ()

    def to_json(self) -> JsonObject:
        """The finding as a JSON object (`--format json`); `suppressed_by` only when set."""
        out = asdict(self)
        if self.suppressed_by is None:
            del out["suppressed_by"]
        return out


# Suppressions ---------------------------------------------------------------

# `HS-VAULT-004` or, as cdk-nag's `IAM5[Action::s3:*]`, `HS-VAULT-004[sys/*]`:
# the rule only where a finding's detail (Finding.details) is exactly `sys/*`.
SUPPRESSION_ID = re.compile(r"(?P<rule>[^\[\]]*)(?:\[(?P<detail>.*)\])?", re.S)


def split_rule(text: str) -> tuple[str, str | None]:
    """(rule id, detail or None) of a suppression's `rule`: `HS-VAULT-004[sys/*]`
    is ("HS-VAULT-004", "sys/*"). Text that is not of that form comes back whole
    as the id (and is refused as an unknown rule)."""
    m = SUPPRESSION_ID.fullmatch(text)
    if m is None:
        return text, None
    return m.group("rule"), m.group("detail")


@dataclass(frozen=True)
class Suppression:
    """A finding accepted on purpose, with the reason (cdk-nag's suppressions)."""

    rule: str  # the rule id, or `id[detail]`
    reason: str
    resource: str | None = None  # construct-path prefix or Terraform address; None: on the resource
    scope: str | None = None  # hashistack.checks.suppress: the construct path it was given

    @property
    def rule_id(self) -> str:
        """The rule id without its `[detail]`."""
        return split_rule(self.rule)[0]

    @property
    def detail(self) -> str | None:
        """The `[detail]` naming one finding (its Vault path), if given."""
        return split_rule(self.rule)[1]


def covers(s: Suppression, finding: Finding) -> bool:
    """Whether suppression `s` covers `finding`: same rule, its detail among the
    finding's when one is named, and (when it names a resource) the finding's
    Terraform address, or a construct path at or under it."""
    if s.rule_id != finding.rule:
        return False
    if s.detail is not None and s.detail not in finding.details:
        return False
    if s.resource is None:
        return True
    path = finding.construct_path
    return (s.resource == finding.resource
            or path == s.resource or path.startswith(s.resource.rstrip("/") + "/"))


# The report -------------------------------------------------------------------


@dataclass
class Report:
    """What `run_checks` found: the active findings, the suppressed ones, and the
    environments and stacks it checked."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    environments: list[str] = field(default_factory=list)
    stacks: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The active findings at level error: any makes the check fail."""
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """The active findings at level warning: reported, never failing."""
        return [f for f in self.findings if f.level == WARNING]

    @property
    def exit_code(self) -> int:
        """1 if any error is active, else 0 (`python -m hashistack check`'s exit status)."""
        return 1 if self.errors else 0

    def summary(self) -> JsonObject:
        """Counts of errors, warnings and suppressed findings, and what was checked."""
        return {
            "errors": len(self.errors), "warnings": len(self.warnings),
            "suppressed": len(self.suppressed), "environments": self.environments,
            "stacks": self.stacks,
        }

    def to_json(self) -> JsonObject:
        """The report as a JSON object: findings, suppressed findings and the summary."""
        return {
            "findings": [f.to_json() for f in self.findings],
            "suppressed": [f.to_json() for f in self.suppressed],
            "summary": self.summary(),
        }

    def to_text(self) -> str:
        """The report for a terminal: one line per finding with its fix, then the
        suppressed ones with their reasons, then the summary."""
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

