"""The Consul and Nomad agent files of an environment's clusters (`[consul.cluster]`,
`[nomad.cluster]`): pure composition from the config, no cdktf.

Audit logging is rendered only where the edition has it: Consul Enterprise
(monitor/log/audit.mdx) and Nomad Enterprise (configuration/audit.mdx). CE
editions have no audit log, and their files say nothing about one.
"""

from __future__ import annotations

from typing import Any

from hashistack.consul.agent_config import (
    ConsulAgentConfig,
    ConsulAudit,
    ConsulTelemetry,
    ConsulTls,
)
from hashistack.nomad.agent_config import AgentAudit
from stacks.config import Environment


def consul_files(env: Environment) -> dict[str, str]:
    """`consul-server.hcl` and `consul-client.hcl`, or nothing without `[consul.cluster]`."""
    c = env.consul
    cluster = c.cluster
    if cluster is None:
        return {}
    tls = cluster.tls
    files = {}
    for role in ("server", "client"):
        server = role == "server"
        agent_tls = None
        if tls is not None:
            agent_tls = ConsulTls(
                ca_file=tls.ca_file,
                # Clients get theirs through auto_encrypt.
                cert_file=tls.cert_file if server else None,
                key_file=tls.key_file if server else None,
                # The HTTPS API asks for a client certificate only when Terraform has one.
                https_verify_incoming=None if c.tls.cert_file else False if server else None,
            )
        config = ConsulAgentConfig(
            role=role,
            datacenter=c.datacenter,
            data_dir=cluster.data_dir,
            retry_join=cluster.servers,
            bootstrap_expect=cluster.expect if server else None,
            # Servers serve Terraform and operators (consul.address); a client's API
            # stays on 127.0.0.1 (Consul's default) for its local Nomad agent.
            client_addr="0.0.0.0" if server else None,
            bind_addr=cluster.bind_addr,
            acl=env.consul_acl,
            tls=agent_tls,
            disable_http=cluster.disable_http and agent_tls is not None,
            telemetry=ConsulTelemetry(prometheus_retention_time=cluster.prometheus_retention_time),
            audit=ConsulAudit(path=cluster.audit_path) if c.edition == "enterprise" else None,
        )
        files[f"consul-{role}.hcl"] = config.to_hcl()
    return files


def nomad_settings(env: Environment, role: str) -> dict[str, Any]:
    """What `[nomad.cluster]`, `nomad.acl` and `nomad.edition` add to a Nomad agent file."""
    settings: dict[str, Any] = {"acl": env.nomad_acl}
    cluster = env.nomad.cluster
    if cluster is None:
        return settings
    settings.update(server_join=cluster.servers, data_dir=cluster.data_dir)
    if role == "server":
        settings["bootstrap_expect"] = cluster.expect
    if env.nomad.edition == "enterprise":
        settings["audit"] = AgentAudit(path=cluster.audit_path)
    return settings
