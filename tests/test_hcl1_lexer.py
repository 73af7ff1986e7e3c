"""The HCL1 lexer's one-regex fast path gives the tokens (and errors) of the
character-by-character reader it shortcuts."""

from hypothesis import given, settings
from hypothesis import strategies as st

from hashistack.vault.hcl1 import HclSyntaxError, _Lexer

PIECES = st.sampled_from([
    " ", "\t", "\r", "\n", "{", "}", "[", "]", "=", ",", "a", "x-y.z:1", "true", "false",
    "0", "7", "-3", "012", "1.5", "1e3", "0x1F", '"', '\\"', "\\n", "\\t", "\\\\", "\\x41",
    "$", "${a}", '"s"', '"a\\"b"', '"a\\nb\\t"', '"\\\\"', '"${x "y"}"', "# c\n", "// c\n",
    "/* c */", "<<EOT\n",
    "<<-EOT\n", "EOT\n", "  EOT\n", "EOT", "EOTX\n", "body line\n", "\u00a0EOT\n", "\f",
])


def slow_tokens(text):
    lexer, out = _Lexer(text), []
    while True:
        tok = lexer._next()
        out.append(tok)
        if tok[0] == "EOF":
            return out


def outcome(read, text):
    try:
        return [(kind, value, type(value).__name__, line) for kind, value, line in read(text)]
    except HclSyntaxError as err:
        return str(err)


@settings(max_examples=1500, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_fast_tokens_equal_the_character_reader(text):
    assert outcome(lambda t: _Lexer(t).tokens(), text) == outcome(slow_tokens, text)


def test_heredoc_and_escapes_take_the_fast_path():
    text = 'a = "x\\"y\\n"\nb = <<EOT\none\ntwo\nEOT\nc = 1\n'
    assert [t[:2] for t in _Lexer(text).tokens()] == [
        ("IDENT", "a"), ("=", "="), ("STRING", 'x"y\n'), ("IDENT", "b"), ("=", "="),
        ("STRING", "one\ntwo\n"), ("IDENT", "c"), ("=", "="), ("NUMBER", 1), ("EOF", None),
    ]
    assert _Lexer(text).tokens()[-2][2] == 6  # `c` is on line 6
