"""The capability half of Vault's ACL engine (hashicorp/vault `vault/acl.go`).

Answers what `vault token capabilities` answers: which capabilities a set of
policies grants on a path. Parameter constraints and wrapping TTLs are not
evaluated; the root policy is out of scope.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from hashistack.vault.policy import PolicyDocument, duration_seconds, template_pieces

OPERATIONS = ("create", "read", "update", "patch", "delete", "list", "sudo", "recover")

# identity.entity.aliases.<accessor>.<selector>; the accessor may still be a
# Terraform reference (`${vault_jwt_auth_backend.nomad.accessor}`).
_ALIAS = re.compile(r"identity\.entity\.aliases\.(\$\{[^{}]*\}|[^.]+)\.(.+)", re.S)
# A prefix or segment-wildcard rule that matches a request path: (bytes before
# its first wildcard/glob, is prefix, '+' count, pattern, capabilities).
_Candidate = tuple[int, bool, int, str, frozenset[str]]


@dataclass(frozen=True)
class Identity:
    """The entity behind a token, for rendering templated policies.

    `accessor` is the auth mount accessor of the entity's alias, when known.
    A template's accessor may still be a Terraform reference (`${...}`): it
    matches only when `accessor_ref` names that address
    ("vault_jwt_auth_backend.X.accessor"), or when neither `accessor` nor
    `accessor_ref` is given (then any accessor matches). `now` is the time
    `{{time.now}}` renders (Unix seconds; default: the current time).
    """

    alias_metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    accessor: str | None = None
    alias_name: str | None = None
    alias_id: str | None = None
    entity_id: str | None = None
    entity_name: str | None = None
    entity_metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    accessor_ref: str | None = None
    alias_custom_metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    now: float | None = None

    def _accessor_matches(self, accessor: str) -> bool:
        if accessor.startswith("${"):
            if self.accessor_ref is not None:
                return accessor == "${" + self.accessor_ref + "}"
            return self.accessor is None
        return self.accessor is None or accessor == self.accessor

    def resolve(self, directive: str) -> str | None:
        """The value of one template directive, or None if Vault could not render
        it (sdk/helper/identitytpl performTemplating, ACL mode)."""
        if directive.startswith("time."):
            return _time(directive[len("time."):], self.now)
        if not directive.startswith("identity.entity."):
            return None  # identity.groups.*: groups are not modelled (no groups attached)
        rest = directive[len("identity.entity."):]
        if rest in ("id", "name"):
            # A string value: empty is "not found".
            return (self.entity_id if rest == "id" else self.entity_name) or None
        if rest.startswith("metadata."):
            # A map lookup: a present key renders, even when its value is "".
            return self.entity_metadata.get(rest.split(".", 1)[1])
        m = _ALIAS.fullmatch(directive)
        if m is None or not self._accessor_matches(m.group(1)):
            return None  # "alias not found"
        selector = m.group(2)
        if selector in ("id", "name"):
            return (self.alias_id if selector == "id" else self.alias_name) or None
        for prefix, values in (("metadata.", self.alias_metadata),
                               ("custom_metadata.", self.alias_custom_metadata)):
            if selector.startswith(prefix):
                return values.get(selector[len(prefix):])
        return None  # a bare map, groups lists: not renderable in ACL mode


def _time(selector: str, now: float | None) -> str | None:
    """identitytpl performTimeTemplating: now, now.plus.<dur>, now.minus.<dur>."""
    parts = selector.split(".", 2)
    if parts[0] != "now" or len(parts) == 2:
        return None
    t = time.time() if now is None else now
    if len(parts) == 3:
        try:
            seconds = duration_seconds(parts[2])
        except ValueError:
            return None
        if parts[1] not in ("plus", "minus"):
            return None
        t = t + seconds if parts[1] == "plus" else t - seconds
    return str(int(t // 1))  # Go time.Unix(): floor to whole seconds


def render(path: str, identity: Identity | None) -> str | None:
    """A templated path with the identity filled in; None drops the rule, as
    Vault's parsePaths does when templating fails (vault/policy.go). Without an
    identity no entity directive renders (ErrNoEntityAttachedToToken)."""
    pieces = template_pieces(path)
    if pieces is None:
        return None
    who = identity or Identity()
    out = [pieces[0]]
    for i in range(1, len(pieces), 2):
        directive = pieces[i].strip()
        if identity is None and not directive.startswith("time."):
            return None
        found = who.resolve(directive)
        # A '*' or '+' in a value is ErrTemplatedWildcard: it can never widen access.
        if found is None or "*" in found or "+" in found:
            return None
        out += [found, pieces[i + 1]]
    return "".join(out)


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
        # Vault keeps prefix and segment rules in radix trees so a look-up never
        # scans them all; here: prefix lengths longest first, and a trie of segments.
        self._prefix_lengths = sorted({len(p) for p in self._prefix}, reverse=True)
        self._trie = _Node()
        for full, granted in self._segment.items():
            self._trie.insert(full, granted)

    @classmethod
    def from_policies(cls, docs: Iterable[PolicyDocument] | PolicyDocument,
                      identity: Identity | None = None) -> Acl:
        """The ACL of a token holding `docs` (one document or several); templated
        paths rendered for `identity`, or skipped without one."""
        if isinstance(docs, PolicyDocument):
            docs = [docs]
        return cls(_rendered(docs, identity))

    @classmethod
    def from_hcl(cls, texts: Iterable[str] | str, identity: Identity | None = None) -> Acl:
        """`from_policies` on policy texts (HCL or JSON), parsed as Vault would."""
        if isinstance(texts, str):
            texts = [texts]
        docs = [PolicyDocument.parse(t, source=f"<policy {i}>") for i, t in enumerate(texts)]
        return cls.from_policies(docs, identity)

    def _permissions(self, path: str, listing: bool) -> frozenset[str] | None:
        """acl.go AllowOperation: the permissions that apply to a request."""
        path = path.lstrip("/")  # every leading '/' is stripped
        if path in self._exact:
            return self._exact[path]
        if listing:
            # A list of "foo/" may use the exact rule for "foo".
            trimmed = path[:-1] if path.endswith("/") else path
            if trimmed in self._exact:
                return self._exact[trimmed]
            if path.endswith("/"):
                # VAULT-3825 and its follow-up: candidates for both "foo" and "foo/".
                found = self._candidates(trimmed) + self._candidates(path)
                return _resolve_list(found) if found else None
        found = self._candidates(path)
        return max(found, key=_priority)[4] if found else None

    def _candidates(self, path: str) -> list[_Candidate]:
        """acl.go prefixAndWCCandidatesForPath: the longest prefix rule and every
        matching segment-wildcard rule, as (first wildcard/glob, is prefix,
        '+' count, pattern, capabilities)."""
        candidates: list[_Candidate] = []
        for length in self._prefix_lengths:  # radix LongestPrefix
            best = path[:length]
            if len(best) == length and best in self._prefix:
                candidates.append((_bytes(best), True, 0, best, self._prefix[best]))
                break
        if self._segment:
            self._trie.match(path.split("/"), 0, candidates)
        return candidates

    def capabilities(self, path: str) -> list[str]:
        """Like `vault token capabilities`: sorted; ["deny"] if none or denied."""
        caps = self._permissions(path, listing=True)  # acl.go Capabilities uses a list op
        if not caps or "deny" in caps:
            return ["deny"]
        return sorted(caps)

    def allows(self, path: str, operation: str) -> bool:
        """Whether `operation` (create/read/update/patch/delete/list/recover, or
        sudo) is granted."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; expected one of {OPERATIONS}")
        caps = self._permissions(path, listing=operation == "list")
        return caps is not None and "deny" not in caps and operation in caps


