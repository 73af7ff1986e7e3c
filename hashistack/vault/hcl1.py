"""A reader for HCL1 as Vault's policy parser sees it.

Vault parses ACL policies with HCL1 (`github.com/hashicorp/hcl`), not hcl/v2.
pyhcl 0.4.5, the usual Python HCL1 reader, gets valid Vault policies wrong:
it refuses booleans in lists (`[true]`) and numbers after strings
(`["a", 1]`), and keeps only the last of repeated blocks for one path. So this
module reads that grammar itself: comments, identifiers, strings with `${...}` kept
raw, numbers, booleans, heredocs, lists, objects, multi-label blocks, and
HCL1-JSON. It produces HCL1's AST shape: an object is a list of
(keys, value, line) items, so repeated blocks stay apart.

Public surface: `parse_hcl1(text)`, `HclSyntaxError`, the AST types `Obj`,
`Int` and `Float`, and `nest` (items as (key, value) pairs, for decoding).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from hashistack.errors import HashistackError

__all__ = ["Float", "HclSyntaxError", "Int", "Obj", "nest", "parse_hcl1"]


# One item of an object: (keys, value, line); `a "b" { }` has keys ("a", "b").
Item = tuple[tuple[str, ...], Any, int]
# A token: (kind, value, line).
_Token = tuple[str, Any, int]


class Obj(list[Item]):
    """An HCL1 object list: (keys tuple, value, line) items in order."""


class Int(int):
    """An HCL1 integer that keeps its source text (`text`): HCL decodes a number
    into a string field as the token's text."""

    text: str


class Float(float):
    """An HCL1 float that keeps its source text (`text`)."""

    text: str


class HclSyntaxError(HashistackError):
    """Text HashiCorp's HCL1 parser would refuse; the message starts with the
    line (and column) as that parser reports it."""


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", '"': '"'}
_PUNCT = {"{", "}", "[", "]", "=", ","}
# hcl/token Value(): a NUMBER is strconv.ParseInt(text, 0, 64), a FLOAT
# strconv.ParseFloat(text, 64); out of range, HashiCorp's reader panics.
_INT64 = range(-(1 << 63), 1 << 63)
# Nesting deeper than this is refused (HCL1 has no limit; Python's stack has).
MAX_DEPTH = 100
_NUMBER = re.compile(r"-?(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)")


_FAST = re.compile(
    r'[ \t\r\ufeff]*(?:(?P<nl>\n)|(?P<punct>[{}\[\]=,])'
    # A string without `${` whose escapes, if any, are \\ \" \n or \t.
    r'|(?P<string>"(?:[^"\\\n$]|\\[\\"nt]|\$(?!\{))*")'
    r"|(?P<ident>[^\W\d][\w\-.:]*)"
    r"|(?P<int>-?[1-9][0-9]*|0)(?![0-9.eExX])"
    # A `<<EOT` heredoc whose lines hold no \r (nor other odd blanks) and whose
    # closing line is the anchor alone; `_heredoc` handles every other case.
    r"|<<(?P<anchor>[A-Za-z_][A-Za-z0-9_]*)\n(?P<body>(?:[^\n\r\f\v\x1c-\x1f\x85]*\n)*?)"
    r"[ \t]*(?P=anchor)\n)"
)
_SIMPLE_ESCAPE = re.compile(r"\\(.)")


