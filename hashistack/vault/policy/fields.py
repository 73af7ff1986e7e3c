"""One `path` block's settings, checked and normalised as vault/policy.go
reads them (one canonical form for each)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from hashistack.durations import duration_seconds
from hashistack.vault.policy.grammar import Parameters, fail
from hashistack.vault.policy.merge import merge_values


def _value_key(v: Any) -> str:
    rank = 0 if isinstance(v, (int, float)) and not isinstance(v, bool) else 1
    return f"{rank}{json.dumps(v, sort_keys=True)}"


def _values(path: str, key: str, name: str, values: Any) -> tuple[Any, ...]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise fail(path, f"{key}: the value of {name!r} must be a list")
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(_value_key(v), v)
    # Order has no meaning to Vault (membership test); sort for one canonical form.
    return tuple(seen[k] for k in sorted(seen))


def parameters(path: str, key: str, params: Any) -> Parameters | None:
    """allowed_parameters / denied_parameters: names lower-cased, values
    deduplicated and sorted; an empty map is None."""
    if params is None:
        return None
    if not isinstance(params, Mapping):
        raise fail(path, f"{key} must be a map of parameter name to list of values")
    out: dict[str, tuple[Any, ...]] = {}
    for name in params:
        if not isinstance(name, str):
            raise fail(path, f"{key}: parameter names must be strings")
        # policy.go validateParameter: a wildcard key is "*" or a pointer ending "/*".
        if "*" in name and name != "*" and not (
            name.startswith("/") and name.endswith("/*") and "*" not in name[:-2]
        ):
            raise fail(path, f"{key}: parameter key {name!r} cannot contain non-tail wildcards")
        values = _values(path, key, name, params[name])
        low = name.lower()  # policy.go stores strings.ToLower(key)
        if low in out:
            values = merge_values(out[low], values)
        out[low] = values
    # Vault treats an empty map like none at all (acl.go tests len() == 0).
    return MappingProxyType({k: _values(path, key, k, out[k]) for k in sorted(out)}) \
        if out else None


def ttl(path: str, key: str, value: Any) -> str | None:
    """A wrapping or control-group TTL as text; None when unset."""
    if value is None or value == "":
        return None  # parseutil: "" is a zero duration, i.e. unset
    try:
        duration_seconds(value)
    except ValueError as e:
        raise fail(path, f"error parsing {key}: {e}") from None
    if isinstance(value, (int, float)):
        return str(int(value))
    return str(value)  # a str: duration_seconds refused anything else


def strings(path: str, key: str, value: Any) -> tuple[str, ...] | None:
    """A list of strings setting, as a tuple."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable) or \
            not all(isinstance(v, str) for v in value):
        raise fail(path, f"{key} must be a list of strings")
    return tuple(value)


def control_group(path: str, caps: tuple[str, ...], cg: Any) -> Mapping[str, Any] | None:
    """policy.go's ControlGroupHCL checks; kept as {"ttl", "factor": {name: ...}}."""
    if cg is None:
        return None
    if not isinstance(cg, Mapping):
        raise fail(path, "control_group must be a block")
    cg_ttl = ttl(path, "control_group ttl", cg.get("ttl"))
    factors: dict[str, Mapping[str, Any]] = {}
    for name, factor in sorted((cg.get("factor") or {}).items()):
        factor = factor or {}
        ident = factor.get("identity")
        if not ident:
            raise fail(path, "no control_group factor provided")
        approvals = ident.get("approvals") or 0
        ids = strings(path, "group_ids", ident.get("group_ids")) or ()
        names = strings(path, "group_names", ident.get("group_names")) or ()
        if not isinstance(approvals, int) or approvals <= 0 or not (ids or names):
            raise fail(path, "must provide more than one identity group and approvals > 0")
        controlled = strings(path, "controlled_capabilities",
                             factor.get("controlled_capabilities"))
        if controlled and not set(controlled) <= set(caps):
            raise fail(path, "control group factor capabilities must be a subset of the "
                             "policy's capabilities")
        factors[name] = MappingProxyType({
            "identity": MappingProxyType({"group_ids": ids or None,
                                          "group_names": names or None,
                                          "approvals": approvals}),
            "controlled_capabilities": controlled or None,
        })
    if not factors:
        raise fail(path, "no control group factors provided")
    return MappingProxyType({"ttl": cg_ttl, "factor": MappingProxyType(factors)})
