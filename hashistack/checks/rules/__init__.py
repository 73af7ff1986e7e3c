"""Every rule family; importing this package registers the rules."""

from hashistack.checks.rules import (  # noqa: F401
    consul_connect_ca,
    consul_connect_ca_token,
    consul_intentions,
    coverage,
    nomad_consul,
    nomad_legacy,
    secrets,
    state,
    tls,
    vault_agent,
    vault_approle_secret_id,
    vault_audit,
    vault_grants,
    vault_privilege,
    vault_roles,
)
