"""HS-NOMAD-002: which Consul a Nomad agent talks to."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from hashistack._validate import address_host as _host
from hashistack.checks.env import Env, blocks
from hashistack.checks.rulekit import ERROR, Hit, rule

LOCAL_NAMES = ("localhost",)


def _loopback(host: str) -> bool:
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _server_hosts(env: Env) -> set[str]:
    """Where Terraform reaches Consul: the servers, not an agent on a Nomad host."""
    return {_host(str(p.get("address"))) for p in env.providers("consul") if p.get("address")}


@rule(
    "HS-NOMAD-002", ERROR, "Nomad agent talks to the Consul servers",
    explanation=(
        "Nomad's docs (configuration/consul): \"each Nomad agent talks to a unique Consul "
        "agent. Nomad agents should be configured to talk to Consul agents and not Consul "
        "servers ... avoid configuring Nomad to talk to Consul via DNS such as "
        "consul.service.consul\"; `address` is \"the address to the local Consul agent\". "
        "Services registered through a shared server agent flap, and its health checks "
        "run on the wrong machine."
    ),
    fix="Point the agent's consul.address (and grpc_address) at the Consul agent on the "
        "same machine, e.g. 127.0.0.1:8501 with TLS (stacks: [nomad.consul]).",
)
def nomad_talks_to_servers(env: Env) -> Iterator[Hit]:
    servers = _server_hosts(env) - {h for h in _server_hosts(env) if _loopback(h)}
    for where, doc in env.agent_configs:
        for c in blocks(doc.get("consul")):
            for key in ("address", "grpc_address"):
                value = c.get(key)
                if not isinstance(value, str) or value.startswith("unix://"):
                    continue
                host = _host(value)
                if host.endswith(".consul"):
                    yield Hit(where, f"consul.{key} {value} is a Consul DNS name: Nomad must "
                              "talk to its local Consul agent, not through DNS")
                elif host in servers:
                    yield Hit(where, f"consul.{key} {value} is the Consul servers' address "
                              "(the Consul provider's): Nomad must talk to its local agent")
