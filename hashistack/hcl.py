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

from hashistack.errors import FieldError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*\Z")
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
            raise FieldError(f"HCL block type {self.type!r} is not an identifier", path="type")
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "blocks", tuple(self.blocks))


def block(type_: str, *labels: str, blocks: Sequence[Block] = (), **attrs: Any) -> Block:
    """Shorthand: `block("path", "secret/*", capabilities=["read"])`."""
    return Block(type_, labels, attrs, blocks)


def render(
    *blocks: Block, attrs: Mapping[str, Any] | None = None, templates: bool = False
) -> str:
    """Render a file: top-level attributes first, then blocks, one blank line apart.

    `templates=True` is for files an HCL2 parser reads, which evaluates every
    string as a template (Nomad jobspecs): each `${` and `%{` in a value is
    written `\\u0024{` / `\\u0025{`, which HCL2 (and HCL1) read as those
    characters, never as an expression; such a value is never a heredoc, where
    escapes are not read. Nomad's runtime interpolation is unaffected: jobspec2
    hands an undefined variable such as `${NOMAD_ALLOC_DIR}` on as that literal
    text (jobspec2/types.config.go, EvalContext.UndefinedVariable), which is
    what the escape reads as too. cdktf tokens (`${TfToken[...]}`) are left for
    cdktf to resolve into the Terraform reference they stand for.
    """
    parts: list[str] = []
    if attrs:
        parts.append("".join(_attr_lines(attrs, 0, templates)))
    parts.extend("".join(_block_lines(b, 0, templates)) for b in blocks)
    return "\n".join(parts)


# Where an HCL2 template starts, but not a cdktf token.
_TEMPLATE = re.compile(r"([$%])\{(?!TfToken\[)")
_TEMPLATE_ESCAPE = {"$": "\\u0024{", "%": "\\u0025{"}


def _data(text: str) -> str:
    """A quoted string HCL2 reads as `text` itself, templates included."""
    return _TEMPLATE.sub(lambda m: _TEMPLATE_ESCAPE[m.group(1)], _encode_string(text))


def _block_lines(b: Block, depth: int, templates: bool) -> list[str]:
    pad = _INDENT * depth
    # Labels come from validated names: a `${` there is a parse error in HCL2.
    head = " ".join([b.type, *(_quote(label) for label in b.labels)])
    if not b.blocks and not any(v is not None for v in b.attrs.values()):
        return [f"{pad}{head} {{}}\n"]
    lines = [f"{pad}{head} {{\n"]
    lines.extend(_attr_lines(b.attrs, depth + 1, templates))
    for child in b.blocks:
        lines.extend(_block_lines(child, depth + 1, templates))
    lines.append(f"{pad}}}\n")
    return lines


def _attr_lines(attrs: Mapping[str, Any], depth: int, templates: bool) -> list[str]:
    pad = _INDENT * depth
    present = {k: v for k, v in attrs.items() if v is not None}
    width = max((len(k) for k in present), default=0)
    lines = []
    for key, value in present.items():
        if not _IDENT.match(key):
            raise FieldError(f"HCL attribute name {key!r} is not an identifier", path=key)
        lines.append(f"{pad}{key.ljust(width)} = {_value(value, depth, templates)}\n")
    return lines


def _value(value: Any, depth: int, templates: bool, inline: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)  # what json.dumps writes for an int
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise FieldError(f"HCL has no number {value!r}")
        return json.dumps(value)
    if isinstance(value, str):
        if templates and _TEMPLATE.search(value):
            return _data(value)
        # Multi-line text ending in a newline reads best as a heredoc; the
        # value is kept byte for byte either way.
        # Not inside a list (`EOT]` would not end it), nor with a \r (HCL1
        # drops the \r of a \r\n there).
        if "\n" in value[:-1] and value.endswith("\n") and "\r" not in value and not inline:
            return _heredoc(value)
        return _quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        pad = _INDENT * (depth + 1)
        items = [
            f"{pad}{_key(k, templates)} = {_value(v, depth + 1, templates)}\n"
            for k, v in value.items()
            if v is not None
        ]
        return "{\n" + "".join(items) + _INDENT * depth + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(v, depth, templates, inline=True) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def _key(key: str, templates: bool) -> str:
    # `true`/`false` bare would be booleans to HCL1, not names.
    if _IDENT.match(key) and key not in ("true", "false", "null"):
        return key
    # A quoted object key is a template in HCL2, like any quoted string.
    return _data(key) if templates else _quote(key)


def _quote(text: str, interpolations: bool = True) -> str:
    # JSON string escaping is a subset of HCL's quoted-string escapes. This is
    # what json.dumps(text, ensure_ascii=False) calls, without building an encoder.
    if not interpolations or "${" not in text:
        return _encode_string(text)
    # HCL1 (hcl/scanner scanString, hcl/strconv Unquote) keeps `${...}` byte for
    # byte, quotes and backslashes included: write each such section raw. A `${`
    # that would not read back raw (no closing brace, an escape the scanner
    # refuses, U+FFFD) is written `\u0024{`, the literal `${` in HCL1 and HCL2.
    out, i = [], 0
    while (j := text.find("${", i)) >= 0:
        out.append(_encode_string(text[i:j])[1:-1])
        end = _interpolation_end(text, j)
        out.append(text[j:end] if end else "\\u0024")
        i = end or j + 1
    out.append(_encode_string(text[i:])[1:-1])
    return '"' + "".join(out) + '"'


# An escape hcl/scanner scanEscape accepts (inside `${}` it is kept as written).
_ESCAPE = re.compile(r'\\(?:[abfnrtv\\"]|[0-7]{3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})')


def _interpolation_end(text: str, start: int) -> int:
    """The end of the `${...}` at `start` as HCL1 scans it, or 0."""
    braces, i = 0, start + 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            m = _ESCAPE.match(text, i)
            if not m:
                return 0
            i = m.end()
            continue
        if c == "\ufffd":
            return 0
        braces += (c == "{") - (c == "}")
        i += 1
        if not braces:
            return i
    return 0


_encode_string = json.encoder.encode_basestring


def _heredoc(text: str) -> str:
    marker = "EOT"
    while any(line.strip() == marker for line in text.splitlines()):
        marker += "_"
    return f"<<{marker}\n{text}{marker}"
