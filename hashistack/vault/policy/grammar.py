"""The words of Vault's policy language: capabilities, keys, path templating,
and the error every policy check raises (hashicorp/vault `vault/policy.go`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hashistack.errors import HashistackError

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
TEMPLATE_ROOTS = ("identity.entity.", "identity.groups.", "time.")

# allowed_parameters / denied_parameters: parameter name to the values allowed
# (or denied); an empty tuple is any value.
Parameters = Mapping[str, tuple[Any, ...]]


class PolicyError(HashistackError):
    """A policy Vault would refuse, or a rule that could never do what it says;
    `path` is the policy path at fault, when there is one."""


def fail(path: str, reason: str) -> PolicyError:
    """The PolicyError for `path`, its message naming the path."""
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