def _clip(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _escape_length(s: str, i: int) -> int:
    """Length of the escape at s[i] ('\\') as hcl/scanner scanEscape reads it, 0 if illegal."""
    e = s[i + 1:i + 2]
    if e and e in 'abfnrtv\\"':
        return 2
    if e and e in "01234567":
        return 4 if all(o in "01234567" for o in s[i + 2:i + 4]) and i + 4 <= len(s) else 0
    n = {"x": 2, "u": 4, "U": 8}.get(e)
    if n and len(s) >= i + 2 + n and all(h in _HEX for h in s[i + 2:i + 2 + n]):
        return 2 + n
    return 0


_HEX = frozenset("0123456789abcdefABCDEF")


def _ident_char(c: str) -> bool:
    return c.isalnum() or c in "_-.:"


class _Lexer:
    def __init__(self, text: str) -> None:
        self.s, self.i, self.line = text, 0, 1

    def error(self, msg: str) -> HclSyntaxError:
        return HclSyntaxError(f"At {self.line}: {msg}")

    def tokens(self) -> list[tuple[str, Any, int]]:
        # The common tokens in one regex match each; numbers, escaped strings,
        # heredocs, comments and errors go through `_next`, character by character.
        out: list[tuple[str, Any, int]] = []
        append, s, fast = out.append, self.s, _FAST.match
        i, line = self.i, self.line
        while True:
            m = fast(s, i)
            if m is None:
                self.i, self.line = i, line
                tok = self._next()
                append(tok)
                if tok[0] == "EOF":
                    return out
                i, line = self.i, self.line
                continue
            i, kind = m.end(), m.lastgroup
            if kind == "nl":
                line += 1
            elif kind == "ident":
                word = m["ident"]
                if not (word[0].isalpha() or word[0] == "_"):  # `\w` is wider (e.g. '²')
                    self.i, self.line = m.start("ident"), line
                    append(self._next())
                    i, line = self.i, self.line
                    continue
                append(("BOOL", word == "true", line) if word in ("true", "false")
                       else ("IDENT", word, line))
            elif kind == "string":
                text = m["string"][1:-1]
                if "\\" in text:
                    text = _SIMPLE_ESCAPE.sub(lambda e: _ESCAPES[e[1]], text)
                append(("STRING", text, line))
            elif kind == "body":
                body = m["body"]
                if m["anchor"] in body or not body.isascii():
                    # The anchor inside, or blanks `\s` knows beyond ASCII: let
                    # the line-by-line reader decide where the heredoc ends.
                    self.i, self.line = m.start("anchor") - 2, line
                    tok = self._next()
                    append(tok)
                    i, line = self.i, self.line
                    continue
                append(("STRING", body, line))
                line += body.count("\n") + 2
            elif kind == "int" and len(m["int"]) < 19:
                number = Int(m["int"])
                number.text = m["int"]
                append(("NUMBER", number, line))
            elif kind == "int":
                self.i, self.line = m.start("int"), line
                append(self._next())
                i, line = self.i, self.line
            else:
                c = m["punct"]
                append((c, c, line))

    def _skip(self) -> None:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\n":
                self.line += 1
                self.i += 1
            elif c in " \t\r\ufeff":
                self.i += 1
            elif c == "#" or s.startswith("//", self.i):
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
            elif s.startswith("/*", self.i):
                end = s.find("*/", self.i + 2)
                if end < 0:
                    raise self.error("comment not terminated")
                self.line += s.count("\n", self.i, end)
                self.i = end + 2
            elif c == "/":
                raise self.error("expected '/' for comment")
            else:
                return

    def _next(self) -> tuple[str, Any, int]:
        self._skip()
        s, line = self.s, self.line
        if self.i >= len(s):
            return ("EOF", None, line)
        c = s[self.i]
        if c in _PUNCT:
            self.i += 1
            return (c, c, line)
        if c == '"':
            return ("STRING", self._string(), line)
        if s.startswith("<<", self.i):
            return ("STRING", self._heredoc(), line)
        m = _NUMBER.match(s, self.i)
        if m and (c.isdigit() or c == "-"):
            self.i = m.end()
            text = m.group(0)
            if m.group(2) or m.group(3):
                v: Any = Float(text)
                if v in (float("inf"), float("-inf")):
                    raise self.error(f"number {_clip(text)} is out of range (float64)")
            else:
                digits = text.lstrip("-")
                if len(digits.lower().removeprefix("0x").lstrip("0")) > 22:
                    # Beyond int64 in any base; and int() refuses 4300 digits.
                    raise self.error(f"number {_clip(text)} is out of range (int64)")
                try:
                    n = int(digits, 16) if digits[:2].lower() == "0x" else \
                        int(digits, 8) if len(digits) > 1 and digits[0] == "0" else int(digits)
                except ValueError:
                    raise self.error(f"invalid number {text!r}") from None
                n = -n if text.startswith("-") else n
                if n not in _INT64:
                    raise self.error(f"number {_clip(text)} is out of range (int64)")
                v = Int(n)
            v.text = text
            return ("NUMBER", v, line)
        if c.isalpha() or c == "_":
            j = self.i
            while j < len(s) and _ident_char(s[j]):
                j += 1
            word, self.i = s[self.i:j], j
            if word in ("true", "false"):
                return ("BOOL", word == "true", line)
            return ("IDENT", word, line)
        raise self.error(f"illegal char {c!r}")

    def _string(self) -> str:
        # hcl/scanner scanString + hcl/strconv Unquote: escapes are decoded
        # outside `${...}`; inside, text (quotes and escapes included) is kept
        # as is, though the scanner still refuses an escape it does not know.
        s, i, braces = self.s, self.i + 1, 0
        out: list[str] = []
        while True:
            if i >= len(s) or (s[i] == "\n" and braces == 0):
                raise self.error("literal not terminated")
            c = s[i]
            if braces == 0 and c == '"':
                self.i = i + 1
                return "".join(out)
            if braces == 0 and s.startswith("${", i):
                braces, i = 1, i + 2
                out.append("${")
                continue
            if braces:
                if c == "\\":
                    n = _escape_length(s, i)
                    if not n:
                        raise self.error("illegal char escape")
                    out.append(s[i:i + n])
                    i += n
                    continue
                if c == "\ufffd":  # strconv.Unquote takes it for invalid UTF-8
                    raise self.error("invalid syntax: U+FFFD inside '${'")
                braces += (c == "{") - (c == "}")
                self.line += c == "\n"
                out.append(c)
                i += 1
                continue
            if c != "\\":
                out.append(c)
                i += 1
                continue
            e = s[i + 1:i + 2]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
            elif e in ("x", "u", "U"):
                n = {"x": 2, "u": 4, "U": 8}[e]
                hexd = s[i + 2:i + 2 + n]
                if len(hexd) != n or not all(h in "0123456789abcdefABCDEF" for h in hexd):
                    raise self.error("illegal char escape")
                code = int(hexd, 16)
                if code > 0x10FFFF:
                    raise self.error(f"illegal char escape: \\{e}{hexd} is beyond U+10FFFF")
                # utf8.EncodeRune writes U+FFFD for a surrogate.
                out.append("\ufffd" if 0xD800 <= code <= 0xDFFF and e != "x" else chr(code))
                i += 2 + n
            elif e and e in "01234567":
                octd = s[i + 1:i + 4]
                if len(octd) != 3 or not all(o in "01234567" for o in octd) or int(octd, 8) > 255:
                    raise self.error("illegal char escape")
                out.append(chr(int(octd, 8)))
                i += 4
            else:
                raise self.error("illegal char escape")

    def _heredoc(self) -> str:
        s = self.s
        m = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)\r*\n").match(s, self.i)
        if not m:
            raise self.error("invalid heredoc anchor")
        indented, anchor = m.group(1) == "-", m.group(2)
        lines, pos = [], m.end()
        self.line += 1
        while True:
            end = s.find("\n", pos)
            if end < 0:
                raise self.error("heredoc not terminated")
            line = s[pos:end]
            self.line += 1
            if re.fullmatch(rf"\s*{anchor}\r*", line):
                self.i = end + 1
                break
            lines.append(line)
            pos = end + 1
        if not indented:
            return "".join(f"{x}\n" for x in lines)
        prefix = line[:len(line) - len(line.lstrip())]
        if all(x.startswith(prefix) for x in lines):
            return "".join(f"{x[len(prefix):]}\n" for x in lines)
        return "".join(f"{x}\n" for x in lines).rstrip(" \t")


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _Lexer(text).tokens()
        self.k = 0
        self.depth = 0

    def peek(self) -> tuple[str, Any, int]:
        return self.toks[self.k]

    def take(self) -> tuple[str, Any, int]:
        tok = self.toks[self.k]
        self.k += 1
        return tok

    def error(self, tok: _Token, msg: str) -> HclSyntaxError:
        return HclSyntaxError(f"At {tok[2]}: {msg}")

    def object_list(self, close: str) -> Obj:
        items = Obj()
        while self.peek()[0] != close:
            if self.peek()[0] == "EOF":
                raise self.error(self.peek(), "object expected closing RBRACE got: EOF")
            items.append(self.item())
            if self.peek()[0] == ",":
                self.take()
        return items

    def item(self) -> Item:
        keys: list[str] = []
        line = self.peek()[2]
        while True:
            tok = self.take()
            if tok[0] in ("IDENT", "STRING"):
                keys.append(tok[1])
            elif tok[0] == "=" and len(keys) == 1:
                return (tuple(keys), self.value(), line)
            elif tok[0] == "=" and keys:
                raise self.error(tok, "nested object expected: LBRACE got: ASSIGN")
            elif tok[0] == "{" and keys:
                return (tuple(keys), self.obj(), line)
            elif tok[0] == "EOF" and keys:
                raise self.error(tok, f"key '{keys[0]}' expected start of object ('{{') "
                                      "or assignment ('=')")
            else:
                raise self.error(tok, f"expected: IDENT | STRING got: {tok[0]}")

    def nested(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(tok, f"nesting deeper than {MAX_DEPTH} levels")

    def obj(self) -> Obj:
        self.nested(self.toks[self.k - 1])
        items = self.object_list("}")
        self.take()
        self.depth -= 1
        return items

    def value(self) -> Any:
        tok = self.take()
        if tok[0] in ("STRING", "NUMBER", "BOOL"):
            return tok[1]
        if tok[0] == "{":
            return self.obj()
        if tok[0] == "[":
            self.nested(tok)
            out: list[Any] = []
            while True:
                if self.peek()[0] == "]":
                    self.take()
                    self.depth -= 1
                    return out
                out.append(self.value())
                nxt = self.take()
                if nxt[0] == "]":
                    self.depth -= 1
                    return out
                if nxt[0] != ",":
                    raise self.error(nxt, "error parsing list, expected comma or list end, "
                                          f"got: {nxt[0]}")
        raise self.error(tok, f"Unknown token: {tok[0]}")


def _from_json(v: Any) -> Any:
    if isinstance(v, Obj):
        return Obj(((k,), _from_json(x), 0) for (k,), x, _ in v)
    if isinstance(v, list):
        return [_from_json(x) for x in v]
    return v


def _flatten(obj: Obj) -> Obj:
    """hcl/json/parser flattenObjects: nested JSON objects of objects become
    multi-key items, lists of objects become repeated items."""
    frontier, items = list(obj), []
    while frontier:
        keys, val, line = frontier.pop()
        if isinstance(val, Obj) and val and all(isinstance(v, Obj) for _, v, _ in val):
            frontier.extend((keys + k, v, line) for k, v, _ in val)
        elif isinstance(val, list) and not isinstance(val, Obj) and val and \
                all(isinstance(v, Obj) for v in val):
            frontier.extend((keys, v, line) for v in val)
        else:
            items.append((keys, val, line))
    items.reverse()
    return Obj((k, _walk_flatten(v), line) for k, v, line in items)


def _walk_flatten(v: Any) -> Any:
    if isinstance(v, Obj):
        return _flatten(v)
    if isinstance(v, list):
        return [_walk_flatten(x) for x in v]
    return v


_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)
# Go's strconv.Unquote (which HCL1 applies to JSON strings) refuses a \u
# escape of a surrogate, even one of a pair.
_JSON_SURROGATE = re.compile(r'(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F]')


