"""Metrics for the environment: the scraper's least-privilege access in Vault and
Consul, and the files for the Prometheus machine (`[observability]`).

Called from the stacks: `vault_access` (the Vault stack), `consul_access`
(the Consul stack) and `rendered_files` (the Nomad stack's rendered files,
where every file for the machines is written).
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from hashistack import prometheus
from hashistack._validate import join_host
from hashistack.nomad.vault_agent import (
    AppRoleMethod,
    AutoAuth,
    FileSink,
    VaultAgentConfig,
    VaultTLS,
)
from hashistack.nomad.vault_agent import systemd_unit as vault_agent_unit
from stacks.observability_config import Scrape, default_target

if TYPE_CHECKING:
    from constructs import Construct

    from hashistack.vault import AppRoleBackend
    from stacks.config import Environment

AGENT_CONFIG = "prometheus-vault-agent.hcl"
AGENT_UNIT = "prometheus-vault-agent.service"
AGENT_RUNTIME = "prometheus-vault-agent"  # /run/<this>, the agent's own, 0700
PROMETHEUS_USER = "prometheus"


def vault_access(stack: Construct, env: Environment, *, approle: AppRoleBackend) -> None:
    """The policy (read on sys/metrics) and the AppRole the scraper logs in with."""
    if not env.observability.prometheus:
        return
    from hashistack.vault import AppRole, VaultPolicy, presets

    v = env.observability.vault
    policy = VaultPolicy(stack, "policy-prometheus", name=v.policy,
                         document=presets.sys_metrics_reader(v.policy))
    # Its Vault Agent logs in again whenever the token reaches its max TTL,
    # reading the secret ID file each time: the secret ID does not expire.
    AppRole(stack, "approle-prometheus", backend=approle, role=v.role, token_policies=[policy],
            secret_id_ttl=0, bound_cidrs=v.bound_cidrs)


def consul_access(stack: Construct, env: Environment) -> None:
    """The Consul ACL policy for agent metrics (only where Consul has ACLs)."""
    if env.observability.prometheus and env.consul_acl:
        from hashistack.consul import AgentMetricsPolicy

        AgentMetricsPolicy(stack, "acl-prometheus", name=env.observability.consul.policy)


def _servers(env: Environment, product: str) -> list[str]:
    """Each server of the product's cluster at its API port: every node exports its
    own metrics, which a load-balanced address would mix up. Empty without one."""
    if product == "vault" and env.vault.cluster is not None:
        # A standby answers an authenticated scrape by redirecting it to the active
        # node (telemetry.mdx); only with unauthenticated_metrics_access does each
        # node report its own, so only then is each node a target.
        vc = env.vault.cluster
        if vc.unauthenticated_metrics_access:
            return [f"{node.name}:{vc.api_port}" for node in vc.nodes]
        return []
    if product == "consul" and env.consul.cluster is not None:
        port = 8501 if env.consul.cluster.tls is not None else 8500  # ports.https / http
        return [f"{join_host(s)}:{port}" for s in env.consul.cluster.servers]
    if product == "nomad" and env.nomad.cluster is not None:
        return [f"{join_host(s)}:4646" for s in env.nomad.cluster.servers]  # ports.http
    return []


def scrape_config(env: Environment) -> prometheus.ScrapeConfig:
    """The environment's `prometheus.yml`, as a model."""
    obs = env.observability

    def common(product: str) -> dict:
        scrape: Scrape = getattr(obs, product)
        section = getattr(env, product)
        https = section.address.startswith("https://")
        tls = prometheus.TlsConfig(
            ca_file=scrape.ca_file or section.tls.ca_file,
            cert_file=scrape.cert_file,
            key_file=scrape.key_file,
            server_name=scrape.server_name or section.tls.server_name,
        ) if https else None
        return {"targets": scrape.targets or _servers(env, product)
                or [default_target(section.address)],
                "scheme": "https" if https else "http", "tls": tls}

    return prometheus.ScrapeConfig(
        jobs=[
            prometheus.vault_job(credentials_file=obs.vault.credentials_file, **common("vault")),
            prometheus.consul_job(
                credentials_file=obs.consul.credentials_file if env.consul_acl else None,
                **common("consul")),
            prometheus.nomad_job(**common("nomad")),
        ],
        scrape_interval=obs.scrape_interval,
        scrape_timeout=obs.scrape_timeout,
    )


def rendered_files(env: Environment) -> dict[str, str]:
    """prometheus.yml, and the scraper's Vault Agent (config and unit) that keeps
    a token for `observability.vault.credentials_file`."""
    if not env.observability.prometheus:
        return {}
    v, obs = env.vault, env.observability.vault
    agent = VaultAgentConfig(
        vault_address=v.address,
        auto_auth=AutoAuth(
            method=AppRoleMethod(
                role_id_file_path=f"{obs.role_dir}/role_id",
                secret_id_file_path=f"{obs.role_dir}/secret_id",
                mount_path=f"auth/{v.agent_approle.path}",
                # Kept: the next login (token past its max TTL, or a restart) reads it again.
                remove_secret_id_file_after_reading=False,
            ),
            # Prometheus runs as the same user: only it reads the token.
            sinks=(FileSink(path=obs.credentials_file, mode=0o600),),
        ),
        tls=VaultTLS(ca_cert=v.tls.ca_file) if v.tls.ca_file else None,
    )
    sink_dir = posixpath.dirname(obs.credentials_file)
    unit = vault_agent_unit(
        name="prometheus", config_path=f"/etc/vault-agent/{AGENT_CONFIG}",
        user=PROMETHEUS_USER, runtime_directory=AGENT_RUNTIME,
        read_write_paths=() if sink_dir == f"/run/{AGENT_RUNTIME}" else (sink_dir,),
        description="Vault Agent for Prometheus: the sys/metrics token (hashistack)")
    return {"prometheus.yml": scrape_config(env).to_yaml(), AGENT_CONFIG: agent.to_hcl(),
            AGENT_UNIT: unit}

