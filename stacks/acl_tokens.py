"""Issue 12 §2 composed from config: Nomad ACL policies (nomad-acl stack), the Consul
agents' policy (consul stack), and Vault's Nomad and Consul secrets engines with
the Vault policies that may read their creds (vault stack).

Each role `<r>` of an engine at `<mount>` has a Vault policy `<mount>-creds-<r>`
granting exactly `read` on `<mount>/creds/<r>` (`grant_creds`): give it to who
should get such a token (an operator's login, CI's JWT role, an agent's AppRole).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from cdktf import Fn
from constructs import Construct

from hashistack.consul import ConsulAgentPolicy
from hashistack.nomad import NomadAclPolicy
from hashistack.vault import ConsulSecrets, NomadSecrets, VaultPolicy
from stacks.config import Environment

# The Consul policies hashistack.consul.NomadAgentPolicies writes, and the agents' own.
CONSUL_ROLES = {"nomad-server": "nomad-server", "nomad-client": "nomad-client",
                "consul-agent": "consul-agent"}


def creds_policy_name(mount: str, role: str) -> str:
    """The Vault policy that may read `<mount>/creds/<role>`."""
    return f"{mount.replace('/', '-')}-creds-{role}"


def nomad_acl_policies(scope: Construct, env: Environment) -> dict[str, NomadAclPolicy]:
    """One Nomad ACL policy per configured role, over the environment's namespaces."""
    acl = env.nomad.acl_tokens
    if not acl.enabled:
        return {}
    return {role: NomadAclPolicy(scope, f"acl-policy-{role}", policy=role,
                                 namespaces=env.nomad.namespaces)
            for role in acl.roles}


def consul_agent_policy(scope: Construct, env: Environment) -> ConsulAgentPolicy | None:
    """The Consul agents' own policy, when Vault leases their tokens."""
    tokens = env.consul.agent_tokens
    if not tokens.enabled:
        return None
    return ConsulAgentPolicy(scope, "consul-agent-policy", name=CONSUL_ROLES["consul-agent"],
                             nodes=tokens.nodes, node_prefix=tokens.node_prefix,
                             # Its Vault Agent installs each new token with that token.
                             agent_write=True)


def vault_engines(scope: Construct, env: Environment) -> dict[str, VaultPolicy]:
    """The engines, their roles, and a creds policy per role (by name)."""
    policies: dict[str, VaultPolicy] = {}
    acl = env.nomad.acl_tokens
    if acl.enabled:
        ca_file = acl.ca_file or env.nomad.tls.ca_file
        nomad = NomadSecrets(
            scope, "nomad-secrets", address=acl.address or env.nomad.address, path=acl.path,
            ca_cert=Fn.file(ca_file) if ca_file else None, ttl=acl.ttl, max_ttl=acl.max_ttl,
            token_variable=acl.token_variable)
        for role in acl.roles:
            nomad.add_role(role, policies=[role])
            policies[creds_policy_name(acl.path, role)] = _creds_policy(
                scope, nomad, acl.path, role)
    tokens = env.consul.agent_tokens
    if tokens.enabled:
        url = urlsplit(tokens.address or env.consul.address)
        # Vault's engine takes host:port and the scheme apart; a URL may leave the port out.
        host = f"[{url.hostname}]" if ":" in (url.hostname or "") else url.hostname
        port = url.port or (443 if url.scheme == "https" else 80)
        ca_file = tokens.ca_file or env.consul.tls.ca_file
        consul = ConsulSecrets(
            scope, "consul-secrets", address=f"{host}:{port}", scheme=url.scheme,
            path=tokens.path,
            ca_cert=Fn.file(ca_file) if ca_file else None, token_variable=tokens.token_variable)
        for role, consul_policy in CONSUL_ROLES.items():
            consul.add_role(role, policies=[consul_policy], ttl=tokens.ttl,
                            max_ttl=tokens.max_ttl)
            policies[creds_policy_name(tokens.path, role)] = _creds_policy(
                scope, consul, tokens.path, role)
    return policies


def _creds_policy(scope: Construct, engine: NomadSecrets | ConsulSecrets, mount: str,
                  role: str) -> VaultPolicy:
    name = creds_policy_name(mount, role)
    policy = VaultPolicy(scope, f"policy-{name}", name=name)
    engine.grant_creds(policy, role)
    return policy