def _json_checks(text: str) -> None:
    depth = 0
    for m in _JSON_NESTING.finditer(text):
        c = m.group(0)
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise HclSyntaxError(f"nesting deeper than {MAX_DEPTH} levels")
        elif c in "]}":
            depth -= 1
        elif "\\u" in c and _JSON_SURROGATE.search(c):
            raise HclSyntaxError("invalid syntax: a \\u escape of a UTF-16 surrogate")


def _json_int(text: str) -> Int:
    if len(text.lstrip("-").lstrip("0")) > 19 or int(text) not in _INT64:
        raise HclSyntaxError(f"number {_clip(text)} is out of range (int64)")
    v = Int(text)
    v.text = text
    return v


def _json_float(text: str) -> Float:
    v = Float(text)
    if v in (float("inf"), float("-inf")):
        raise HclSyntaxError(f"number {_clip(text)} is out of range (float64)")
    v.text = text
    return v


def _json_constant(text: str) -> Any:
    raise HclSyntaxError(f"{text} is not a JSON number")


def parse_hcl1(text: str) -> Obj:
    """The root object list of HCL1 (or HCL1-JSON, if it starts with '{') text."""
    if text.lstrip().startswith("{"):
        _json_checks(text)
        try:
            top = json.loads(text, object_pairs_hook=lambda p: Obj(((k,), v, 0) for k, v in p),
                             parse_int=_json_int, parse_float=_json_float,
                             parse_constant=_json_constant)
        except json.JSONDecodeError as e:
            raise HclSyntaxError(str(e)) from None
        if not isinstance(top, Obj):
            raise HclSyntaxError("does not contain a root object")
        return _flatten(_from_json(top))
    parser = _Parser(text)
    top = parser.object_list("EOF")
    return top


def nest(items: Iterable[Item]) -> list[tuple[str, Any]]:
    """(key, value) pairs; a multi-key item `a "b" { }` is a = { b = { } }."""
    out: list[tuple[str, Any]] = []
    for keys, val, _ in items:
        for k in reversed(keys[1:]):
            val = Obj([((k,), val, 0)])
        out.append((keys[0], val))
    return out
