"""Properties of the policy reader (issue 9 §4).

(a) Any text gives a PolicyDocument or a PolicyError, never another exception
    (no `chr()` range error, RecursionError, OverflowError, int-conversion limit).
(b) Whatever the reader accepts renders to HCL that reads back to the same
    document: `parse(render(doc)) == doc`.
(c) One regression example per class of failure the fuzzer found.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hashistack.durations import seconds
from hashistack.hcl import block, render
from hashistack.vault.hcl1 import MAX_DEPTH
from hashistack.vault.policy import PathRule, PolicyDocument, PolicyError, duration_seconds

SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
# The round trips cost a parse and a render each: fewer, still every class.
ROUND_TRIP = settings(SETTINGS, max_examples=120)

SEEDS = [
    'path "secret/*" { capabilities = ["read", "list"] }\n',
    'path "a/${var.x}/b" {\n  capabilities = ["create"]\n  min_wrapping_ttl = "1h"\n'
    '  max_wrapping_ttl = "2h"\n}\n',
    'path "kv/+/x" { policy = "write" allowed_parameters = { "k" = ["v", 1, 2.5, true] } }\n',
    '{"path": {"x/*": {"capabilities": ["read"], "allowed_parameters": {"a": [1.5, "b"]}}}}',
    'path "p" { capabilities = ["read"] denied_parameters = { "x" = [<<EOT\nl1\nl2\nEOT\n] } }\n',
    'path "t/{{identity.entity.id}}" { capabilities = ["sudo"] control_group { ttl = "4h" '
    'factor "f" { identity { group_names = ["g"] approvals = 1 } } } }\n',
    'path "${a("\\"b\\\\")}" { capabilities = ["read"] }\n',
]
# Fragments that each once broke the reader or the round trip.
PIECES = [
    '"', "\\", "${", "}", "{", "[", "]", "=", ",", "\n", "\r\n", " ", "#c\n", "/* */",
    '"\\U0011ffff"', '"\\U0010ffff"', '"\\ud800"', '"\\x41"', '"\\377"', '"\\u0024{"',
    "1e999", "-1e999", "1e-999", "NaN", "Infinity", "9" * 25, "9" * 5000, "0x" + "f" * 17,
    '"99999999999999999999h"', '"9999999999999999999d"', '"2562048h"', '"1.5h30m"',
    "[" * 300, "{" * 300, '{"a":' * 300, "<<EOT\nx\ny\nEOT\n", "<<-EOT\n  a\n  EOT\n",
    '"${"a"}"', '"${\\"a\\\\"}"', '"${a\\}"', '"${\\q}"', '"${\n}"', "\ufffd", "\u2028",
    "path", "capabilities", "allowed_parameters", "min_wrapping_ttl", "approvals",
    '"read"', "true", "012", "-0", "9223372036854775808", "-9223372036854775808",
]


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:i] + draw(st.sampled_from(PIECES)) + text[i:]
        else:
            text = text[:i] + text[i + draw(st.integers(0, 8)):]
    return text


TEXTS = st.one_of(
    mutated(),
    st.lists(st.sampled_from(PIECES + ['path "p" { capabilities = ["read"] ']), max_size=12)
    .map("".join),
    st.text(max_size=60),
)


@SETTINGS
@given(TEXTS)
def test_any_text_is_a_document_or_a_policy_error(text):
    try:
        PolicyDocument.parse(text)
    except PolicyError:
        pass


# -- documents the reader accepts ---------------------------------------------------

TRICKY = st.lists(st.sampled_from(
    list('ab/*+${}"\\\n\r\t') + ["\x00", "\x7f", "é", "\ufffd", "\u2028", "EOT", "{{", "}}",
                                 '${a("b")}', "${a\\q}", "\\u0024"]), max_size=8).map("".join)
SCALARS = st.one_of(
    st.integers(-(1 << 63), (1 << 63) - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    TRICKY,
    st.sampled_from(["a\nb\n", "line\nEOT\n", "x\r\ny\n", "${x}\n${y}\n", "  <<EOT\n"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=2),
    max_leaves=4,
)
TTLS = st.one_of(st.none(), st.sampled_from(["1h", "30m", "1h30m", "90s", "2d", "300", "0"]),
                 st.integers(0, 10**6))


@st.composite
def rules(draw) -> PathRule:
    params = {}
    for key in ("allowed_parameters", "denied_parameters"):
        if draw(st.booleans()):
            params[key] = draw(st.dictionaries(TRICKY, st.lists(VALUES, max_size=3), max_size=2))
    if draw(st.booleans()):
        params["required_parameters"] = draw(st.lists(TRICKY, max_size=2))
    low, high = draw(TTLS), draw(TTLS)
    try:
        return PathRule(draw(TRICKY), tuple(draw(st.lists(st.sampled_from(
            ["read", "list", "create", "update", "sudo", "deny"]), max_size=3))),
            min_wrapping_ttl=low, max_wrapping_ttl=high, **params)
    except PolicyError:
        assume(False)


def round_trips(doc: PolicyDocument) -> None:
    text = doc.to_hcl()
    again = PolicyDocument.parse(text)
    assert again == doc, text
    assert again.to_hcl() == text


@ROUND_TRIP
@given(st.lists(rules(), max_size=3))
def test_documents_built_in_code_round_trip(rule_list):
    try:
        doc = PolicyDocument(rule_list)
    except PolicyError:  # one path twice, max_wrapping_ttl below the other's min
        assume(False)
    round_trips(doc)


@ROUND_TRIP
@given(st.dictionaries(TRICKY, st.fixed_dictionaries(
    {"capabilities": st.lists(st.sampled_from(["read", "list", "deny"]), max_size=2)},
    optional={"allowed_parameters": st.dictionaries(TRICKY, st.lists(VALUES, max_size=2),
                                                    max_size=2),
              "min_wrapping_ttl": TTLS.filter(lambda t: t is not None)}), max_size=3))
def test_json_policies_round_trip(paths):
    try:
        doc = PolicyDocument.parse(json.dumps({"path": paths}))
    except PolicyError:
        assume(False)
    round_trips(doc)


@ROUND_TRIP
@given(mutated())
def test_hcl_policies_the_reader_accepts_round_trip(text):
    try:
        doc = PolicyDocument.parse(text)
    except PolicyError:
        assume(False)
    round_trips(doc)


# -- one example per class ----------------------------------------------------------


def refused(text: str, words: str) -> None:
    with pytest.raises(PolicyError, match=words):
        PolicyDocument.parse(text)


def test_unicode_escapes_beyond_the_unicode_range_are_refused():
    refused('path "\\U0011ffff" { capabilities = ["read"] }', "beyond U\\+10FFFF")
    doc = PolicyDocument.parse('path "\\U0010ffff\\ud800" { capabilities = ["read"] }')
    # Go's utf8.EncodeRune writes U+FFFD for a surrogate; JSON's \u surrogate
    # is refused by strconv.Unquote, which HCL1 applies to JSON strings.
    assert doc.rules[0].path == "\U0010ffff\ufffd"
    refused('{"path": {"\\ud83d\\ude00": {"capabilities": ["read"]}}}', "surrogate")


def test_deep_nesting_is_a_policy_error():
    for opener in ("[", "{ a = "):
        refused('path "p" { allowed_parameters = { k = ' + opener * 5000, "nesting deeper")
    refused('path "p" { control_group { ' + "a { " * 5000, "nesting deeper")
    refused('{"path": {"p": {"allowed_parameters": {"k": ' + "[" * 5000, "nesting deeper")
    refused('{"path": ' + '{"a": ' * 5000, "nesting deeper")
    inner = "[" * (MAX_DEPTH - 4) + "1" + "]" * (MAX_DEPTH - 4)
    doc = PolicyDocument.parse(f'path "p" {{ capabilities = ["read"]\n'
                               f'  allowed_parameters = {{ k = [{inner}] }} }}')
    round_trips(doc)


@pytest.mark.parametrize("ttl", ['"99999999999999999999h"', '"9999999999999999999d"',
                                 '"2562048h"', "99999999999999999999", "9999999999999999",
                                 '"' + "9" * 5000 + 's"', "1e300"])
def test_huge_durations_are_a_policy_error(ttl):
    refused(f'path "p" {{ capabilities = ["read"] min_wrapping_ttl = {ttl} }}',
            "out of range")


def test_durations_at_go_s_limit():
    assert duration_seconds("2562047h") == 2562047 * 3600
    assert duration_seconds("2562047h47m16.854775807s") == pytest.approx(9223372036.854776)
    with pytest.raises(ValueError, match="out of range"):
        duration_seconds("2562047h47m16.854775808s")
    assert duration_seconds("-2562047h47m16.854775808s") == pytest.approx(-9223372036.854776)
    assert duration_seconds("1.5h") == 5400.0
    assert seconds("2562047h") == 2562047 * 3600
    for text in ("2562048h", "9" * 5000 + "h", 10**30):
        with pytest.raises(ValueError, match="out of range"):
            seconds(text)


def test_integers_beyond_int64_and_the_conversion_limit_are_a_policy_error():
    big = "9" * 5000
    refused(f'path "p" {{ allowed_parameters = {{ k = [{big}] }} }}', "out of range")
    refused('path "p" { allowed_parameters = { k = [9223372036854775808] } }',
            "out of range")
    refused(f'{{"path": {{"p": {{"allowed_parameters": {{"k": [{big}]}}}}}}}}', "out of range")
    refused('path "p" { capabilities = ["read"] control_group { factor "f" { identity {'
            f' group_names = ["g"] approvals = "{big}" }} }} }} }}', "approvals")
    doc = PolicyDocument.parse('path "p" { capabilities = ["read"] allowed_parameters = {'
                               ' k = [9223372036854775807, -9223372036854775808] } }')
    round_trips(doc)


def test_interpolations_keep_quotes_and_backslashes_as_written():
    text = 'path "a/${f("\\"b\\\\", {x = 1})}/c" {\n  capabilities = ["read"]\n}\n'
    doc = PolicyDocument.parse(text)
    assert doc.rules[0].path == 'a/${f("\\"b\\\\", {x = 1})}/c'
    assert doc.to_hcl() == text
    refused('path "${a\\}" { capabilities = ["read"] }', "illegal char escape")
    refused('path "${a\\q}" { capabilities = ["read"] }', "illegal char escape")
    # From JSON (or a heredoc) a `${` can hold what HCL1 could not keep raw
    # inside a quoted string: it is written with `\u0024`, and read back the same.
    for path in ("${x", "${a\\q}", "${\ufffd}", "a}${"):
        doc = PolicyDocument.parse(json.dumps({"path": {path: {"capabilities": ["read"]}}}))
        assert "\\u0024{" in doc.to_hcl()
        round_trips(doc)


def test_keys_that_are_not_identifiers_are_quoted():
    # `_IDENT.match` once let "a\n" through (`$` matches before a final newline).
    doc = PolicyDocument().add("p", ["read"], allowed_parameters={
        "a\n": [], "k": [{"b\n": 1, "true": 2, "x-y": 3}]})
    assert '"a\\n" = []' in doc.to_hcl()
    round_trips(doc)


def test_multi_line_values_inside_lists_are_quoted_not_heredocs():
    doc = PolicyDocument().add("p", ["read"], allowed_parameters={
        "k": ["a\nb\n", "line\nEOT\n", "x\r\ny\n"], "m": [{"k": "a\nb\n"}]})
    text = doc.to_hcl()
    assert '["a\\nb\\n", "line\\nEOT\\n", "x\\r\\ny\\n"]' in text
    round_trips(doc)
    assert render(block("t", v=["a\nb\n"])) == 't {\n  v = ["a\\nb\\n"]\n}\n'
    assert render(block("t", v="a\nb\n")) == "t {\n  v = <<EOT\na\nb\nEOT\n}\n"


def test_non_finite_numbers_are_refused():
    refused('path "p" { allowed_parameters = { k = [1e999] } }', "out of range")
    refused('path "p" { allowed_parameters = { k = [-1e999] } }', "out of range")
    refused('{"path": {"p": {"allowed_parameters": {"k": [1e999]}}}}', "out of range")
    refused('{"path": {"p": {"allowed_parameters": {"k": [NaN]}}}}', "not a JSON number")
    refused('{"path": {"p": {"allowed_parameters": {"k": [-Infinity]}}}}', "not a JSON number")
    for bad in (float("inf"), float("nan")):
        with pytest.raises(ValueError, match="HCL has no number"):
            render(block("t", v=[bad]))
    doc = PolicyDocument.parse('path "p" { capabilities = ["read"]\n'
                               '  allowed_parameters = { k = [1e308, 1e-999, -0.0] } }')
    round_trips(doc)