class _Node:
    """One segment of the segment-wildcard trie. A pattern's last segment is kept
    as a tail of the node before it: it may be a '+', or the partial segment a
    trailing '*' leaves (`secret/+/app*` matches `secret/x/app-1/...`)."""

    __slots__ = ("children", "exact_tails", "other_tails")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.exact_tails: dict[str, list[_Candidate]] = {}  # literal last segment, no '*'
        # '+' last, or a '*' prefix: (last segment, is prefix, candidate)
        self.other_tails: list[tuple[str, bool, _Candidate]] = []

    def insert(self, full: str, caps: frozenset[str]) -> None:
        is_prefix = full.endswith("*")
        pattern = full[:-1] if is_prefix else full
        segs = pattern.split("/")
        candidate: _Candidate = (
            _bytes(full[: full.index("+")]), is_prefix, segs.count("+"), pattern, caps
        )
        node = self
        for seg in segs[:-1]:
            node = node.children.setdefault(seg, _Node())
        last = segs[-1]
        if last != "+" and not is_prefix:
            node.exact_tails.setdefault(last, []).append(candidate)
        else:
            node.other_tails.append((last, is_prefix, candidate))

    def match(self, parts: list[str], depth: int, out: list[_Candidate]) -> None:
        part, final = parts[depth], depth == len(parts) - 1
        if final:
            out.extend(self.exact_tails.get(part, ()))
        for last, is_prefix, candidate in self.other_tails:
            if last == "+":
                if is_prefix or final:
                    out.append(candidate)
            elif part.startswith(last):  # a trailing '*': more segments may follow
                out.append(candidate)
        if not final:
            for key in (part,) if part == "+" else (part, "+"):
                child = self.children.get(key)
                if child is not None:
                    child.match(parts, depth + 1, out)


def _bytes(text: str) -> int:
    return len(text.encode())  # Go's len() and strings.Index count bytes


def _priority(candidate: _Candidate) -> tuple[int, bool, int, int, bytes]:
    """Higher sorts later. acl.go wildcardPathDescriptorComparePriority, in
    order: later first wildcard/glob; not a prefix; fewer '+' segments;
    longer; lexicographically greater."""
    first, is_prefix, wildcards, pattern, _ = candidate
    return (first, not is_prefix, -wildcards, _bytes(pattern), pattern.encode())


def _resolve_list(candidates: list[_Candidate]) -> frozenset[str]:
    """acl.go resolveACLPermsForListOp: the most specific deny wins unless a
    more specific candidate grants list; else the most specific list grant;
    else the most specific candidate."""
    def best(pool: list[_Candidate]) -> _Candidate | None:
        top: _Candidate | None = None
        for c in pool:  # first of equals wins, as Go's strict comparison does
            if top is None or _priority(top) < _priority(c):
                top = c
        return top

    deny = best([c for c in candidates if "deny" in c[4]])
    grant = best([c for c in candidates if "list" in c[4]])
    if deny is not None and (grant is None or _priority(grant) < _priority(deny)):
        return deny[4]
    if grant is not None:
        return grant[4]
    top = best(candidates)
    assert top is not None  # called with at least one candidate
    return top[4]


def _rendered(docs: Iterable[PolicyDocument], identity: Identity | None
              ) -> Iterator[tuple[str, tuple[str, ...]]]:
    for doc in docs:
        for rule in doc.rules:
            path = render(rule.path, identity) if rule.is_templated else rule.path
            if path is not None:
                yield path, rule.capabilities
