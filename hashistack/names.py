"""Names hashistack gives things, shared by the stacks that make them and the
checks that find them again in synthesized JSON."""

# The AppRole role (and policy) Consul's Connect CA provider logs in with.
CONNECT_CA_ROLE = "consul-connect-ca"

# A Vault Agent for <app> logs in with AppRole role `vault-agent-<app>`; its
# rendered configs are `vault-agent-<app>.hcl` and `vault-agent-<app>-exec.hcl`.
VAULT_AGENT_PREFIX = "vault-agent-"


def vault_agent_role(app: str) -> str:
    """The AppRole role (and its rendered configs' stem) of `app`'s Vault Agent."""
    return f"{VAULT_AGENT_PREFIX}{app}"


# Workload identity's Vault side as `nomad setup vault` and the nomad-setup module
# name it (NMD configuration/vault.mdx: jwt_auth_backend_path defaults to
# "jwt-nomad"; default_identity aud "vault.io"). The alias name is the job ID:
# Vault Enterprise bills per alias, and the nomad-setup module says to use it.
WI_AUTH_PATH = "jwt-nomad"
WI_ROLE = "nomad-workloads"
WI_POLICY = "nomad-workloads"
WI_AUDIENCE = "vault.io"
WI_USER_CLAIM = "/nomad_job_id"
