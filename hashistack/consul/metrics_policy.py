"""`AgentMetricsPolicy`: the Consul ACL policy a metrics scraper's token holds."""

from __future__ import annotations

from cdktf_cdktf_provider_consul.acl_policy import AclPolicy
from constructs import Construct

from hashistack.consul import acl_rules


class AgentMetricsPolicy(Construct):
    """`agent_prefix "" { policy = "read" }` as a `consul_acl_policy`: what
    `GET /v1/agent/metrics` asks of a token (`agent:read`, see
    `acl_rules.agent_metrics_rules`), and nothing more.

    The token is made out of band (`consul acl token create -policy-name
    <name>`) and written to the file Prometheus reads, never here: a token
    made by Terraform would sit in its state.
    """

    def __init__(self, scope: Construct, id: str, *, name: str = "prometheus-metrics") -> None:
        super().__init__(scope, id)
        self.name = name
        self.resource = AclPolicy(
            self,
            "policy",
            name=name,
            description="Metrics scraper: agent read for /v1/agent/metrics (hashistack)",
            rules=acl_rules.agent_metrics_rules(),
        )
