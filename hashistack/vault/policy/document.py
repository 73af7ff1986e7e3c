"""`PolicyDocument`: a Vault ACL policy built from code or read from text,
rendered as canonical HCL through the one HCL writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hashistack.hcl import Block, block, render
from hashistack.vault.policy.decode import path_rules, policy_name, read_top
from hashistack.vault.policy.grammar import PARAMETER_KEYS, PolicyError, fail
from hashistack.vault.policy.lint import lint_path
from hashistack.vault.policy.merge import ttl_conflict
from hashistack.vault.policy.rule import PathRule


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
        if strict and ttl_conflict(new.min_wrapping_ttl, new.max_wrapping_ttl):
            # Vault would accept both blocks, then refuse every request on the path.
            raise fail(rule.path, "max_wrapping_ttl cannot be less than min_wrapping_ttl")
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
                raise fail(path, "no capabilities: the rule grants nothing")
        required = params.get("required_parameters")
        if required and not isinstance(required, str) and any("*" in r for r in required):
            raise fail(path, "required_parameters: wildcard is not permitted here")
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
            split = ttl_conflict(low, high)
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
        top = read_top(text, source)
        doc = cls(name=name)
        try:
            found = policy_name(top)
            if name is None:
                doc.name = found
            for rule in path_rules(top, strict):
                doc._put(rule, strict=False)
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
