"""`PathRule`: one `path` block of a policy, normalised as Vault reads it."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hashistack.vault.policy import fields
from hashistack.vault.policy.grammar import (
    CAPABILITIES,
    PARAMETER_KEYS,
    Parameters,
    PolicyError,
    fail,
    masked,
    template_pieces,
)
from hashistack.vault.policy.lint import check_vault_path
from hashistack.vault.policy.merge import (
    lesser,
    merge_control_group,
    merge_mfa,
    merge_parameters,
    merge_required,
    ttl_conflict,
)

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
        check_vault_path(path)
        caps = self.capabilities
        if isinstance(caps, str) or not isinstance(caps, Iterable):
            raise fail(path, "capabilities must be a list of strings")
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
                raise fail(raw, f"invalid capability {cap!r}")  # Vault names the key
        set_(self, "capabilities", tuple(c for c in CAPABILITIES if c in caps))
        set_(self, "allowed_parameters",
             fields.parameters(path, "allowed_parameters", self.allowed_parameters))
        set_(self, "denied_parameters",
             fields.parameters(path, "denied_parameters", self.denied_parameters))
        low = fields.ttl(path, "min_wrapping_ttl", self.min_wrapping_ttl)
        high = fields.ttl(path, "max_wrapping_ttl", self.max_wrapping_ttl)
        set_(self, "min_wrapping_ttl", low)
        set_(self, "max_wrapping_ttl", high)
        # Order and repeats mean nothing to Vault; keep acl.go's merged form
        # (strutil.RemoveDuplicates) so one rule has one representation.
        set_(self, "mfa_methods",
             merge_mfa(None, fields.strings(path, "mfa_methods", self.mfa_methods)))
        set_(self, "control_group", fields.control_group(path, caps, self.control_group))
        if not _MERGING.get() and ttl_conflict(low, high):
            raise fail(path, "max_wrapping_ttl cannot be less than min_wrapping_ttl")
        required = fields.strings(path, "required_parameters", self.required_parameters)
        set_(self, "required_parameters", tuple(sorted(set(required))) if required else None)
        events = fields.strings(path, "subscribe_event_types", self.subscribe_event_types)
        set_(self, "subscribe_event_types", merge_mfa(None, events) or None)

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
                merge_parameters(self.allowed_parameters, other.allowed_parameters),
                merge_parameters(self.denied_parameters, other.denied_parameters),
                merge_required(self.required_parameters, other.required_parameters),
                lesser(self.min_wrapping_ttl, other.min_wrapping_ttl),
                lesser(self.max_wrapping_ttl, other.max_wrapping_ttl),
                merge_mfa(self.mfa_methods, other.mfa_methods),
                merge_control_group(self.control_group, other.control_group),
                # acl.go merges event types only into a rule that already has
                # some; a first rule without them keeps none (Vault's behaviour).
                merge_mfa(self.subscribe_event_types, other.subscribe_event_types)
                if self.subscribe_event_types and other.subscribe_event_types
                else self.subscribe_event_types,
            )
        finally:
            _MERGING.reset(token)
