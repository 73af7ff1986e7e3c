"""HS-VAULT-009: Vault audit devices in staging and prod."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.vault_servers import declares_audit
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-VAULT-009", ERROR, "no audit device in staging or prod",
    explanation=(
        "Without an audit device Vault keeps no record of who read which secret; Vault's "
        "audit devices page: audit devices \"keep a detailed log of all requests\"."
    ),
    fix="Add a vault_audit (hashistack.vault.AuditDevice; [vault.audit] in the "
        "environment file), or, on OpenBao 2.4.0+, an `audit` stanza in the rendered "
        "server configs ([vault.cluster] product = \"openbao\").",
)
def audit_device(env: Env) -> Iterator[Hit]:
    if env.tier in ("staging", "prod") and not env.resources("vault_audit") \
            and not declares_audit(env):
        yield Hit(env.stack_of("vault"), f"{env.tier} environment {env.name!r} has no "
                  "vault_audit")
