"""Consul: Connect CA on Vault, ACLs for Nomad, intentions."""

from typing import TYPE_CHECKING

from hashistack._lazy import exports

if TYPE_CHECKING:  # what type checkers see; at run time each loads on first use
    from hashistack.consul.acl_constructs import NomadAgentPolicies as NomadAgentPolicies
    from hashistack.consul.acl_constructs import NomadWorkloadAuth as NomadWorkloadAuth
    from hashistack.consul.agent_policy import ConsulAgentPolicy as ConsulAgentPolicy
    from hashistack.consul.connect_ca import ConnectCa as ConnectCa
    from hashistack.consul.intentions import DefaultDeny as DefaultDeny
    from hashistack.consul.intentions import ServiceIntentions as ServiceIntentions
    from hashistack.consul.metrics_policy import AgentMetricsPolicy as AgentMetricsPolicy
    from hashistack.consul.namespace import ConsulNamespace as ConsulNamespace

_CONSTRUCTS = {
    "ConnectCa": "connect_ca",
    "NomadAgentPolicies": "acl_constructs",
    "NomadWorkloadAuth": "acl_constructs",
    "DefaultDeny": "intentions",
    "ConsulAgentPolicy": "agent_policy",
    "ConsulNamespace": "namespace",
    "ServiceIntentions": "intentions",
    "AgentMetricsPolicy": "metrics_policy",
}
# Written out: type checkers read a literal list only (tests/test_typing.py holds
# it equal to _CONSTRUCTS).
__all__ = [
    "AgentMetricsPolicy", "ConnectCa", "ConsulAgentPolicy", "ConsulNamespace", "DefaultDeny",
    "NomadAgentPolicies",
    "NomadWorkloadAuth",
    "ServiceIntentions",
]
__getattr__ = exports(__name__, _CONSTRUCTS)
