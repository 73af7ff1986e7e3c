"""HS-VAULT-008: periodic tokens with an explicit max TTL."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.token_roles import ttl
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-VAULT-008", ERROR, "periodic token with an explicit max TTL",
    explanation=(
        "A periodic token lives as long as it is renewed within its period, but an "
        "explicit max TTL is a hard limit even for periodic tokens (Vault tokens concept "
        "page); the holder's token dies at that TTL. Nomad's WI docs: "
        "\"token_explicit_max_ttl must be set to 0\" (integrations/vault/acl.mdx)."
    ),
    fix="Set token_explicit_max_ttl = 0, or drop token_period.",
)
def periodic_with_max_ttl(env: Env) -> Iterator[Hit]:
    for res in env.resources():
        if not (res.type.startswith("vault_") and res.type.endswith("_role")):
            continue
        period = ttl(res, "token_period", "period") or 0
        max_ttl = ttl(res, "token_explicit_max_ttl", "explicit_max_ttl") or 0
        if period > 0 and max_ttl > 0:
            name = res.get("role_name") or res.get("name")
            yield Hit(res, f"role {name!r}: token_period {period}s with "
                      f"token_explicit_max_ttl {max_ttl}s")
