"""Secret-looking literals in text: token shapes, and quoted or env-file values of
keys that say "secret" (HS-SECRET-001; hashistack.review masks what they find)."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Shapes: Vault's token prefixes (Vault tokens concept page: hvs./hvb./hvr.,
# legacy s. + 24 base62), AWS access key ids (IAM identifiers page), PEM keys.
# Each pattern starts with a literal and checks what precedes it after (`s(?<![\w.]s)`
# is `(?<![\w.])s`), so the regex engine can skip ahead to that literal.
SHAPES = (
    ("a Vault token", re.compile(r"h(?<![\w.]h)v[sbr]\.[A-Za-z0-9_-]{24,}")),
    ("a legacy Vault token", re.compile(r"s(?<![\w.]s)\.[A-Za-z0-9]{24}(?![\w.])")),
    ("an AWS access key id", re.compile(r"A(?<![A-Z0-9]A)(?:KIA|SIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("a PEM private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
)
# Key names that say "secret": `token`, `DB_PASSWORD`, `client_secret`, `API_KEY`,
# `AWS_SECRET_ACCESS_KEY` (any case); `STRIPE_KEY` (upper case `_KEY`: the env var
# convention, so lower-case `cache_key`/`sort_key` identifiers stay out).
_KEY_ANY_CASE = (r"(?i:[\w.-]*(?:token|password|passwd|passphrase|secret|secret_id|api_?key"
                 r"|access_key|private_key|[_.-]pass|[_.-]pwd))")
_KEY = rf"(?:{_KEY_ANY_CASE}|[\w.-]*_KEY)"
# Where a key starts: not inside a word, or right after a `\n` escape in a string
# (env-file lines inside a jobspec template's `data = "A=1\nB=2"`).
_START = r"(?:(?<![\w.\\-])|(?<=\\[nrt]))"
# `key = "v"`, `"key": 'v'`, `KEY=\"v\"` (inside an HCL string): a quoted value.
QUOTED = re.compile(rf"""{_START}["']?({_KEY})["']?[ \t]*[:=][ \t]*(\\?["'])(.*?)\2""")
# `KEY=value`, `export KEY=value`, `key: value` at the start of a line, of an escaped
# line or of a string: env files, shell, YAML. Stops at blanks, quotes, brackets, escapes.
UNQUOTED = re.compile(
    rf"""(?:^|(?<=\\n)|(?<=["']))[ \t]*(?:export[ \t]+)?["']?({_KEY})["']?[ \t]*[:=][ \t]*"""
    r"""([^\s"'`,;{}()\[\]<>#\\]+)(?![(\w])""",
    re.MULTILINE,
)
# Values that are not secrets: booleans, null, numbers, durations, paths, HCL references.
NOT_SECRET = re.compile(
    r"(?i:true|false|yes|no|on|off|null|none|nil|\d+(?:\.\d+)?[a-z]{0,2})"
    r"|(?:/|\./|\.\./|~/|file://)\S*"
    r"|(?:var|local|data|module|each|self|path|count|resource)\.[\w.\[\]\"-]+"
)
# Every QUOTED or UNQUOTED match holds one of these, on one line: only such
# lines are searched with those (slow, backtracking) patterns.
# (Searched in the lower-cased text, and `_KEY` as written.)
_HINT = re.compile(r"token|pass|secret|api_?key|access_key|private_key|pwd")
PROVIDER_SECRETS = {"vault": ("token",), "consul": ("token",), "nomad": ("secret_id",)}


def is_reference(value: str) -> bool:
    """A template, interpolation or variable: read at run time, not a literal."""
    return not value.strip() or "{{" in value or "${" in value or value.startswith("$")


def _not_secret(value: str) -> bool:
    return is_reference(value) or NOT_SECRET.fullmatch(value.strip()) is not None


def literals(text: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each secret-looking literal, one per line; never the secret."""
    seen: set[int] = set()
    hits = [(m.start(), what) for what, pattern in SHAPES for m in pattern.finditer(text)]
    for start, end in _hinted_lines(text):
        hits += [(m.start(1), f"a literal {m.group(1)} value")
                 for m in QUOTED.finditer(text, start, end) if not _not_secret(m.group(3))]
        hits += [(m.start(1), f"a literal {m.group(1)} value")
                 for m in UNQUOTED.finditer(text, start, end) if not _not_secret(m.group(2))]
    for start, what in sorted(hits):
        line = text.count("\n", 0, start) + 1
        if line not in seen:
            seen.add(line)
            yield line, what


def _hinted_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line with a hint. The patterns still see the whole
    text, so their look-behinds read across the line's start as before."""
    lower = text.lower()
    if len(lower) != len(text):  # a few letters lower-case to two characters ('İ')
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    hints = [m.start() for m in _HINT.finditer(lower)]
    at = text.find("_KEY")
    while at >= 0:
        hints.append(at)
        at = text.find("_KEY", at + 1)
    spans: list[tuple[int, int]] = []
    for hint in sorted(hints):
        if spans and hint < spans[-1][1]:
            continue
        start = text.rfind("\n", 0, hint) + 1
        end = text.find("\n", hint)
        spans.append((start, len(text) if end < 0 else end))
    return spans


def strings(value: object, at: str = "") -> Iterator[tuple[str, str]]:
    """(attribute path, text) of every string in a resource body, metadata aside."""
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "//":
                yield from strings(item, f"{at}.{key}" if at else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from strings(item, f"{at}[{i}]")
