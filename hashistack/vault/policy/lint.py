"""Paths a rule could never do what it says with (the authoring lint), and
the paths Vault's own parser refuses."""

from __future__ import annotations

from hashistack.vault.policy.grammar import (
    INTERPOLATION,
    TEMPLATE,
    TEMPLATE_ROOTS,
    fail,
    masked,
    template_pieces,
)


def lint_path(path: str) -> None:
    """The authoring lint `PolicyDocument.add` applies (Vault itself accepts all
    of these, as literal or never-matching paths). `path` has had its one
    leading '/' stripped, as Vault does."""
    if not path:
        raise fail(path, "empty path")
    if path.startswith("/"):
        # Vault strips one leading "/" (policy.go) and every leading "/" of a
        # request (acl.go), so this rule could never match.
        raise fail(path, "starts with '//'; the rule could never match")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        raise fail(path, "control characters are not allowed in a path")
    for m in TEMPLATE.finditer(INTERPOLATION.sub("_", path)):
        if not m.group(1).strip().startswith(TEMPLATE_ROOTS):
            raise fail(path, f"template {{{{{m.group(1)}}}}} is not an identity/time "
                             "template; Vault would never render it")
    bare = masked(path)
    if "{{" in bare or "}}" in bare:
        raise fail(path, "unbalanced templating characters")  # identitytpl's own words
    if "${" in bare:
        raise fail(path, "unterminated interpolation '${'")
    if "+*" in bare:
        raise fail(path, "invalid use of wildcards ('+*' is forbidden)")  # policy.go
    if "*" in bare[:-1]:
        # policy.go treats only a trailing '*' as a glob: "a*b" is a literal path.
        raise fail(path, "'*' is a glob only as the last character of the path")
    if any("+" in seg and seg != "+" for seg in bare.split("/")):
        # acl.go matches "+" only as a whole segment, while policy.go marks any
        # path containing "/+" as wildcarded: "a/+b" would match only itself,
        # "a+/b" is a literal. Either way not what was meant.
        raise fail(path, "'+' is a wildcard only as a whole path segment")


def check_vault_path(path: str) -> None:
    """What vault/policy.go itself refuses in a path (after its '/' strip)."""
    if template_pieces(path) is None:
        raise fail(path, "failed to validate policy templating: "
                         "unbalanced templating characters")
    if "+*" in path:
        raise fail(path, "invalid use of wildcards ('+*' is forbidden)")
