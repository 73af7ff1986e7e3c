"""`<env>-consul`: Consul's side: Connect CA on Vault, ACLs, intentions."""

from __future__ import annotations

from urllib.parse import urlsplit

from cdktf import TerraformStack
from cdktf_cdktf_provider_consul.provider import ConsulProvider
from constructs import Construct

from hashistack.consul import (
    ConnectCa,
    DefaultDeny,
    NomadAgentPolicies,
    NomadWorkloadAuth,
    ServiceIntentions,
)
from hashistack.consul.connect_ca_config import VaultAuthMethod
from stacks import acl_tokens, agent_tokens, agents, backends, consul_tenancy, observability
from stacks.config import Environment
from stacks.vault_stack import jwks_ca_pem


class ConsulStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment, *, vault) -> None:
        name = f"{env.name}-consul"
        super().__init__(scope, name)
        c = env.consul
        url = urlsplit(c.address)
        ConsulProvider(
            self,
            "consul",
            address=url.netloc,
            scheme=url.scheme,
            datacenter=c.datacenter,
            ca_file=c.tls.ca_file,
            cert_file=c.tls.cert_file,
            key_file=c.tls.key_file,
            insecure_https=c.tls.skip_verify or None,
        )
        backends.configure(self, env, name)
        # Files to ship to the machines, written beside this stack's JSON.
        self.rendered: dict[str, str] = agents.consul_files(env)
        self.rendered.update(agent_tokens.consul_files(env))  # the agent token's Vault Agent

        ca = c.connect_ca
        login = {
            "auth_method": VaultAuthMethod(
                type="approle",
                mount_path=vault.approle.path,
                # Installed out of band on the Consul servers, like every credential.
                params={
                    "role_id_file_path": f"{ca.auth_files_dir}/role_id",
                    "secret_id_file_path": f"{ca.auth_files_dir}/secret_id",
                },
            )
        }
        if vault.connect_ca_token is not None:
            # A reference across stacks: the value stays in Terraform state.
            login = {"token": vault.connect_ca_token.client_token}
        self.connect_ca = ConnectCa(
            self,
            "connect-ca",
            vault_address=env.vault.address,
            pki=vault.pki,
            **login,
            leaf_cert_ttl=ca.leaf_cert_ttl,
            private_key_type=ca.private_key_type,
            private_key_bits=ca.private_key_bits,
            ca_file=env.vault.tls.ca_file,
            tls_server_name=env.vault.tls.server_name,
        )
        namespaces = consul_tenancy.consul_namespaces(self, env)  # Consul Enterprise
        if env.consul_acl:
            NomadAgentPolicies(self, "nomad-agents")
            if env.integration == "workload-identity":
                NomadWorkloadAuth(
                    self,
                    "nomad-workloads",
                    jwks_url=env.jwks_url,
                    namespaces=env.nomad.namespaces,
                    # Consul fetches Nomad's keys too: same CA as Vault uses.
                    jwks_ca_pem=jwks_ca_pem(env),
                    consul_namespaces=namespaces,
                )
        observability.consul_access(self, env)  # agent read for the metrics scraper
        self.agent_policy = acl_tokens.consul_agent_policy(self, env)
        DefaultDeny(self, "intentions-default")
        callers: dict[str, list[str]] = {}
        for app in env.apps:
            for upstream in app.upstreams:
                callers.setdefault(upstream, []).append(app.name)
        for destination, sources in sorted(callers.items()):
            ServiceIntentions(
                self, f"intentions-{destination}", destination=destination, allow_from=sources
            )
