"""Vault policy rules as the privilege rules read them."""

from __future__ import annotations

import re

from hashistack.vault.policy import PathRule

PRIVILEGED = ("sys/", "auth/")  # paths that control Vault itself


def literal_prefix(rule: PathRule) -> str:
    """The part of the path before any glob, `+` or template."""
    return re.split(r"[*+]|\{\{", rule.path, maxsplit=1)[0]


def granted(rule: PathRule) -> set[str]:
    """The capabilities the rule grants (deny aside)."""
    return set(rule.capabilities) - {"deny"}
