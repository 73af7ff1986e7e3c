"""Policy text (HCL1, as Vault parses it, or JSON) into `PathRule`s, decoded
as hcl.DecodeObject decodes into Vault's PathRules, checks in Vault's order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hashistack import durations
from hashistack.vault.hcl1 import Float as _Float
from hashistack.vault.hcl1 import HclSyntaxError, parse_hcl1
from hashistack.vault.hcl1 import Int as _Int
from hashistack.vault.hcl1 import Obj as _Obj
from hashistack.vault.hcl1 import nest as _nest
from hashistack.vault.policy.grammar import (
    LEGACY_POLICIES,
    PATH_KEYS,
    TOP_LEVEL_KEYS,
    PolicyError,
    fail,
    template_pieces,
)
from hashistack.vault.policy.lint import lint_path
from hashistack.vault.policy.rule import PathRule


def read_top(text: str, source: str) -> _Obj:
    """The policy text's top-level object; PolicyError on a syntax error."""
    try:
        return parse_hcl1(text)
    except HclSyntaxError as e:
        raise PolicyError(f"{source}: failed to parse policy: {e}") from None


def policy_name(top: _Obj) -> str | None:
    """The `name` the text gives (the last one), after refusing unknown top-level keys."""
    bad = [(k[0], line) for k, _, line in top if k[0] not in TOP_LEVEL_KEYS]
    if bad:
        raise PolicyError(", ".join(
            f"invalid key {k!r}" + (f" on line {n}" if n else "") for k, n in bad))
    found = None
    for keys, value, _ in top:
        if keys[0] == "name" and len(keys) == 1:
            found = _dec_string("name", value)
    return found


def path_rules(top: _Obj, strict: bool) -> Iterator[PathRule]:
    """Each `path` block's rule, in the text's order; with `strict`, linted."""
    for keys, value, _ in top:
        if keys[0] != "path":
            continue
        if len(keys) == 1 and not isinstance(value, _Obj):
            raise PolicyError("path must be a block: path \"<path>\" { ... }")
        # hcl ObjectList.Filter("path"): the next key is the path; an
        # unlabelled `path { }` is the path "path"; further labels are ignored.
        key = keys[1] if len(keys) > 1 else "path"
        yield _rule_from_block(key, value, strict)


def _type_name(v: Any) -> str:
    if isinstance(v, _Obj):
        return "object"
    if isinstance(v, list):
        return "list"
    if isinstance(v, bool):
        return "bool"
    # Go's names, as Vault's own messages show them.
    return {_Int: "int", _Float: "float64", str: "string"}.get(type(v), type(v).__name__)


def _dec_string(where: str, v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, _Int):
        return v.text  # hcl decodeString keeps a NUMBER token's text
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    raise PolicyError(f"{where}: unknown type for string {_type_name(v)}")


def _dec_strings(where: str, values: list[Any]) -> list[str]:
    out: list[str] = []
    for v in values:  # repeated keys append (hcl decodeSlice)
        if isinstance(v, _Obj) or not isinstance(v, list):
            raise PolicyError(f"{where}: unknown slice type {_type_name(v)}")
        out.extend(_dec_string(where, x) for x in v)
    return out


def _dec_any(v: Any) -> Any:
    """hcl decodeInterface: plain Python values."""
    if isinstance(v, _Obj):
        out: dict[str, Any] = {}
        for k, x in _nest(v):
            out[k] = _dec_any(x)
        return out
    if isinstance(v, list):
        return [_dec_any(x) for x in v]
    if isinstance(v, _Int):
        return int(v)
    if isinstance(v, _Float):
        return float(v)
    return v


def _dec_params(where: str, values: list[Any]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, list[Any]] = {}
    for v in values:
        if not isinstance(v, _Obj):
            raise PolicyError(f"{where}: not an object type for map ({_type_name(v)})")
        for name, vals in _nest(v):
            if isinstance(vals, _Obj):
                vals = [vals]  # hcl decodeSlice: an object is a one-item list
            elif not isinstance(vals, list):
                raise PolicyError(f"{where}.{name}: unknown slice type {_type_name(vals)}")
            out.setdefault(name, []).extend(_dec_any(x) for x in vals)
    return {name: tuple(vals) for name, vals in out.items()}


