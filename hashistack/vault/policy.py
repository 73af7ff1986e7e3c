"""Vault ACL policies: the document model, Vault's validation, canonical HCL.

The rules are Vault's own parser's (hashicorp/vault `vault/policy.go`) and the
policies concept page (website docs/concepts/policies.mdx). Terraform
interpolations (`${...}`) inside paths are opaque text: Terraform resolves
them before Vault sees them.

Two levels of strictness:

* `PolicyDocument.parse` (and `Acl.from_hcl`) refuse exactly what Vault's parser
  refuses, with Vault's reasons, in Vault's order (`parsePaths`).
* `PolicyDocument.add` also lints what authors write from code: a rule that can
  never match (`//a`), a `*` that is not a glob (`a*b`), a `+` inside a segment,
  a template Vault never renders, a rule with no capabilities. Pass
  `strict=True` to `parse` to apply the same lint to policy text.
"""

from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hashistack.errors import HashistackError
from hashistack.hcl import Block, block, render
from hashistack.vault.hcl1 import Float as _Float
from hashistack.vault.hcl1 import HclSyntaxError, parse_hcl1
from hashistack.vault.hcl1 import Int as _Int
from hashistack.vault.hcl1 import Obj as _Obj
from hashistack.vault.hcl1 import nest as _nest

CAPABILITIES: tuple[str, ...] = (
    "create", "read", "update", "patch", "delete", "list", "sudo", "deny", "subscribe", "recover",
)

# vault/policy.go: the pre-0.5 `policy = "..."` shorthand.
LEGACY_POLICIES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "deny": ("deny",),
    "read": ("read", "list"),
    "write": ("create", "read", "update", "delete", "list"),
    "sudo": ("create", "read", "update", "delete", "list", "sudo"),
})
TOP_LEVEL_KEYS = ("name", "path")
PATH_KEYS = (
    "comment", "policy", "capabilities", "allowed_parameters", "denied_parameters",
    "required_parameters", "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods", "control_group",
    "subscribe_event_types",
)
PARAMETER_KEYS = (
    "allowed_parameters", "denied_parameters", "required_parameters",
    "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods", "control_group",
    "subscribe_event_types",
)

INTERPOLATION = re.compile(r"\$\{[^{}]*\}")
# An identity template; it may hold an interpolation (`aliases.${...accessor}.metadata.k`).
TEMPLATE = re.compile(r"\{\{((?:\$\{[^{}]*\}|[^{}])*)\}\}")
# sdk/helper/identitytpl/templating.go renders only these roots; anything else never renders.
_TEMPLATE_ROOTS = ("identity.entity.", "identity.groups.", "time.")
# Go's time unitMap, in nanoseconds.
_GO_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9,
             "m": 60 * 10**9, "h": 3600 * 10**9}
_GO_INT = re.compile(r"[+-]?[0-9]+")
# A time.Duration is an int64 of nanoseconds (about 292 years).
_MAX_NS = (1 << 63) - 1

# allowed_parameters / denied_parameters: parameter name to the values allowed
# (or denied); an empty tuple is any value.
Parameters = Mapping[str, tuple[Any, ...]]


class PolicyError(HashistackError):
    """A policy Vault would refuse, or a rule that could never do what it says;
    `path` is the policy path at fault, when there is one."""


def _fail(path: str, reason: str) -> PolicyError:
    return PolicyError(f"path {path!r}: {reason}", path=path)


def masked(path: str) -> str:
    """`path` with interpolations and identity templates replaced by `_`, for wildcard checks."""
    return TEMPLATE.sub("_", INTERPOLATION.sub("_", path))


def template_pieces(path: str) -> list[str] | None:
    """identitytpl.PopulateString's split: [text, directive, text, directive, ...,
    text], or None if the templating characters are unbalanced (Vault refuses)."""
    parts = path.split("{{")
    if "}}" in parts[0]:
        return None
    out = [parts[0]]
    for piece in parts[1:]:
        inner = piece.split("}}")
        if len(inner) != 2:
            return None
        out.extend(inner)
    return out


