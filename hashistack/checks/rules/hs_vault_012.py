"""HS-VAULT-012: AppRole secret IDs that never expire must be tied to where they are used."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule


@rule(
    "HS-VAULT-012", WARNING, "non-expiring AppRole secret ID not bound to addresses",
    explanation="A secret ID with secret_id_ttl = 0 works until it is revoked, and with "
                "bind_secret_id it is the whole credential: a copy leaked from a disk or a "
                "backup logs in from anywhere, for ever. secret_id_bound_cidrs limits it "
                "to the machines that use it (Vault API docs, AppRole: "
                "secret_id_bound_cidrs). An error in prod; dev servers are left alone.",
    fix="Set bound_cidrs (hashistack AppRole, or [vault.agent_approle] / "
        "[consul.connect_ca] bound_cidrs in the environment file) to the machines' "
        "addresses, or give the secret ID a secret_id_ttl and something that renews it.",
)
def unbound_secret_ids(env: Env) -> Iterator[Hit]:
    if env.tier == "dev":
        return
    for res in env.resources("vault_approle_auth_backend_role"):
        if res.get("bind_secret_id") is False:
            continue  # no secret ID at all: other bounds (CIDRs) are required by Vault
        if (res.seconds("secret_id_ttl") or 0) > 0 or res.get("secret_id_bound_cidrs"):
            continue
        if res.seconds("secret_id_ttl") is None and res.get("secret_id_ttl") is not None:
            continue  # a Terraform reference: not known here
        yield Hit(res, f"AppRole role {res.value('role_name')!r}: its secret IDs never "
                       "expire (secret_id_ttl = 0) and are not bound to addresses "
                       "(secret_id_bound_cidrs)",
                  level=ERROR if env.tier == "prod" else None)
