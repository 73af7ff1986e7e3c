"""The project's one HCL writer.

Everything hashistack emits as HCL (Vault policies, Nomad jobspecs, Nomad
agent configs, Vault Agent configs) goes through `render`. Output is stable:
attributes keep the order they were given in, then nested blocks follow in
order. The subset written is valid HCL2 and, for the shapes Vault policies
use (quoted strings, lists, maps), valid HCL1 too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_INDENT = "  "


@dataclass(frozen=True)
class Block:
    """One HCL block: `type "label" ... { attrs; blocks }`.

    `attrs` values that are None are left out, so optional settings need no
    `if` at the call site.
    """

    type: str
    labels: tuple[str, ...] = ()
    attrs: Mapping[str, Any] = field(default_factory=dict)
    blocks: Sequence[Block] = ()

    def __post_init__(self) -> None:
        if not _IDENT.match(self.type):
            raise ValueError(f"HCL block type {self.type!r} is not an identifier")
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "blocks", tuple(self.blocks))


def block(type_: str, *labels: str, blocks: Sequence[Block] = (), **attrs: Any) -> Block:
    """Shorthand: `block("path", "secret/*", capabilities=["read"])`."""
    return Block(type_, labels, attrs, blocks)


def render(*blocks: Block, attrs: Mapping[str, Any] | None = None) -> str:
    """Render a file: top-level attributes first, then blocks, one blank line apart."""
    parts: list[str] = []
    if attrs:
        parts.append("".join(_attr_lines(attrs, 0)))
    parts.extend("".join(_block_lines(b, 0)) for b in blocks)
    return "\n".join(parts)


def _block_lines(b: Block, depth: int) -> list[str]:
    pad = _INDENT * depth
    head = " ".join([b.type, *(_quote(label) for label in b.labels)])
    if not b.blocks and not any(v is not None for v in b.attrs.values()):
        return [f"{pad}{head} {{}}\n"]
    lines = [f"{pad}{head} {{\n"]
    lines.extend(_attr_lines(b.attrs, depth + 1))
    for child in b.blocks:
        lines.extend(_block_lines(child, depth + 1))
    lines.append(f"{pad}}}\n")
    return lines


def _attr_lines(attrs: Mapping[str, Any], depth: int) -> list[str]:
    pad = _INDENT * depth
    present = {k: v for k, v in attrs.items() if v is not None}
    width = max((len(k) for k in present), default=0)
    lines = []
    for key, value in present.items():
        if not _IDENT.match(key):
            raise ValueError(f"HCL attribute name {key!r} is not an identifier")
        lines.append(f"{pad}{key.ljust(width)} = {_value(value, depth)}\n")
    return lines


def _value(value: Any, depth: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)  # what json.dumps writes for an int
    if isinstance(value, float):
        return json.dumps(value)
    if isinstance(value, str):
        # Multi-line text ending in a newline reads best as a heredoc; the
        # value is kept byte for byte either way.
        return _heredoc(value) if "\n" in value[:-1] and value.endswith("\n") else _quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        pad = _INDENT * (depth + 1)
        items = [
            f"{pad}{_key(k)} = {_value(v, depth + 1)}\n" for k, v in value.items() if v is not None
        ]
        return "{\n" + "".join(items) + _INDENT * depth + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(v, depth) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def _key(key: str) -> str:
    return key if _IDENT.match(key) else _quote(key)


def _quote(text: str) -> str:
    # JSON string escaping is a subset of HCL's quoted-string escapes. This is
    # what json.dumps(text, ensure_ascii=False) calls, without building an encoder.
    return _encode_string(text)


_encode_string = json.encoder.encode_basestring


def _heredoc(text: str) -> str:
    marker = "EOT"
    while any(line.strip() == marker for line in text.splitlines()):
        marker += "_"
    return f"<<{marker}\n{text}{marker}"
