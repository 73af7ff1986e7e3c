"""`ConsulAgentPolicy`: the Consul agents' own token policy (`consul_acl_policy`)."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_consul.acl_policy import AclPolicy
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack.consul.agent_rules import consul_agent_rules
from hashistack.errors import FieldError


class ConsulAgentPolicy(Construct):
    """The documented minimum for a Consul agent's token (hashistack.consul.agent_rules):
    node write for its `nodes` (or `node_prefix`), service_prefix read; with
    `agent_write`, agent write on the same names, so the token can set itself as
    the agent's token (`consul acl set-agent-token`).

    Tokens holding it come from Vault's Consul secrets engine
    (`hashistack.vault.ConsulSecrets`), whose role names the policy by `name`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str = "consul-agent",
        nodes: Sequence[str] = (),
        node_prefix: str | None = None,
        agent_write: bool = False,
    ) -> None:
        super().__init__(scope, id)
        try:
            rules = consul_agent_rules(nodes=nodes, node_prefix=node_prefix,
                                       agent_write=agent_write)
        except FieldError as err:
            raise ConstructError(self, str(err)) from None
        self.name = name
        self.rules = rules
        self.resource = AclPolicy(
            self, "policy", name=name, rules=rules,
            description="Consul agents: register their node, discover services (hashistack)")
