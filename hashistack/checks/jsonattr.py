"""JSON-valued attributes (`config_json`) as the rules see them.

A literal JSON string is parsed as JSON. A configuration that holds Terraform
references is synthesized as `${jsonencode({...})}` (so Terraform escapes
what the references resolve to, such as a PEM file's newlines); its object
expression is read back here, each reference or function call becoming the
`${...}` string a literal JSON config would carry in its place.
"""

from __future__ import annotations

import json
import re
from typing import Any

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def json_attribute(value: Any) -> Any:
    """The decoded value, or None if it is neither JSON nor a jsonencode() of a literal."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("${jsonencode(") and text.endswith(")}"):
        try:
            reader = _Reader(text[len("${jsonencode("):-2])
            out = reader.value()
            reader.skip()
            return out if reader.i == len(reader.s) else None
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to read
            return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


class _Reader:
    """HCL's object/tuple literal syntax as cdktf writes it inside jsonencode()."""

    def __init__(self, text: str) -> None:
        self.s, self.i = text, 0

    def skip(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def value(self) -> Any:
        self.skip()
        if self.i >= len(self.s):
            raise ValueError("unexpected end")
        c = self.s[self.i]
        if c == "{":
            return self._collection("}", keyed=True)
        if c == "[":
            return self._collection("]", keyed=False)
        if c == '"':
            return self._string()
        m = _NUMBER.match(self.s, self.i)
        if m and self._ends(m.end()):
            self.i = m.end()
            text = m.group()
            return float(text) if any(x in text for x in ".eE") else int(text)
        for word, literal in (("true", True), ("false", False), ("null", None)):
            if self.s.startswith(word, self.i) and self._ends(self.i + len(word)):
                self.i += len(word)
                return literal
        return "${" + self._expression() + "}"

    def _ends(self, at: int) -> bool:
        rest = self.s[at:].lstrip(" \t\r\n")
        return not rest or rest[0] in ",}]"

    def _collection(self, close: str, *, keyed: bool) -> Any:
        self.i += 1
        out: Any = {} if keyed else []
        while True:
            self.skip()
            if self.s.startswith(close, self.i):
                self.i += 1
                return out
            if keyed:
                key = self.value()
                self.skip()
                if not isinstance(key, str) or not self.s.startswith(("=", ":"), self.i):
                    raise ValueError("expected key = value")
                self.i += 1
                out[key] = self.value()
            else:
                out.append(self.value())
            self.skip()
            if self.s.startswith(",", self.i):
                self.i += 1
            elif not self.s.startswith(close, self.i):
                raise ValueError(f"expected , or {close}")

    def _string(self) -> str:
        out, i = [], self.i + 1
        while i < len(self.s):
            c = self.s[i]
            if c == "\\" and i + 1 < len(self.s):
                out.append(json.loads(f'"{self.s[i:i + 2]}"') if self.s[i + 1] in '"\\/bfnrt'
                           else self.s[i:i + 2])
                i += 2
            elif c == '"':
                self.i = i + 1
                return "".join(out)
            else:
                out.append(c)
                i += 1
        raise ValueError("string not terminated")

    def _expression(self) -> str:
        """A reference or call, up to the `,`, `}` or `]` that ends it."""
        start, depth, quoted = self.i, 0, False
        while self.i < len(self.s):
            c = self.s[self.i]
            if quoted:
                if c == "\\":
                    self.i += 1
                elif c == '"':
                    quoted = False
            elif c == '"':
                quoted = True
            elif c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                break
            self.i += 1
        expr = self.s[start:self.i].strip()
        if not expr:
            raise ValueError("empty expression")
        return expr