def _dec_object(where: str, v: Any) -> dict[str, list[Any]]:
    if not isinstance(v, _Obj):
        raise PolicyError(f"{where}: expected an object, got {_type_name(v)}")
    out: dict[str, list[Any]] = {}
    for k, x in _nest(v):
        out.setdefault(k.lower(), []).append(x)
    return out


def _dec_control_group(where: str, values: list[Any]) -> dict[str, Any]:
    fields: dict[str, list[Any]] = {}
    for v in values:
        for k, xs in _dec_object(where, v).items():
            fields.setdefault(k, []).extend(xs)
    factors: dict[str, dict[str, Any]] = {}
    for fv in fields.get("factor", []):
        for name, body in _nest(fv) if isinstance(fv, _Obj) else []:
            f = _dec_object(f"{where}.factor", body)
            factor = factors.setdefault(name, {})
            if "controlled_capabilities" in f:
                factor.setdefault("controlled_capabilities", []).extend(
                    _dec_strings(f"{where}.controlled_capabilities",
                                 f["controlled_capabilities"]))
            for ib in f.get("identity", []):
                ident = factor.setdefault("identity", {})
                for k, xs in _dec_object(f"{where}.identity", ib).items():
                    if k in ("group_ids", "group_names"):
                        ident.setdefault(k, []).extend(_dec_strings(f"{where}.{k}", xs))
                    elif k == "approvals":
                        x = xs[-1]
                        if isinstance(x, str):
                            # strconv.ParseInt(s, 0, 0): an int64, or an error.
                            x = durations.int64(x)
                        if isinstance(x, bool) or not isinstance(x, int):
                            raise PolicyError(f"{where}.approvals: not an integer")
                        ident[k] = int(x)
    ttl = fields.get("ttl", [None])[-1]
    return {"ttl": _dec_any(ttl), "factor": factors}


def _rule_from_block(key: str, body: Any, lint: bool) -> PathRule:
    """vault/policy.go parsePaths for one block, checks in Vault's order."""
    if template_pieces(key) is None:
        raise PolicyError("failed to validate policy templating: "
                          "unbalanced templating characters")
    if not isinstance(body, _Obj):
        raise fail(key, f"cannot check HCL keys of type {_type_name(body)}")
    bad = [(k[0], line) for k, _, line in body if k[0] not in PATH_KEYS]
    if bad:
        raise fail(key, ", ".join(f"invalid key {k!r}" + (f" on line {n}" if n else "")
                                  for k, n in bad))
    spec: dict[str, list[Any]] = {}
    for k, v in _nest(body):
        spec.setdefault(k, []).append(v)
    where = f"path {key!r}"
    legacy = _dec_string(f"{where}: policy", spec["policy"][-1]) if "policy" in spec else ""
    caps = _dec_strings(f"{where}: capabilities", spec.get("capabilities", []))

    def params(k: str) -> dict[str, tuple[Any, ...]] | None:
        return _dec_params(f"{where}: {k}", spec[k]) if k in spec else None

    def strings(k: str) -> tuple[str, ...] | None:
        return tuple(_dec_strings(f"{where}: {k}", spec[k])) if k in spec else None

    def ttl(k: str) -> Any:
        return _dec_any(spec[k][-1]) if k in spec else None

    cg = _dec_control_group(f"{where}: control_group", spec["control_group"]) \
        if "control_group" in spec else None
    path = key[1:] if key.startswith("/") else key
    if "+*" in path:
        raise fail(path, "invalid use of wildcards ('+*' is forbidden)")
    if legacy:  # policy.go ignores an empty `policy`
        if legacy not in LEGACY_POLICIES:
            raise fail(key, f"invalid policy {legacy!r}")
        caps = ["deny"] if legacy == "deny" else caps + list(LEGACY_POLICIES[legacy])
    if lint:
        lint_path(path)
        if not caps:
            raise fail(path, "no capabilities: the rule grants nothing")
    return PathRule(key, tuple(caps),
                    allowed_parameters=params("allowed_parameters"),
                    denied_parameters=params("denied_parameters"),
                    required_parameters=strings("required_parameters"),
                    min_wrapping_ttl=ttl("min_wrapping_ttl"),
                    max_wrapping_ttl=ttl("max_wrapping_ttl"),
                    mfa_methods=strings("mfa_methods"),
                    control_group=cg,
                    subscribe_event_types=strings("subscribe_event_types"))
