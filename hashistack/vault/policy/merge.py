"""Two rules for one path, merged the way vault/acl.go NewACL merges them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hashistack.durations import duration_seconds
from hashistack.vault.policy.grammar import Parameters


def ttl_conflict(low: str | None, high: str | None) -> bool:
    """Both wrapping TTLs set and the max below the min (Vault refuses every request)."""
    lo, hi = duration_seconds(low), duration_seconds(high)
    return lo != 0 and hi != 0 and hi < lo


def merge_values(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
    """The values allowed (or denied) for one parameter name across two rules."""
    # acl.go: an empty list (any value) for a name wins over any values.
    return () if not a or not b else tuple(a) + tuple(b)


def merge_parameters(a: Parameters | None, b: Parameters | None) -> Parameters | None:
    """allowed_parameters (or denied_parameters) of two rules."""
    if not b:
        return a
    if not a:
        return b if a is None else {**b}
    out = dict(a)
    for name, values in b.items():
        out[name] = merge_values(out[name], values) if name in out else tuple(values)
    return out


def merge_required(a: tuple[str, ...] | None,
                   b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """required_parameters of two rules."""
    if not b:
        return a
    return tuple(dict.fromkeys((a or ()) + b))


def merge_mfa(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """mfa_methods (or event types) of two rules."""
    if b is None:
        return a
    # strutil.RemoveDuplicates: trimmed, non-empty, sorted.
    return tuple(sorted({m.strip() for m in (a or ()) + b if m.strip()}))


def merge_control_group(a: Mapping[str, Any] | None,
                        b: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """control_group of two rules."""
    if not b:
        return a
    if not a:
        return b
    # acl.go appends b's factors and keeps a's ttl; factors are keyed by name
    # here, so a factor name present in both keeps a's definition.
    return {"ttl": a["ttl"], "factor": {**b["factor"], **a["factor"]}}


def lesser(a: str | None, b: str | None) -> str | None:
    """The wrapping TTL acl.go keeps of two: the shorter non-zero one."""
    live = [t for t in (a, b) if t and duration_seconds(t) > 0]
    return min(live, key=lambda t: (duration_seconds(t), t)) if live else (a or b)
