"""HS-CONSUL-004: the Connect CA's Vault token should not pass through Terraform."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.connect_ca import vault_cas
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule


@rule(
    "HS-CONSUL-004", WARNING, "Connect CA Vault token kept in Terraform state",
    explanation="With a Token in the Connect CA's config, the token is a Terraform value: "
                "the Vault stack's state holds it (vault_token.client_token), and the Consul "
                "stack's state and plan hold it again in config_json, which the provider "
                "does not mark sensitive. Anyone who reads state can act as the CA. With "
                "AuthMethod (AppRole) Consul logs in itself from files on its servers. "
                "An error in prod; dev servers are left alone.",
    fix='Use consul.connect_ca.auth = "approle" (the default outside dev), or '
        "ConnectCa(auth_method=VaultAuthMethod(...)) in a library app.",
)
def ca_token_in_state(env: Env) -> Iterator[Hit]:
    if env.tier == "dev":
        return
    for res, config in vault_cas(env):
        token = config.get("Token")
        if token:
            source = "from a vault_token resource" if "vault_token." in str(
                env.deref(token, res.stack)) else "as a value"
            yield Hit(res, f"the Connect CA's Vault token is set {source}: it is stored in "
                           "Terraform state and in config_json",
                      level=ERROR if env.tier == "prod" else None)
