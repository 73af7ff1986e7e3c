"""Resource changes from a real Terraform plan (`terraform show -json <planfile>`).

Where a plan can be made (credentials, providers), it is exact where the synth
diff can only infer: drift, provider-forced replacements (`replace_paths`),
values known only to the provider. The JSON is Terraform's documented format
(developer.hashicorp.com/terraform/internals/json-format, "Change
Representation"): each `resource_changes[]` entry has `change.actions`
(`["create"]`, `["update"]`, `["delete"]`, `["delete","create"]` or
`["create","delete"]` for a replacement, `["no-op"]`, `["read"]`, `["forget"]`),
`before`/`after` values, `after_unknown` (true where a value is known only after
apply), `before_sensitive`/`after_sensitive` (true where a value is sensitive),
`replace_paths` (the attribute paths that force the replacement), after a
`moved` block `previous_address`, `action_reason` (why, e.g. a tainted object),
and `deposed` on an old object a create_before_destroy replacement left behind.

Values go through the same masking as the synth diff (hashistack.review.resources)
and, where the plan marks them sensitive, are never shown at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hashistack.checks.core import JsonObject
from hashistack.errors import HashistackError
from hashistack.review.model import Action, AttributeChange, ResourceChange
from hashistack.review.resources import SENSITIVE, diff_values, mask_at

UNKNOWN = "(known after apply)"
ACTIONS: dict[tuple[str, ...], Action] = {
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
}
# Nothing to show: `read` is a data source read, `forget` drops a resource from
# state without destroying it (a `removed` block with destroy = false), `no-op`
# unless a moved block gave it a new address.
SKIPPED = {("read",), ("no-op",), ("forget",)}
# `action_reason` values of managed resources, in words for the report
# (hashicorp/terraform internal/command/jsonplan/plan.go, Terraform 1.11).
REASONS = {
    "replace_because_tainted": "the object is tainted",
    "replace_because_cannot_update": "the provider cannot update it in place",
    "replace_by_request": "replacement was requested (-replace)",
    "replace_by_triggers": "replace_triggered_by fired",
    "delete_because_no_resource_config": "its configuration was removed",
    "delete_because_no_module": "its module was removed",
    "delete_because_wrong_repetition": "count/for_each was switched",
    "delete_because_count_index": "its count index is gone",
    "delete_because_each_key": "its for_each key is gone",
    "delete_because_no_move_target": "its moved block's target does not exist",
}


class PlanError(HashistackError):
    """Not a plan `terraform show -json` writes; the message says what is wrong.

    `path` is the stack whose plan it is, and the resource address where one
    entry is wrong (`prod-vault/vault_policy.admin`)."""


def _step(step: Any) -> str | int:
    return step if isinstance(step, int) and not isinstance(step, bool) else str(step)


def _path(steps: list[Any]) -> str:
    out = ""
    for step in steps:
        step = _step(step)
        out = f"{out}[{step}]" if isinstance(step, int) else (f"{out}.{step}" if out else step)
    return out


def _split(path: str) -> list[str | int]:
    """`options.file_path` / `sources[0].action` back into steps."""
    steps: list[str | int] = []
    for part in path.replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            steps.append(int(part[1:-1]))
        elif part:
            steps.append(part)
    return steps


def _any_true(marks: Any) -> bool:
    if marks is True:
        return True
    if isinstance(marks, Mapping):
        return any(_any_true(v) for v in marks.values())
    if isinstance(marks, list):
        return any(_any_true(v) for v in marks)
    return False


def _marked(marks: Any, steps: list[str | int]) -> bool:
    """Whether `marks` (after_unknown / *_sensitive shape) marks the value at steps,
    or anything inside it, true."""
    for step in steps:
        if marks is True:
            return True
        if isinstance(marks, Mapping) and isinstance(step, str):
            marks = marks.get(step)
        elif isinstance(marks, list) and isinstance(step, int) and step < len(marks):
            marks = marks[step]
        else:
            return False
    return _any_true(marks)


def _with_unknown(value: Any, unknown: Any) -> Any:
    """`after` with each value known only after apply set to UNKNOWN (the plan
    leaves those out or null)."""
    if unknown is True:
        return UNKNOWN
    if isinstance(unknown, Mapping):
        base = dict(value) if isinstance(value, Mapping) else ({} if value is None else value)
        if not isinstance(base, dict):
            return base
        for key, mark in unknown.items():
            if _any_true(mark):
                base[key] = _with_unknown(base.get(key), mark)
        return base
    if isinstance(unknown, list) and isinstance(value, list):
        return [_with_unknown(v, unknown[i]) if i < len(unknown) else v
                for i, v in enumerate(value)]
    return value


def _shown(path: str, value: Any, sensitive: Any) -> Any:
    if value == UNKNOWN:
        return UNKNOWN
    if _marked(sensitive, _split(path)):
        return SENSITIVE
    return mask_at(path, value)


def _forced(path: str, replace: list[list[str | int]]) -> bool:
    """A change at `path` forces replacement if a replace path is it, above it, or
    inside it (a list compared whole)."""
    steps = _split(path)
    return any(steps[:len(r)] == r or r[:len(steps)] == steps for r in replace)


def _obj(value: Any, what: str, path: str) -> JsonObject:
    if not isinstance(value, dict):
        raise PlanError(f"{what} is {type(value).__name__}, not an object", path=path)
    return value


def read_plan(stack: str, environment: str, plan: Any) -> list[ResourceChange]:
    """The managed resources the plan creates, updates, replaces or deletes (and
    moves), as records with source="plan", ordered by address. PlanError on input
    that is not `terraform show -json` output of a saved plan."""
    plan = _obj(plan, "the plan", stack)
    version = plan.get("format_version")
    if not isinstance(version, str):
        raise PlanError("no format_version: not the output of `terraform show -json <planfile>`",
                        path=stack)
    if version.split(".")[0] != "1":
        raise PlanError(f"format_version {version}: only the 1.x JSON format is read", path=stack)
    changes = plan.get("resource_changes", [])
    if not isinstance(changes, list):
        raise PlanError(f"resource_changes is {type(changes).__name__}, not a list", path=stack)
    out = [r for i, entry in enumerate(changes)
           if (r := _record(stack, environment, entry, f"resource_changes[{i}]"))]
    return sorted(out, key=lambda c: (c.address, c.deposed or "", c.action))


def _record(stack: str, environment: str, entry: Any, where: str) -> ResourceChange | None:
    entry = _obj(entry, where, stack)
    address, rtype = entry.get("address"), entry.get("type")
    if not isinstance(address, str) or not isinstance(rtype, str):
        raise PlanError(f"{where}: no address or type", path=stack)
    if entry.get("mode", "managed") != "managed":
        return None  # a data source
    at = f"{stack}/{address}"
    change = _obj(entry.get("change"), f"{where} ({address}) change", at)
    actions = change.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise PlanError(f"{where} ({address}): change.actions is not a list of strings", path=at)
    moved_from = entry.get("previous_address")
    moved_from = moved_from if isinstance(moved_from, str) and moved_from != address else None
    key = tuple(actions)
    if key in SKIPPED and not (key == ("no-op",) and moved_from):
        return None
    if key not in ACTIONS and key != ("no-op",):
        raise PlanError(f"{where} ({address}): unknown actions {actions}", path=at)
    action: Action = ACTIONS.get(key, "update")
    attrs: tuple[AttributeChange, ...] = ()
    if action in ("update", "replace"):
        attrs = _attributes(change, where, address, at)
    reason = entry.get("action_reason")
    deposed = entry.get("deposed")
    return ResourceChange(environment, stack, address, rtype, action, attributes=attrs,
                          renamed_from=moved_from, source="plan",
                          reason=REASONS.get(reason, reason) if isinstance(reason, str) else None,
                          deposed=deposed if isinstance(deposed, str) else None)


def _attributes(change: JsonObject, where: str, address: str, at: str
                ) -> tuple[AttributeChange, ...]:
    replace_paths = change.get("replace_paths") or []
    if not isinstance(replace_paths, list) or not all(isinstance(p, list) for p in replace_paths):
        raise PlanError(f"{where} ({address}): replace_paths is not a list of paths", path=at)
    replace = [[_step(s) for s in p] for p in replace_paths]
    before = change.get("before")
    after = _with_unknown(change.get("after"), change.get("after_unknown"))
    return tuple(
        AttributeChange(
            path,
            _shown(path, b, change.get("before_sensitive")),
            _shown(path, a, change.get("after_sensitive")),
            forces_replacement=_forced(path, replace),
        )
        for path, b, a in diff_values(before if isinstance(before, dict) else {},
                                      after if isinstance(after, dict) else {})
    )
