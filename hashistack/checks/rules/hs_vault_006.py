"""HS-VAULT-006: Nomad's token role against the rules Nomad checks at start."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.token_roles import nomad_token_roles, server_policies, ttl
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-VAULT-006", ERROR, "Nomad's token role breaks Nomad's rules",
    explanation=(
        "Nomad validates its token role at start (NMD@v1.6.0 nomad/vault.go validateRole): "
        "\"Role must allow tokens to be renewed\", \"Role can not use an explicit max ttl. "
        "Token must be periodic.\", \"Role must have a non-zero period\". The docs "
        "(vault-integration.mdx) add: nomad-server \"should be included in list of "
        "disallowed policies\", or tasks could mint Nomad's own token."
    ),
    fix="renewable = true, token_explicit_max_ttl = 0, token_period > 0 (e.g. 259200), "
        "disallowed_policies = [\"nomad-server\"] (hashistack.vault.TokenRole does this).",
)
def nomad_token_role(env: Env) -> Iterator[Hit]:
    for res in nomad_token_roles(env):
        name = res.value("role_name")
        if res.get("renewable") is False:
            yield Hit(res, f"token role {name!r}: renewable = false; Nomad: \"Role must "
                      "allow tokens to be renewed\"")
        if (ttl(res, "token_explicit_max_ttl", "explicit_max_ttl") or 0) > 0:
            yield Hit(res, f"token role {name!r}: explicit max TTL set; Nomad: \"Role can "
                      "not use an explicit max ttl. Token must be periodic.\"")
        if not ttl(res, "token_period", "period"):
            yield Hit(res, f"token role {name!r}: no token_period; Nomad: \"Role must have "
                      "a non-zero period\"")
        missing = sorted(server_policies(env, str(name)) - set(res.names("disallowed_policies")))
        if missing:
            yield Hit(res, f"token role {name!r}: disallowed_policies lacks "
                      f"{', '.join(missing)}; tasks could get Nomad's server token policy")
