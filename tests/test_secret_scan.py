"""HS-SECRET-001 searches only lines with a hint; that finds what a search of
the whole text finds."""

from hypothesis import given, settings
from hypothesis import strategies as st

from hashistack.checks.facts.secrets import QUOTED, SHAPES, UNQUOTED, _not_secret, literals

PIECES = st.sampled_from([
    "DB_PASS", "token", "api_key", "STRIPE_KEY", "cache_key", "secret", "x", "export ",
    "=", ": ", " = ", '"', "'", "\\n", "\n", " ", "hunter2", "/etc/x", "${var}", "true",
    "{{ .Data }}", "s.abcdefghijklmnopqrstuvwx", "-pwd", ".pass", "(", "#",
])


def whole_text(text):
    """The search before line hints: every pattern over the whole text."""
    seen, out = set(), []
    hits = [(m.start(), what) for what, pattern in SHAPES for m in pattern.finditer(text)]
    hits += [(m.start(1), f"a literal {m.group(1)} value") for m in QUOTED.finditer(text)
             if not _not_secret(m.group(3))]
    hits += [(m.start(1), f"a literal {m.group(1)} value") for m in UNQUOTED.finditer(text)
             if not _not_secret(m.group(2))]
    for start, what in sorted(hits):
        line = text.count("\n", 0, start) + 1
        if line not in seen:
            seen.add(line)
            out.append((line, what))
    return out


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_line_hints_find_what_the_whole_text_search_finds(text):
    assert list(literals(text)) == whole_text(text)


# The shapes as first written, look-behind first: the literal-first rewrite must
# match exactly where these do.
PLAIN_SHAPES = (
    r"(?<![\w.])hv[sbr]\.[A-Za-z0-9_-]{24,}",
    r"(?<![\w.])s\.[A-Za-z0-9]{24}(?![\w.])",
    r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])",
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----",
)
SHAPE_PIECES = st.sampled_from([
    "s.", "hvs.", "hvb.", "AKIA", "ASIA", "x", ".", "A", "B1", " ", "\n", "_",
    "abcdefghijklmnopqrstuvwx", "ABCDEFGHIJKLMNOP", "0123", "-----BEGIN RSA PRIVATE KEY-----",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(SHAPE_PIECES, max_size=12).map("".join))
def test_literal_first_shapes_match_where_the_plain_ones_do(text):
    import re

    for plain, (_, fast) in zip(PLAIN_SHAPES, SHAPES, strict=True):
        expected = [m.span() for m in re.finditer(plain, text)]
        assert [m.span() for m in fast.finditer(text)] == expected