def lint_path(path: str) -> None:
    """The authoring lint `PolicyDocument.add` applies (Vault itself accepts all
    of these, as literal or never-matching paths). `path` has had its one
    leading '/' stripped, as Vault does."""
    if not path:
        raise _fail(path, "empty path")
    if path.startswith("/"):
        # Vault strips one leading "/" (policy.go) and every leading "/" of a
        # request (acl.go), so this rule could never match.
        raise _fail(path, "starts with '//'; the rule could never match")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        raise _fail(path, "control characters are not allowed in a path")
    for m in TEMPLATE.finditer(INTERPOLATION.sub("_", path)):
        if not m.group(1).strip().startswith(_TEMPLATE_ROOTS):
            raise _fail(path, f"template {{{{{m.group(1)}}}}} is not an identity/time "
                              "template; Vault would never render it")
    bare = masked(path)
    if "{{" in bare or "}}" in bare:
        raise _fail(path, "unbalanced templating characters")  # identitytpl's own words
    if "${" in bare:
        raise _fail(path, "unterminated interpolation '${'")
    if "+*" in bare:
        raise _fail(path, "invalid use of wildcards ('+*' is forbidden)")  # policy.go
    if "*" in bare[:-1]:
        # policy.go treats only a trailing '*' as a glob: "a*b" is a literal path.
        raise _fail(path, "'*' is a glob only as the last character of the path")
    if any("+" in seg and seg != "+" for seg in bare.split("/")):
        # acl.go matches "+" only as a whole segment, while policy.go marks any
        # path containing "/+" as wildcarded: "a/+b" would match only itself,
        # "a+/b" is a literal. Either way not what was meant.
        raise _fail(path, "'+' is a wildcard only as a whole path segment")


def _check_vault_path(path: str) -> None:
    """What vault/policy.go itself refuses in a path (after its '/' strip)."""
    if template_pieces(path) is None:
        raise _fail(path, "failed to validate policy templating: "
                          "unbalanced templating characters")
    if "+*" in path:
        raise _fail(path, "invalid use of wildcards ('+*' is forbidden)")


def duration_seconds(value: Any) -> float:
    """Seconds in a Vault duration, as go-secure-stdlib parseutil.ParseDurationSecond
    reads it: "" is 0, an integer is seconds, "<int>d" is days, otherwise Go's
    time.ParseDuration ("300ms", "1h30m", "-5m"). Raises ValueError, also for a
    duration beyond time.Duration's int64 nanoseconds (Go's ParseDuration
    refuses it; the integer forms would silently wrap around in Vault)."""
    if isinstance(value, bool) or value is None:
        if value is None:
            return 0.0
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, float) and value != value:
        raise ValueError("NaN is not a duration")
    if isinstance(value, (int, float)):
        if abs(value) > _MAX_NS // 10**9:
            raise ValueError(f"{value!r} seconds is out of range for a duration")
        return float(int(value))
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration")
    if value == "":
        return 0.0
    if _GO_INT.fullmatch(value):
        # strconv.ParseInt(in, 10, 64), else on to ParseDuration ("missing unit").
        return _in_range(value, _go_int(value) if len(value) < 25 else None, 10**9)
    if value.endswith("d"):
        if not _GO_INT.fullmatch(value[:-1]):
            raise ValueError(f"{_clip(value)} is not a duration")
        return _in_range(value, _go_int(value[:-1]) if len(value) < 25 else None, 86400 * 10**9)
    return _go_duration(value) / 1e9


