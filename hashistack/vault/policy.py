"""Vault ACL policies: the document model, Vault's validation, canonical HCL.

The rules are Vault's own parser's (hashicorp/vault `vault/policy.go`) and the
policies concept page (products.md §6). Terraform interpolations (`${...}`)
inside paths are opaque text: Terraform resolves them before Vault sees them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hcl.parser import HclParser

from hashistack.hcl import block, render

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
)
PARAMETER_KEYS = (
    "allowed_parameters", "denied_parameters", "required_parameters",
    "min_wrapping_ttl", "max_wrapping_ttl",
)

INTERPOLATION = re.compile(r"\$\{[^{}]*\}")
# An identity template; it may hold an interpolation (`aliases.${...accessor}.metadata.k`).
TEMPLATE = re.compile(r"\{\{((?:\$\{[^{}]*\}|[^{}])*)\}\}")
# sdk/helper/identitytpl/templating.go renders only these roots; anything else never renders.
_TEMPLATE_ROOTS = ("identity.entity.", "identity.groups.", "time.")
_DURATION = re.compile(r"^\d+$|^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+$")
_UNIT_SECONDS = {
    "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400,
}


class PolicyError(ValueError):
    """A policy Vault would refuse, or a rule that could never do what it says."""


def _fail(path: str, reason: str) -> PolicyError:
    return PolicyError(f"path {path!r}: {reason}")


def masked(path: str) -> str:
    """`path` with interpolations and identity templates replaced by `_`, for wildcard checks."""
    return TEMPLATE.sub("_", INTERPOLATION.sub("_", path))


def _check_path(path: str) -> None:
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
    m = masked(path)
    if "{{" in m or "}}" in m:
        raise _fail(path, "unbalanced templating characters")  # identitytpl's own words
    if "${" in m:
        raise _fail(path, "unterminated interpolation '${'")
    if "+*" in m:
        raise _fail(path, "invalid use of wildcards ('+*' is forbidden)")  # policy.go
    if "*" in m[:-1]:
        # policies.mdx: the glob "is only supported as the last character of the path".
        raise _fail(path, "'*' is a glob only as the last character of the path")
    if any("+" in seg and seg != "+" for seg in m.split("/")):
        # acl.go matches "+" only as a whole segment, while policy.go marks any
        # path containing "/+" as wildcarded: "a/+b" would match only itself,
        # "a+/b" is a literal. Either way not what was meant.
        raise _fail(path, "'+' is a wildcard only as a whole path segment")


def duration_seconds(value: str) -> float:
    """Seconds in a Vault duration (parseutil.ParseDurationSecond: "300", "5m", "1h30m", "2d")."""
    if not _DURATION.match(value):
        raise ValueError(f"{value!r} is not a duration")
    if value.isdigit():
        return float(value)
    return sum(float(n) * _UNIT_SECONDS[u]
               for n, u in re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)", value))


def _value_key(v: Any) -> str:
    # Numbers first: pyhcl 0.4.5 cannot read a number that follows a string in a list.
    rank = 0 if isinstance(v, (int, float)) and not isinstance(v, bool) else 1
    return f"{rank}{json.dumps(v, sort_keys=True)}"


def _values(path: str, key: str, name: str, values: Any) -> tuple:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise _fail(path, f"{key}: the value of {name!r} must be a list")
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(_value_key(v), v)
    # Order has no meaning to Vault (membership test); sort for one canonical form.
    return tuple(seen[k] for k in sorted(seen))


def _parameters(path: str, key: str, params: Mapping | None) -> Mapping[str, tuple] | None:
    if params is None:
        return None
    if not isinstance(params, Mapping):
        raise _fail(path, f"{key} must be a map of parameter name to list of values")
    out = {}
    for name in sorted(params):
        if not isinstance(name, str):
            raise _fail(path, f"{key}: parameter names must be strings")
        # policy.go validateParameter: a wildcard key is "*" or a pointer ending "/*".
        if "*" in name and name != "*" and not (
            name.startswith("/") and name.endswith("/*") and "*" not in name[:-2]
        ):
            raise _fail(path, f"{key}: parameter key {name!r} cannot contain non-tail wildcards")
        out[name] = _values(path, key, name, params[name])
    # Vault treats an empty map like none at all (acl.go tests len() == 0).
    return MappingProxyType(out) if out else None


def _ttl(path: str, key: str, value: Any) -> str | None:
    if value is None:
        return None
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _DURATION.match(text):
        raise _fail(path, f"error parsing {key}: {value!r} is not a duration")
    return text


@dataclass(frozen=True)
class PathRule:
    """One `path` block, normalised as Vault reads it. Invalid input raises PolicyError."""

    path: str
    capabilities: tuple[str, ...]
    allowed_parameters: Mapping[str, tuple] | None = field(default=None, hash=False)
    denied_parameters: Mapping[str, tuple] | None = field(default=None, hash=False)
    required_parameters: tuple[str, ...] | None = None
    min_wrapping_ttl: str | None = None
    max_wrapping_ttl: str | None = None

    def __post_init__(self) -> None:
        path = self.path
        if not isinstance(path, str):
            raise PolicyError(f"path {path!r}: a path must be a string")
        path = path[1:] if path.startswith("/") else path  # policy.go strips one "/"
        _check_path(path)
        caps = self.capabilities
        if isinstance(caps, str) or not isinstance(caps, Iterable):
            raise _fail(path, "capabilities must be a list of strings")
        caps = tuple(caps)
        for cap in caps:
            if cap not in CAPABILITIES:
                raise _fail(path, f"invalid capability {cap!r}")
        if not caps:
            raise _fail(path, "no capabilities: the rule grants nothing")
        set_ = object.__setattr__
        set_(self, "path", path)
        if "deny" in caps:
            # policy.go: deny replaces every other capability and the block's
            # remaining settings are never read.
            for key in PARAMETER_KEYS:
                set_(self, key, None)
            set_(self, "capabilities", ("deny",))
            return
        set_(self, "capabilities", tuple(c for c in CAPABILITIES if c in caps))
        set_(self, "allowed_parameters",
             _parameters(path, "allowed_parameters", self.allowed_parameters))
        set_(self, "denied_parameters",
             _parameters(path, "denied_parameters", self.denied_parameters))
        required = self.required_parameters
        if required is not None:
            required = () if isinstance(required, str) else tuple(required)
            if not all(isinstance(r, str) for r in required) or \
                    isinstance(self.required_parameters, str):
                raise _fail(path, "required_parameters must be a list of strings")
            if any("*" in r for r in required):
                raise _fail(path, "required_parameters: wildcard is not permitted here")
            set_(self, "required_parameters", tuple(sorted(set(required))) or None)
        low = _ttl(path, "min_wrapping_ttl", self.min_wrapping_ttl)
        high = _ttl(path, "max_wrapping_ttl", self.max_wrapping_ttl)
        set_(self, "min_wrapping_ttl", low)
        set_(self, "max_wrapping_ttl", high)
        if low and high and 0 < duration_seconds(high) < duration_seconds(low):
            raise _fail(path, "max_wrapping_ttl cannot be less than min_wrapping_ttl")

    @property
    def is_glob(self) -> bool:
        return self.path.endswith("*")

    @property
    def has_segment_wildcard(self) -> bool:
        return "+" in masked(self.path).split("/")

    @property
    def is_templated(self) -> bool:
        return TEMPLATE.search(self.path) is not None

    def union(self, other: PathRule) -> PathRule:
        """Both rules for one path, merged the way vault/acl.go NewACL merges them."""
        if "deny" in self.capabilities or "deny" in other.capabilities:
            return PathRule(self.path, ("deny",))
        # A max below the other block's min raises: Vault would accept it and
        # then refuse every request on the path (acl.go AllowOperation).
        return PathRule(
            self.path,
            self.capabilities + other.capabilities,
            _merge_parameters(self.allowed_parameters, other.allowed_parameters),
            _merge_parameters(self.denied_parameters, other.denied_parameters),
            _merge_required(self.required_parameters, other.required_parameters),
            _lesser(self.min_wrapping_ttl, other.min_wrapping_ttl),
            _lesser(self.max_wrapping_ttl, other.max_wrapping_ttl),
        )


def _merge_parameters(a: Mapping | None, b: Mapping | None) -> Mapping | None:
    if not b:
        return a
    if not a:
        return b if a is None else {**b}
    out = dict(a)
    for name, values in b.items():
        # acl.go: an empty list (any value) for a name wins over any values.
        if not values or (name in out and not out[name]):
            out[name] = ()
        else:
            out[name] = tuple(out.get(name, ())) + tuple(values)
    return out


def _merge_required(a: tuple | None, b: tuple | None) -> tuple | None:
    if not b:
        return a
    return tuple(dict.fromkeys((a or ()) + b))


def _lesser(a: str | None, b: str | None) -> str | None:
    # acl.go prefers the shorter of two non-zero wrapping TTLs.
    live = [t for t in (a, b) if t and duration_seconds(t) > 0]
    return min(live, key=lambda t: (duration_seconds(t), t)) if live else (a or b)


class _TopLevelPairs(HclParser):
    """pyhcl 0.4.5 merges repeated top-level blocks (`path "a"` twice keeps only
    the last `capabilities`); Vault keeps each block. Hand back the raw pairs."""

    def objectlist_flat(self, lt, replace):
        if replace:  # only p_top flattens with replace=True
            return list(lt)
        return super().objectlist_flat(lt, replace)


_parser: _TopLevelPairs | None = None


class _JsonObject(list):
    """A JSON object as its (key, value) pairs, repeats kept."""


def _pairs(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, _JsonObject):
        return list(value)
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, list):
        return [pair for item in value for pair in _pairs(item)]
    raise TypeError


def _plain(value: Any) -> Any:
    if isinstance(value, _JsonObject):
        return {k: _plain(v) for k, v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _top_level(text: str) -> list[tuple[str, Any]]:
    global _parser
    if text.lstrip().startswith("{"):
        top = json.loads(text, object_pairs_hook=_JsonObject)
        if not isinstance(top, _JsonObject):
            raise ValueError("does not contain a root object")
        return list(top)
    if _parser is None:
        _parser = _TopLevelPairs()
    return _parser.parse(text)


def _rule_from_block(path: str, body: Any) -> PathRule:
    try:
        items = _pairs(body)
    except TypeError:
        raise _fail(path, "a path block must be an object") from None
    spec = {}
    for key, value in items:
        if key not in PATH_KEYS:
            raise _fail(path, f"invalid key {key!r}")
        spec[key] = _plain(value)
    for key in ("mfa_methods", "control_group"):
        if key in spec:
            # Dropping either would widen access when the document is re-rendered.
            raise _fail(path, f"{key} (Vault Enterprise) is not modelled by hashistack; "
                              "refusing rather than dropping it")
    caps = spec.get("capabilities", [])
    if isinstance(caps, str) or not isinstance(caps, list) or \
            not all(isinstance(c, str) for c in caps):
        raise _fail(path, "capabilities must be a list of strings")
    legacy = spec.get("policy")
    if legacy:  # policy.go ignores an empty `policy`
        if legacy not in LEGACY_POLICIES:
            raise _fail(path, f"invalid policy {legacy!r}")
        caps = ["deny"] if legacy == "deny" else caps + list(LEGACY_POLICIES[legacy])
    return PathRule(path, tuple(caps), **{k: spec.get(k) for k in PARAMETER_KEYS})


class PolicyDocument:
    """A mutable Vault ACL policy, like AWS CDK's PolicyDocument.

    One rule per path: adding a path again takes the union, as Vault does
    across blocks and policies. `name` is metadata (Vault takes a policy's
    name from the API, not the text): it is neither rendered nor compared.
    """

    def __init__(self, rules: Iterable[PathRule] = (), name: str | None = None) -> None:
        self.name = name
        self._rules: dict[str, PathRule] = {}
        for rule in rules:
            self._put(rule)

    def _put(self, rule: PathRule) -> None:
        if not isinstance(rule, PathRule):
            raise TypeError(f"expected a PathRule, got {type(rule).__name__}")
        old = self._rules.get(rule.path)
        self._rules[rule.path] = rule if old is None else old.union(rule)

    def add(self, path: str, capabilities: Iterable[str], **params: Any) -> PolicyDocument:
        """Grant `capabilities` on `path` (validated); returns self for chaining."""
        for key in params:
            if key not in PARAMETER_KEYS:
                raise PolicyError(f"path {path!r}: invalid key {key!r}")
        if isinstance(capabilities, str):
            raise PolicyError(f"path {path!r}: capabilities must be a list of strings, "
                              f"not the string {capabilities!r}")
        self._put(PathRule(path, tuple(capabilities), **params))
        return self

    @property
    def rules(self) -> tuple[PathRule, ...]:
        return tuple(self._rules[p] for p in sorted(self._rules))

    def merge(self, other: PolicyDocument) -> PolicyDocument:
        """A new document granting what either grants."""
        return PolicyDocument((*self.rules, *other.rules), name=self.name)

    def to_hcl(self) -> str:
        blocks = [
            block(
                "path", r.path,
                capabilities=list(r.capabilities),
                allowed_parameters=r.allowed_parameters,
                denied_parameters=r.denied_parameters,
                required_parameters=r.required_parameters,
                min_wrapping_ttl=r.min_wrapping_ttl,
                max_wrapping_ttl=r.max_wrapping_ttl,
            )
            for r in self.rules
        ]
        text = render(*blocks)
        return text if text.endswith("\n") else text + "\n"

    @classmethod
    def parse(cls, text: str, *, source: str = "<policy>", name: str | None = None
              ) -> PolicyDocument:
        """Read Vault policy HCL (HCL1, as Vault parses it) or JSON."""
        try:
            top = _top_level(text)
        except ValueError as e:
            raise PolicyError(f"{source}: failed to parse policy: {e}") from None
        doc = cls(name=name)
        try:
            for key, value in top:
                if key not in TOP_LEVEL_KEYS:
                    raise PolicyError(f"invalid key {key!r}")
                if key == "name":
                    if not isinstance(value, str):
                        raise PolicyError("name must be a string")
                    doc.name = doc.name if name is not None else value
                    continue
                try:
                    blocks = _pairs(value)
                except TypeError:
                    raise PolicyError("path must be a block: path \"<path>\" { ... }") from None
                for path, body in blocks:
                    # HCL1 JSON may give one path a list of blocks.
                    plain_list = isinstance(body, list) and not isinstance(body, _JsonObject)
                    for one in body if plain_list else [body]:
                        doc._put(_rule_from_block(path, one))
        except PolicyError as e:
            raise PolicyError(f"{source}: {e}") from None
        return doc

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PolicyDocument):
            return NotImplemented
        return self.rules == other.rules

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"PolicyDocument({list(self.rules)!r}, name={self.name!r})"
