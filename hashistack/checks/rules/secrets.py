"""Not a rule: the secret-literal scanner under its old import path
(tests/test_secret_scan.py). The rule is hs_secret_001.py; the scanner lives in
hashistack.checks.facts.secrets."""

from hashistack.checks.facts.secrets import (
    _KEY,
    QUOTED,
    SHAPES,
    UNQUOTED,
    _hinted_lines,
    _not_secret,
    literals,
)

__all__ = ["QUOTED", "SHAPES", "UNQUOTED", "_KEY", "_hinted_lines", "_not_secret", "literals"]
