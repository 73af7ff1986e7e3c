"""The agents' Consul tokens, kept alive (`[consul.agent_tokens]`, issue 12 §2).

Vault's Consul secrets engine leases each token (stacks/acl_tokens.py); here a
Vault Agent per kind of agent reads it and keeps it: an AppRole role
`vault-agent-<role>` holding only `<mount>-creds-<role>` (the Vault stack), and
the rendered Vault Agent config and unit for the machines:

- `consul-agent` (Consul stack's files): the template writes the token to a 0600
  file in the agent's RuntimeDirectory and runs `consul acl set-agent-token agent
  @<file>` with `-token-file=<file>`: the CLI reads `@path` from the file
  (consul command/acl/agenttokens/agent_tokens.go, helpers.LoadDataSource) and
  authenticates with the file's token (command/flags/http.go `-token-file`), so
  the token is never an argument seen in `ps`; the new token's own agent write
  authorizes the call (agent/agent_endpoint.go AgentToken: AgentWriteAllowed).
- `nomad-server` / `nomad-client` (Nomad stack's files): the template writes
  `CONSUL_HTTP_TOKEN=<token>` to an env file for nomad.service's
  `EnvironmentFile=` (a drop-in). Nomad reads the variable once, when it parses
  its config (nomad command/agent/config_parse.go), and SIGHUP does not reload the
  `consul` block (Agent.Reload in command/agent/agent.go reloads TLS, logging
  and audit only), so a path unit restarts nomad.service when the file changes.

Vault Agent's templates renew a leased secret and, when the lease cannot be
renewed further (max_ttl), read a new one before it expires and render again
(Vault docs, agent-and-proxy/agent/template.mdx, "Renewals and updating
secrets"): the token never reaches max_ttl unreplaced. The rendered files name
only paths; the tokens exist only on the machines, in files under /run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hashistack.names import vault_agent_role
from hashistack.nomad.jobspec import creds_field_template
from hashistack.nomad.vault_agent import (
    AgentTemplate,
    AppRoleMethod,
    AutoAuth,
    VaultAgentConfig,
    VaultTLS,
)
from hashistack.nomad.vault_agent import systemd_unit as vault_agent_unit
from stacks.acl_tokens import creds_policy_name

if TYPE_CHECKING:
    from constructs import Construct

    from hashistack.vault import AppRoleBackend, VaultPolicy
    from stacks.acl_tokens_config import AgentLogin
    from stacks.config import Environment

CONSUL_ROLE = "consul-agent"
NOMAD_ROLES = ("nomad-server", "nomad-client")
# One Nomad agent per machine: both kinds write the same env file.
NOMAD_RUNTIME = "vault-agent-nomad"
NOMAD_ENV_FILE = f"/run/{NOMAD_RUNTIME}/consul-token.env"
NOMAD_DROP_IN = "nomad-consul-token.conf"  # /etc/systemd/system/nomad.service.d/
NOMAD_PATH_UNIT = "nomad-consul-token.path"
NOMAD_RESTART_UNIT = "nomad-consul-token.service"
CONSUL_TOKEN_FILE = f"/run/{vault_agent_role(CONSUL_ROLE)}/agent-token"


def vault_access(stack: Construct, env: Environment, *, approle: AppRoleBackend,
                 creds_policies: dict[str, VaultPolicy]) -> None:
    """An AppRole role `vault-agent-<role>` per kind, holding exactly its creds policy."""
    tokens = env.consul.agent_tokens
    if not tokens.enabled:
        return
    from hashistack.vault import AppRole

    for role, login in tokens.logins().items():
        # Its Vault Agent logs in again whenever the token reaches its max TTL,
        # reading the secret ID file each time: the secret ID does not expire.
        # A lease is revoked with the token that made it (Vault docs,
        # concepts/lease.mdx), so the login lives as long as the Consul token's lease
        # may (AppRole's 4h default would cut each Consul token short).
        AppRole(stack, f"approle-{vault_agent_role(role)}", backend=approle,
                role=vault_agent_role(role),
                token_policies=[creds_policies[creds_policy_name(tokens.path, role)]],
                token_ttl=tokens.ttl, token_max_ttl=tokens.max_ttl,
                secret_id_ttl=0, bound_cidrs=login.bound_cidrs)


def _token(env: Environment, role: str) -> str:
    return creds_field_template(f"{env.consul.agent_tokens.path}/creds/{role}", "token")


def _agent(env: Environment, role: str, login: AgentLogin,
           template: AgentTemplate) -> VaultAgentConfig:
    v = env.vault
    return VaultAgentConfig(
        vault_address=v.address,
        auto_auth=AutoAuth(
            method=AppRoleMethod(
                role_id_file_path=f"{login.role_dir}/role_id",
                secret_id_file_path=f"{login.role_dir}/secret_id",
                mount_path=f"auth/{v.agent_approle.path}",
                # Kept: the next login (token past its max TTL, or a restart) reads it.
                remove_secret_id_file_after_reading=False,
            ),
            sinks=(),  # the token is used by the template only
        ),
        templates=[template],
        tls=VaultTLS(ca_cert=v.tls.ca_file) if v.tls.ca_file else None,
    )


def _unit(role: str, login: AgentLogin, runtime: str, what: str,
          after: tuple[str, ...] = ()) -> str:
    return vault_agent_unit(
        name=vault_agent_role(role),
        config_path=f"/etc/vault-agent/{vault_agent_role(role)}.hcl",
        user=login.user, runtime_directory=runtime, after=after,
        description=f"Vault Agent: {what} (hashistack)")


def consul_files(env: Environment) -> dict[str, str]:
    """`vault-agent-consul-agent.hcl` and its unit: keeps the local Consul agent's
    `agent` token."""
    tokens = env.consul.agent_tokens
    if not tokens.enabled:
        return {}
    login = tokens.consul_agent
    local = env.nomad_consul  # the local agent's HTTP API, as tools on the machine reach it
    scheme = "https" if local.ssl else "http"
    command = ["/usr/bin/consul", "acl", "set-agent-token",
               f"-http-addr={scheme}://{local.address}"]
    if local.ssl and local.ca_file:
        command.append(f"-ca-file={local.ca_file}")
    command += [f"-token-file={CONSUL_TOKEN_FILE}", "agent", f"@{CONSUL_TOKEN_FILE}"]
    template = AgentTemplate(destination=CONSUL_TOKEN_FILE, contents=_token(env, CONSUL_ROLE),
                             perms="0600", command=command, error_on_missing_key=True)
    name = vault_agent_role(CONSUL_ROLE)
    return {
        f"{name}.hcl": _agent(env, CONSUL_ROLE, login, template).to_hcl(),
        # After consul.service: the template's command runs when the token file
        # changes, not again until the next token, so the first run must find
        # the agent up.
        f"{name}.service": _unit(CONSUL_ROLE, login, name, "the Consul agent's token",
                                 after=("consul.service",)),
    }


def nomad_files(env: Environment) -> dict[str, str]:
    """Per Nomad role a Vault Agent config and unit writing `CONSUL_HTTP_TOKEN` to an
    env file; nomad.service's drop-in reading it, and the path unit that restarts
    Nomad when it changes."""
    tokens = env.consul.agent_tokens
    if not tokens.enabled:
        return {}
    files: dict[str, str] = {}
    for role in NOMAD_ROLES:
        login = tokens.logins()[role]
        template = AgentTemplate(
            destination=NOMAD_ENV_FILE, contents=f"CONSUL_HTTP_TOKEN={_token(env, role)}\n",
            perms="0600", error_on_missing_key=True)
        name = vault_agent_role(role)
        files[f"{name}.hcl"] = _agent(env, role, login, template).to_hcl()
        files[f"{name}.service"] = _unit(role, login, NOMAD_RUNTIME,
                                         f"the {role} agent's Consul token")
    files[NOMAD_DROP_IN] = f"""# /etc/systemd/system/nomad.service.d/{NOMAD_DROP_IN}
# CONSUL_HTTP_TOKEN from Vault (vault-agent-nomad-<role>.service); Nomad fails to
# start until the first token is rendered, and {NOMAD_PATH_UNIT} starts it then.
[Unit]
Wants={NOMAD_PATH_UNIT}
After={NOMAD_PATH_UNIT}

[Service]
EnvironmentFile={NOMAD_ENV_FILE}
"""
    files[NOMAD_PATH_UNIT] = f"""[Unit]
Description=Restart Nomad when Vault renders a new Consul token (hashistack)

[Path]
PathChanged={NOMAD_ENV_FILE}
Unit={NOMAD_RESTART_UNIT}

[Install]
WantedBy=multi-user.target
"""
    files[NOMAD_RESTART_UNIT] = """[Unit]
Description=Restart Nomad with its new Consul token (hashistack)
# Nomad reads CONSUL_HTTP_TOKEN at start only; SIGHUP does not reload its consul block.

[Service]
Type=oneshot
ExecStart=/usr/bin/systemctl restart nomad.service
"""
    return files
