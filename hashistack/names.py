"""Names hashistack gives things, shared by the stacks that make them and the
checks that find them again in synthesized JSON."""

# The AppRole role (and policy) Consul's Connect CA provider logs in with.
CONNECT_CA_ROLE = "consul-connect-ca"

# A Vault Agent for <app> logs in with AppRole role `vault-agent-<app>`; its
# rendered configs are `vault-agent-<app>.hcl` and `vault-agent-<app>-exec.hcl`.
VAULT_AGENT_PREFIX = "vault-agent-"


def vault_agent_role(app: str) -> str:
    return f"{VAULT_AGENT_PREFIX}{app}"
