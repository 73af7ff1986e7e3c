"""HS-VAULT-004: sudo or whole-tree grants on *, sys/ and auth/."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.policies import PRIVILEGED, granted, literal_prefix
from hashistack.checks.rulekit import ERROR, Hit, rule
from hashistack.vault import presets

# Documented sudo grants (hashistack/vault/presets.py cites each source).
DOCUMENTED_SUDO = {r.path: set(r.capabilities) for r in presets.nomad_startup().rules}


@rule(
    "HS-VAULT-004", ERROR, "sudo or whole-tree grant on *, sys/ or auth/",
    explanation=(
        "sys/ and auth/ control Vault itself (mounts, policies, tokens); a glob over "
        "them, or over everything, or sudo there gives root-equivalent power (Vault "
        "policies concept page: sudo paths). Only the documented presets need sudo: "
        "nomad_startup() on auth/token/create-orphan (hashicorp/vault vault/token_store.go)."
    ),
    fix="Grant the exact paths the documented presets list, without sudo.",
)
def privileged_grants(env: Env) -> Iterator[Hit]:
    for res in env.policies.values():
        doc = env.policy_doc(res)
        for r in doc.rules if doc else ():
            caps, literal = granted(r), literal_prefix(r)
            if not caps:
                continue
            wildcard = r.is_glob or r.has_segment_wildcard or r.is_templated
            tree = wildcard and any(p.startswith(literal) for p in PRIVILEGED)
            sudo = "sudo" in caps and (literal == "" or literal.startswith(PRIVILEGED))
            if sudo and not wildcard and caps <= DOCUMENTED_SUDO.get(r.path, set()):
                sudo = False
            if tree or sudo:
                what = f"all of {literal or '(everything)'}*" if tree else "sudo"
                yield Hit(res, f"policy {res.get('name')!r} grants {sorted(caps)} on "
                          f"{r.path!r}: {what}", vault_path=r.path)
