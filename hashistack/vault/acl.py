"""The capability half of Vault's ACL engine (hashicorp/vault `vault/acl.go`).

Answers what `vault token capabilities` answers: which capabilities a set of
policies grants on a path. Parameter constraints and wrapping TTLs are not
evaluated; the root policy is out of scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hashistack.vault.policy import TEMPLATE, PolicyDocument

OPERATIONS = ("create", "read", "update", "patch", "delete", "list", "sudo")

# identity.entity.aliases.<accessor>.<selector>; the accessor may still be a
# Terraform reference (`${vault_jwt_auth_backend.nomad.accessor}`).
_ALIAS = re.compile(r"identity\.entity\.aliases\.(\$\{[^{}]*\}|[^.]+)\.(.+)")


@dataclass(frozen=True)
class Identity:
    """The entity behind a token, for rendering templated policies."""

    alias_metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    accessor: str | None = None  # None: any mount accessor in a template matches
    alias_name: str | None = None
    alias_id: str | None = None
    entity_id: str | None = None
    entity_name: str | None = None
    entity_metadata: Mapping[str, str] = field(default_factory=dict, hash=False)

    def _accessor_matches(self, accessor: str) -> bool:
        # An unresolved `${...}` stands for the auth mount's accessor, whatever it is.
        return self.accessor is None or accessor.startswith("${") or accessor == self.accessor

    def resolve(self, directive: str) -> str | None:
        """The value of one template directive, or None if Vault could not render it."""
        entity = {
            "identity.entity.id": self.entity_id,
            "identity.entity.name": self.entity_name,
        }
        if directive in entity:
            return entity[directive]
        if directive.startswith("identity.entity.metadata."):
            return self.entity_metadata.get(directive.split(".", 3)[3])
        m = _ALIAS.fullmatch(directive)
        if m is None or not self._accessor_matches(m.group(1)):
            return None
        selector = m.group(2)
        if selector == "id":
            return self.alias_id
        if selector == "name":
            return self.alias_name
        if selector.startswith("metadata."):
            return self.alias_metadata.get(selector.split(".", 1)[1])
        return None  # groups, time, custom_metadata: not modelled, so not rendered


class _Unrenderable(Exception):
    pass


def render(path: str, identity: Identity | None) -> str | None:
    """A templated path with the identity filled in; None drops the rule, as
    Vault's parsePaths does when templating fails (vault/policy.go)."""

    def value(m: re.Match) -> str:
        found = identity.resolve(m.group(1).strip()) if identity else None
        # identitytpl: an empty value is "not found"; a '*' or '+' in it is
        # ErrTemplatedWildcard, so it can never widen access.
        if not found or "*" in found or "+" in found:
            raise _Unrenderable
        return found

    try:
        return TEMPLATE.sub(value, path)
    except _Unrenderable:
        return None


def _segment_wildcarded(path: str) -> bool:
    return path == "+" or "/+" in path or path.startswith("+/")  # policy.go's test


class Acl:
    """Capabilities granted by a set of policies, by Vault's matching rules."""

    def __init__(self, rules: Iterable[tuple[str, tuple[str, ...]]] = ()) -> None:
        self._exact: dict[str, frozenset[str]] = {}
        self._prefix: dict[str, frozenset[str]] = {}
        self._segment: dict[str, frozenset[str]] = {}
        for path, caps in rules:
            if _segment_wildcarded(path):
                table, key = self._segment, path  # keeps a trailing '*'
            elif path.endswith("*"):
                table, key = self._prefix, path[:-1]
            else:
                table, key = self._exact, path
            old = table.get(key)
            if old is not None and "deny" in old:
                continue
            new = frozenset(caps)
            # Same pattern in several policies: union, but deny wins (acl.go NewACL).
            table[key] = new if old is None or "deny" in new else old | new

    @classmethod
    def from_policies(cls, docs: Iterable[PolicyDocument], identity: Identity | None = None
                      ) -> Acl:
        if isinstance(docs, PolicyDocument):
            docs = [docs]
        return cls(_rendered(docs, identity))

    @classmethod
    def from_hcl(cls, texts: Iterable[str], identity: Identity | None = None) -> Acl:
        if isinstance(texts, str):
            texts = [texts]
        docs = [PolicyDocument.parse(t, source=f"<policy {i}>") for i, t in enumerate(texts)]
        return cls.from_policies(docs, identity)

    def _permissions(self, path: str, listing: bool) -> frozenset[str] | None:
        path = path.lstrip("/")  # acl.go AllowOperation strips every leading '/'
        if path in self._exact:
            return self._exact[path]
        # acl.go: a list of "foo/" may use the exact rule for "foo".
        if listing and path.endswith("/") and path[:-1] in self._exact:
            return self._exact[path[:-1]]
        return self._non_exact(path)

    def _non_exact(self, path: str) -> frozenset[str] | None:
        """acl.go CheckAllowedFromNonExactPaths: the single highest-priority match."""
        candidates = []
        prefixes = [p for p in self._prefix if path.startswith(p)]
        if prefixes:
            best = max(prefixes, key=len)  # radix LongestPrefix
            if not self._segment:
                return self._prefix[best]
            candidates.append((_bytes(best), True, 0, best, self._prefix[best]))
        parts = path.split("/")
        for full, caps in self._segment.items():
            is_prefix = full.endswith("*")
            pattern = full[:-1] if is_prefix else full
            segs = pattern.split("/")
            if len(parts) < len(segs) or (not is_prefix and len(parts) != len(segs)):
                continue
            wildcards = 0
            for i, seg in enumerate(segs):
                if seg == "+":
                    wildcards += 1
                elif seg != parts[i] and not (
                    is_prefix and i == len(segs) - 1 and parts[i].startswith(seg)
                ):
                    break
            else:
                first = _bytes(full[: full.index("+")])
                candidates.append((first, is_prefix, wildcards, pattern, caps))
        if not candidates:
            return None
        return max(candidates, key=_priority)[4]

    def capabilities(self, path: str) -> list[str]:
        """Like `vault token capabilities`: sorted; ["deny"] if none or denied."""
        caps = self._permissions(path, listing=True)  # acl.go Capabilities uses a list op
        if not caps or "deny" in caps:
            return ["deny"]
        return sorted(caps)

    def allows(self, path: str, operation: str) -> bool:
        """Whether `operation` (create/read/update/patch/delete/list, or sudo) is granted."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; expected one of {OPERATIONS}")
        caps = self._permissions(path, listing=operation == "list")
        return bool(caps) and "deny" not in caps and operation in caps


def _bytes(text: str) -> int:
    return len(text.encode())  # Go's len() and strings.Index count bytes


def _priority(candidate: tuple) -> tuple:
    """Higher sorts later. acl.go, in order: later first wildcard/glob; not a
    prefix; fewer '+' segments; longer; lexicographically greater."""
    first, is_prefix, wildcards, pattern, _ = candidate
    return (first, not is_prefix, -wildcards, _bytes(pattern), pattern.encode())


def _rendered(docs: Iterable[PolicyDocument], identity: Identity | None):
    for doc in docs:
        for rule in doc.rules:
            path = render(rule.path, identity) if rule.is_templated else rule.path
            if path is not None:
                yield path, rule.capabilities

