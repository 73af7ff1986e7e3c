"""Consul ACL policy rules, as the Nomad integration docs give them (pure)."""

from __future__ import annotations

from hashistack.hcl import block, render


def nomad_agent_rules(*, server: bool) -> str:
    """The rules a Nomad agent's own Consul token needs.

    NMD integrations/consul/acl.mdx and hashicorp-modules/
    terraform-consul-nomad-setup: servers `agent_prefix "" read`,
    `node_prefix "" write`, `service_prefix "" write`, `acl = "write"`,
    `mesh = "write"`; clients the same without `acl` and `mesh`.
    """
    top = {"acl": "write", "mesh": "write"} if server else None
    return render(
        block("agent_prefix", "", policy="read"),
        block("node_prefix", "", policy="write"),
        block("service_prefix", "", policy="write"),
        attrs=top,
    )


def nomad_task_rules() -> str:
    """The default policy of the `nomad-tasks-<ns>` role: read KV and services."""
    return render(
        block("key_prefix", "", policy="read"),
        block("service_prefix", "", policy="read"),
    )


def agent_metrics_rules() -> str:
    """What a metrics scraper's token needs: `agent:read`, on every agent.

    hashicorp/consul website/content/api-docs/agent/index.mdx, "View Metrics":
    `GET /agent/metrics`, ACL Required `agent:read`; agent/agent_endpoint.go
    `AgentMetrics` checks `AgentRead` of the agent's own node name, so one
    token for every agent scraped needs `agent_prefix ""`.
    """
    return render(block("agent_prefix", "", policy="read"))
