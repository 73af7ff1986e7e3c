"""Vault ACL policies: the document model, Vault's validation, canonical HCL.

The rules are Vault's own parser's (hashicorp/vault `vault/policy.go`) and the
policies concept page (website docs/concepts/policies.mdx). Terraform
interpolations (`${...}`) inside paths are opaque text: Terraform resolves
them before Vault sees them.

Two levels of strictness:

* `PolicyDocument.parse` (and `Acl.from_hcl`) refuse exactly what Vault's parser
  refuses, with Vault's reasons, in Vault's order (`parsePaths`).
* `PolicyDocument.add` also lints what authors write from code: a rule that can
  never match (`//a`), a `*` that is not a glob (`a*b`), a `+` inside a segment,
  a template Vault never renders, a rule with no capabilities. Pass
  `strict=True` to `parse` to apply the same lint to policy text.

The modules, bottom up: `grammar` (the language's words and `PolicyError`),
`lint` (paths), `merge` and `fields` (one block's settings), `rule`
(`PathRule`), `decode` (text into rules), `document` (`PolicyDocument`).
Durations are `hashistack.durations`'.
"""

from __future__ import annotations

from hashistack.durations import duration_seconds
from hashistack.vault.policy.document import PolicyDocument
from hashistack.vault.policy.grammar import (
    CAPABILITIES,
    INTERPOLATION,
    LEGACY_POLICIES,
    PARAMETER_KEYS,
    PATH_KEYS,
    TEMPLATE,
    TOP_LEVEL_KEYS,
    Parameters,
    PolicyError,
    masked,
    template_pieces,
)
from hashistack.vault.policy.lint import lint_path
from hashistack.vault.policy.rule import PathRule

__all__ = [
    "CAPABILITIES",
    "INTERPOLATION",
    "LEGACY_POLICIES",
    "PARAMETER_KEYS",
    "PATH_KEYS",
    "TEMPLATE",
    "TOP_LEVEL_KEYS",
    "Parameters",
    "PathRule",
    "PolicyDocument",
    "PolicyError",
    "duration_seconds",
    "lint_path",
    "masked",
    "template_pieces",
]
