"""HS-VAULT-013: a rendered Vault server listener with TLS off."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.vault_servers import plaintext_listeners, server_configs
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule


@rule(
    "HS-VAULT-013", ERROR, "Vault server listener with TLS disabled",
    explanation=(
        "Every token, secret and unseal request crosses this listener; with "
        "`tls_disable` they cross in plaintext. Vault's listener/tcp docs: \"Vault "
        "assumes TLS by default, so you must explicitly disable TLS to opt-in to "
        "insecure communication.\" Error in prod, warning in staging."
    ),
    fix="Remove tls_disable and give the listener tls_cert_file and tls_key_file "
        "([vault.cluster.tls] in the environment file).",
)
def listener_tls_disabled(env: Env) -> Iterator[Hit]:
    level = {"prod": ERROR, "staging": WARNING}.get(env.tier)
    if level is None:
        return
    for where, doc in server_configs(env):
        for address in plaintext_listeners(doc):
            yield Hit(where, f"stacks/{where.stack}/{where.address}: listener \"tcp\" on "
                      f"{address} has tls_disable on", level=level)
