"""Not a rule: STATEFUL under its old import path (tests/test_state_addresses.py).
The rule is hs_state_001.py; the list lives in hashistack.checks.facts.state."""

from hashistack.checks.facts.state import STATEFUL

__all__ = ["STATEFUL"]