def _clip(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _go_int(text: str) -> int | None:
    n = int(text)
    return n if -(1 << 63) <= n <= _MAX_NS else None


def _in_range(text: str, n: int | None, unit: int) -> float:
    if n is None or abs(n * unit) > _MAX_NS:
        raise ValueError(f"{_clip(text)} is out of range for a duration (at most 2562047h)")
    return float(n * unit // 10**9) if unit >= 10**9 else n * unit / 1e9


def _go_duration(text: str) -> int:
    """Nanoseconds, by Go's time.ParseDuration (overflow checks included)."""
    bad = ValueError(f"{_clip(text)} is not a duration")
    s, neg = text, False
    if s[:1] in "+-":
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise bad
    total = 0
    while s:
        m = re.match(r"([0-9]*)(?:\.([0-9]*))?", s)
        assert m is not None  # both groups may be empty: it matches every string
        whole, frac = m.group(1), m.group(2)
        if not whole and not frac:
            raise bad
        s = s[m.end():]
        i = 0
        while i < len(s) and s[i] not in ".0123456789":
            i += 1
        unit = _GO_UNITS.get(s[:i])
        if unit is None:
            raise ValueError(f"{_clip(text)} is not a duration: "
                             f"{'unknown unit ' + repr(s[:i]) if i else 'missing unit'}")
        s = s[i:]
        whole = whole.lstrip("0")
        if len(whole) > 19 or int(whole or 0) > (1 << 63) // unit:
            raise ValueError(f"{_clip(text)} is out of range for a duration (at most 2562047h)")
        v = int(whole or 0) * unit
        if frac:
            # leadingFraction keeps the digits that fit; float64 as Go does.
            f, scale = 0, 1
            for d in frac:
                if f > ((1 << 63) - 1) // 10:
                    break
                f, scale = f * 10 + int(d), scale * 10
            v += int(float(f) * (float(unit) / scale))
        total += v
        if total > 1 << 63:
            raise ValueError(f"{_clip(text)} is out of range for a duration (at most 2562047h)")
    if not neg and total > _MAX_NS:
        raise ValueError(f"{_clip(text)} is out of range for a duration (at most 2562047h)")
    return -total if neg else total


def _value_key(v: Any) -> str:
    rank = 0 if isinstance(v, (int, float)) and not isinstance(v, bool) else 1
    return f"{rank}{json.dumps(v, sort_keys=True)}"


def _values(path: str, key: str, name: str, values: Any) -> tuple[Any, ...]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise _fail(path, f"{key}: the value of {name!r} must be a list")
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(_value_key(v), v)
    # Order has no meaning to Vault (membership test); sort for one canonical form.
    return tuple(seen[k] for k in sorted(seen))


def _parameters(path: str, key: str, params: Any) -> Parameters | None:
    if params is None:
        return None
    if not isinstance(params, Mapping):
        raise _fail(path, f"{key} must be a map of parameter name to list of values")
    out: dict[str, tuple[Any, ...]] = {}
    for name in params:
        if not isinstance(name, str):
            raise _fail(path, f"{key}: parameter names must be strings")
        # policy.go validateParameter: a wildcard key is "*" or a pointer ending "/*".
        if "*" in name and name != "*" and not (
            name.startswith("/") and name.endswith("/*") and "*" not in name[:-2]
        ):
            raise _fail(path, f"{key}: parameter key {name!r} cannot contain non-tail wildcards")
        values = _values(path, key, name, params[name])
        low = name.lower()  # policy.go stores strings.ToLower(key)
        if low in out:
            values = _merge_values(out[low], values)
        out[low] = values
    # Vault treats an empty map like none at all (acl.go tests len() == 0).
    return MappingProxyType({k: _values(path, key, k, out[k]) for k in sorted(out)}) \
        if out else None


def _ttl(path: str, key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None  # parseutil: "" is a zero duration, i.e. unset
    try:
        duration_seconds(value)
    except ValueError as e:
        raise _fail(path, f"error parsing {key}: {e}") from None
    if isinstance(value, (int, float)):
        return str(int(value))
    return str(value)  # a str: duration_seconds refused anything else


def _strings(path: str, key: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable) or \
            not all(isinstance(v, str) for v in value):
        raise _fail(path, f"{key} must be a list of strings")
    return tuple(value)


def _control_group(path: str, caps: tuple[str, ...], cg: Any) -> Mapping[str, Any] | None:
    """policy.go's ControlGroupHCL checks; kept as {"ttl", "factor": {name: ...}}."""
    if cg is None:
        return None
    if not isinstance(cg, Mapping):
        raise _fail(path, "control_group must be a block")
    ttl = _ttl(path, "control_group ttl", cg.get("ttl"))
    factors: dict[str, Mapping[str, Any]] = {}
    for name, factor in sorted((cg.get("factor") or {}).items()):
        factor = factor or {}
        ident = factor.get("identity")
        if not ident:
            raise _fail(path, "no control_group factor provided")
        approvals = ident.get("approvals") or 0
        ids = _strings(path, "group_ids", ident.get("group_ids")) or ()
        names = _strings(path, "group_names", ident.get("group_names")) or ()
        if not isinstance(approvals, int) or approvals <= 0 or not (ids or names):
            raise _fail(path, "must provide more than one identity group and approvals > 0")
        controlled = _strings(path, "controlled_capabilities",
                              factor.get("controlled_capabilities"))
        if controlled and not set(controlled) <= set(caps):
            raise _fail(path, "control group factor capabilities must be a subset of the "
                              "policy's capabilities")
        factors[name] = MappingProxyType({
            "identity": MappingProxyType({"group_ids": ids or None,
                                          "group_names": names or None,
                                          "approvals": approvals}),
            "controlled_capabilities": controlled or None,
        })
    if not factors:
        raise _fail(path, "no control group factors provided")
    return MappingProxyType({"ttl": ttl, "factor": MappingProxyType(factors)})


# While set, PathRule accepts a max_wrapping_ttl below min_wrapping_ttl: two
# blocks for one path may say so (Vault merges them in NewACL without a check).
_MERGING: contextvars.ContextVar[bool] = contextvars.ContextVar("_MERGING", default=False)


@dataclass(frozen=True)
class PathRule:
    """One `path` block, normalised as Vault reads it. What Vault's parser would
    refuse raises PolicyError; `capabilities` may be empty (a rule granting
    nothing, which still hides globs above it)."""

    path: str
    capabilities: tuple[str, ...]
    allowed_parameters: Parameters | None = field(default=None, hash=False)
    denied_parameters: Parameters | None = field(default=None, hash=False)
    required_parameters: tuple[str, ...] | None = None
    min_wrapping_ttl: str | None = None
    max_wrapping_ttl: str | None = None
    mfa_methods: tuple[str, ...] | None = None
    control_group: Mapping[str, Any] | None = field(default=None, hash=False)
    subscribe_event_types: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        path = raw = self.path
        if not isinstance(path, str):
            raise PolicyError(f"path {path!r}: a path must be a string")
        path = path[1:] if path.startswith("/") else path  # policy.go strips one "/"
        _check_vault_path(path)
        caps = self.capabilities
        if isinstance(caps, str) or not isinstance(caps, Iterable):
            raise _fail(path, "capabilities must be a list of strings")
        caps = tuple(caps)
        set_ = object.__setattr__
        set_(self, "path", path)
        for cap in caps:
            if cap == "deny":
                # policy.go: deny replaces every other capability and the block's
                # remaining settings (and capabilities) are never read.
                for key in PARAMETER_KEYS:
                    set_(self, key, None)
                set_(self, "capabilities", ("deny",))
                return
            if cap not in CAPABILITIES:
                raise _fail(raw, f"invalid capability {cap!r}")  # Vault names the key
        set_(self, "capabilities", tuple(c for c in CAPABILITIES if c in caps))
        set_(self, "allowed_parameters",
             _parameters(path, "allowed_parameters", self.allowed_parameters))
        set_(self, "denied_parameters",
             _parameters(path, "denied_parameters", self.denied_parameters))
        low = _ttl(path, "min_wrapping_ttl", self.min_wrapping_ttl)
        high = _ttl(path, "max_wrapping_ttl", self.max_wrapping_ttl)
        set_(self, "min_wrapping_ttl", low)
        set_(self, "max_wrapping_ttl", high)
        # Order and repeats mean nothing to Vault; keep acl.go's merged form
        # (strutil.RemoveDuplicates) so one rule has one representation.
        set_(self, "mfa_methods",
             _merge_mfa(None, _strings(path, "mfa_methods", self.mfa_methods)))
        set_(self, "control_group", _control_group(path, caps, self.control_group))
        if not _MERGING.get() and _ttl_conflict(low, high):
            raise _fail(path, "max_wrapping_ttl cannot be less than min_wrapping_ttl")
        required = _strings(path, "required_parameters", self.required_parameters)
        set_(self, "required_parameters", tuple(sorted(set(required))) if required else None)
        events = _strings(path, "subscribe_event_types", self.subscribe_event_types)
        set_(self, "subscribe_event_types", _merge_mfa(None, events) or None)

    @property
    def is_glob(self) -> bool:
        """The path ends in `*`: a prefix match, as Vault reads it."""
        return self.path.endswith("*")

    @property
    def has_segment_wildcard(self) -> bool:
        """The path has a `+` segment (one whole segment, any value)."""
        return "+" in masked(self.path).split("/")

    @property
    def is_templated(self) -> bool:
        """The path holds an identity template (`{{identity.entity.name}}`),
        rendered per token by Vault."""
        # identitytpl: any balanced "{{...}}" makes the policy templated.
        return "{{" in self.path and template_pieces(self.path) is not None

    def union(self, other: PathRule) -> PathRule:
        """Both rules for one path, merged the way vault/acl.go NewACL merges them.

        A max_wrapping_ttl below the other block's min is kept (Vault keeps it,
        then refuses every request on the path); `PolicyDocument.add` refuses it.
        """
        path = "/" + self.path  # already normalised: keep a second leading '/'
        if "deny" in self.capabilities or "deny" in other.capabilities:
            return PathRule(path, ("deny",))
        token = _MERGING.set(True)
        try:
            return PathRule(
                path,
                self.capabilities + other.capabilities,
                _merge_parameters(self.allowed_parameters, other.allowed_parameters),
                _merge_parameters(self.denied_parameters, other.denied_parameters),
                _merge_required(self.required_parameters, other.required_parameters),
                _lesser(self.min_wrapping_ttl, other.min_wrapping_ttl),
                _lesser(self.max_wrapping_ttl, other.max_wrapping_ttl),
                _merge_mfa(self.mfa_methods, other.mfa_methods),
                _merge_control_group(self.control_group, other.control_group),
                # acl.go merges event types only into a rule that already has
                # some; a first rule without them keeps none (Vault's behaviour).
                _merge_mfa(self.subscribe_event_types, other.subscribe_event_types)
                if self.subscribe_event_types and other.subscribe_event_types
                else self.subscribe_event_types,
            )
        finally:
            _MERGING.reset(token)


def _ttl_conflict(low: str | None, high: str | None) -> bool:
    lo, hi = duration_seconds(low), duration_seconds(high)
    return lo != 0 and hi != 0 and hi < lo


def _merge_values(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
    # acl.go: an empty list (any value) for a name wins over any values.
    return () if not a or not b else tuple(a) + tuple(b)


def _merge_parameters(a: Parameters | None, b: Parameters | None) -> Parameters | None:
    if not b:
        return a
    if not a:
        return b if a is None else {**b}
    out = dict(a)
    for name, values in b.items():
        out[name] = _merge_values(out[name], values) if name in out else tuple(values)
    return out


def _merge_required(a: tuple[str, ...] | None,
                    b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if not b:
        return a
    return tuple(dict.fromkeys((a or ()) + b))


def _merge_mfa(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if b is None:
        return a
    # strutil.RemoveDuplicates: trimmed, non-empty, sorted.
    return tuple(sorted({m.strip() for m in (a or ()) + b if m.strip()}))


def _merge_control_group(a: Mapping[str, Any] | None,
                         b: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if not b:
        return a
    if not a:
        return b
    # acl.go appends b's factors and keeps a's ttl; factors are keyed by name
    # here, so a factor name present in both keeps a's definition.
    return {"ttl": a["ttl"], "factor": {**b["factor"], **a["factor"]}}


def _lesser(a: str | None, b: str | None) -> str | None:
    # acl.go prefers the shorter of two non-zero wrapping TTLs.
    live = [t for t in (a, b) if t and duration_seconds(t) > 0]
    return min(live, key=lambda t: (duration_seconds(t), t)) if live else (a or b)


# -- decoding, as hcl.DecodeObject decodes into vault's PathRules ------------------


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
                        if isinstance(x, str) and _GO_INT.fullmatch(x):
                            # strconv.ParseInt(s, 0, 0): an int64, or an error.
                            x = _go_int(x) if len(x) < 25 else None
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
        raise _fail(key, f"cannot check HCL keys of type {_type_name(body)}")
    bad = [(k[0], line) for k, _, line in body if k[0] not in PATH_KEYS]
    if bad:
        raise _fail(key, ", ".join(f"invalid key {k!r}" + (f" on line {n}" if n else "")
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
        raise _fail(path, "invalid use of wildcards ('+*' is forbidden)")
    if legacy:  # policy.go ignores an empty `policy`
        if legacy not in LEGACY_POLICIES:
            raise _fail(key, f"invalid policy {legacy!r}")
        caps = ["deny"] if legacy == "deny" else caps + list(LEGACY_POLICIES[legacy])
    if lint:
        lint_path(path)
        if not caps:
            raise _fail(path, "no capabilities: the rule grants nothing")
    return PathRule(key, tuple(caps),
                    allowed_parameters=params("allowed_parameters"),
                    denied_parameters=params("denied_parameters"),
                    required_parameters=strings("required_parameters"),
                    min_wrapping_ttl=ttl("min_wrapping_ttl"),
                    max_wrapping_ttl=ttl("max_wrapping_ttl"),
                    mfa_methods=strings("mfa_methods"),
                    control_group=cg,
                    subscribe_event_types=strings("subscribe_event_types"))


class PolicyDocument:
    """A mutable Vault ACL policy, like AWS CDK's PolicyDocument.

    One rule per path: adding a path again takes the union, as Vault does
    across blocks and policies. `name` is metadata (Vault takes a policy's
    name from the API, not the text): it is neither rendered nor compared.
    Mutable until `freeze`: a `VaultPolicy` freezes its document when it
    renders the text at synth, so a later change raises instead of being lost.
    """

    def __init__(self, rules: Iterable[PathRule] = (), name: str | None = None) -> None:
        self.name = name
        self._rules: dict[str, PathRule] = {}
        self.version = 0  # counts changes, so a renderer can tell it is up to date
        self._frozen: Callable[[str], Exception] | None = None
        for rule in rules:
            self._put(rule)

    def freeze(self, refuse: Callable[[str], Exception]) -> None:
        """Refuse every later change: `refuse(path)` is the error a change to
        `path` raises (the owner's, naming it: its text was rendered for good)."""
        self._frozen = refuse

    @property
    def frozen(self) -> bool:
        """Whether the document was frozen (its owner's text rendered at synth)."""
        return self._frozen is not None

    def _put(self, rule: PathRule, strict: bool = True) -> None:
        if not isinstance(rule, PathRule):
            raise TypeError(f"expected a PathRule, got {type(rule).__name__}")
        if self._frozen is not None:
            raise self._frozen(rule.path)
        old = self._rules.get(rule.path)
        new = rule if old is None else old.union(rule)
        if strict and _ttl_conflict(new.min_wrapping_ttl, new.max_wrapping_ttl):
            # Vault would accept both blocks, then refuse every request on the path.
            raise _fail(rule.path, "max_wrapping_ttl cannot be less than min_wrapping_ttl")
        self._rules[rule.path] = new
        self.version += 1

    def add(self, path: str, capabilities: Iterable[str], **params: Any) -> PolicyDocument:
        """Grant `capabilities` on `path` (validated and linted); returns self for chaining."""
        for key in params:
            if key not in PARAMETER_KEYS:
                raise PolicyError(f"path {path!r}: invalid key {key!r}")
        if isinstance(capabilities, str):
            raise PolicyError(f"path {path!r}: capabilities must be a list of strings, "
                              f"not the string {capabilities!r}")
        capabilities = tuple(capabilities)
        if isinstance(path, str):
            lint_path(path[1:] if path.startswith("/") else path)
            if not capabilities:
                raise _fail(path, "no capabilities: the rule grants nothing")
        required = params.get("required_parameters")
        if required and not isinstance(required, str) and any("*" in r for r in required):
            raise _fail(path, "required_parameters: wildcard is not permitted here")
        self._put(PathRule(path, capabilities, **params))
        return self

    @property
    def rules(self) -> tuple[PathRule, ...]:
        """Every path rule, ordered by path (the order `to_hcl` writes)."""
        return tuple(self._rules[p] for p in sorted(self._rules))

    def merge(self, other: PolicyDocument) -> PolicyDocument:
        """A new document granting what either grants."""
        return PolicyDocument((*self.rules, *other.rules), name=self.name)

    def to_hcl(self) -> str:
        """The canonical HCL text, through the one HCL writer: stable order, and
        `parse(to_hcl())` gives the same document."""
        blocks = []
        for r in self.rules:
            low, high = r.min_wrapping_ttl, r.max_wrapping_ttl
            split = _ttl_conflict(low, high)
            blocks.append(_path_block(r, low, None if split else high))
            if split:
                # Two blocks for one path merge back into this rule (one block
                # with both would be refused by Vault's parser).
                blocks.append(block("path", _label(r.path), capabilities=list(r.capabilities),
                                    max_wrapping_ttl=high))
        text = render(*blocks)
        return text if text.endswith("\n") else text + "\n"

    @classmethod
    def parse(cls, text: str, *, source: str = "<policy>", name: str | None = None,
              strict: bool = False) -> PolicyDocument:
        """Read Vault policy HCL (HCL1, as Vault parses it) or JSON.

        Raises PolicyError where Vault's parser would. With `strict`, also
        refuse what `add` refuses (rules that never match, literal `*`, ...).
        """
        try:
            top = parse_hcl1(text)
        except HclSyntaxError as e:
            raise PolicyError(f"{source}: failed to parse policy: {e}") from None
        doc = cls(name=name)
        try:
            bad = [(k[0], line) for k, _, line in top if k[0] not in TOP_LEVEL_KEYS]
            if bad:
                raise PolicyError(", ".join(
                    f"invalid key {k!r}" + (f" on line {n}" if n else "") for k, n in bad))
            for keys, value, _ in top:
                if keys[0] == "name" and len(keys) == 1:
                    found = _dec_string("name", value)
                    doc.name = doc.name if name is not None else found
            for keys, value, _ in top:
                if keys[0] != "path":
                    continue
                if len(keys) == 1 and not isinstance(value, _Obj):
                    raise PolicyError("path must be a block: path \"<path>\" { ... }")
                # hcl ObjectList.Filter("path"): the next key is the path; an
                # unlabelled `path { }` is the path "path"; further labels are ignored.
                key = keys[1] if len(keys) > 1 else "path"
                doc._put(_rule_from_block(key, value, strict), strict=False)
        except PolicyError as e:
            raise PolicyError(f"{source}: {e}", path=e.path) from None
        return doc

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PolicyDocument):
            return NotImplemented
        return self.rules == other.rules

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"PolicyDocument({list(self.rules)!r}, name={self.name!r})"


def _path_block(r: PathRule, low: str | None, high: str | None) -> Block:
    blocks = []
    cg = r.control_group
    if cg:
        factors = [
            block("factor", fname,
                  controlled_capabilities=_list(f["controlled_capabilities"]),
                  blocks=[block("identity", group_ids=_list(f["identity"]["group_ids"]),
                                group_names=_list(f["identity"]["group_names"]),
                                approvals=f["identity"]["approvals"])])
            for fname, f in cg["factor"].items()
        ]
        blocks.append(block("control_group", ttl=cg["ttl"], blocks=factors))
    return block(
        "path", _label(r.path),
        capabilities=list(r.capabilities),
        allowed_parameters=r.allowed_parameters,
        denied_parameters=r.denied_parameters,
        required_parameters=r.required_parameters,
        min_wrapping_ttl=low,
        max_wrapping_ttl=high,
        mfa_methods=r.mfa_methods,
        subscribe_event_types=r.subscribe_event_types,
        blocks=blocks,
    )


def _label(path: str) -> str:
    # Vault strips one leading '/' when parsing: write it back for a path that keeps one.
    return "/" + path if path.startswith("/") else path


def _list(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)
