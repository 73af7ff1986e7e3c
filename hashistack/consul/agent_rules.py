"""The Consul agent token's rules: the documented minimum (pure).

Consul's docs (WUD content/consul/v1.21.x/content/docs/secure/acl/token/agent.mdx,
"Create an agent token"): the agent token must grant "node:write: Enables the
agent to update the catalog" and "service:read: Enables the agent to discover
other services in the catalog". That is also what Consul's node identity
template writes (`builtin/node`: `node "<name>" { policy = "write" }` and
`service_prefix "" { policy = "read" }`). Here the node rule names the agents'
nodes exactly, or one name prefix for a pool of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hashistack.errors import FieldError
from hashistack.hcl import block, render

# Consul node names are DNS-friendly labels in practice (agent/config/builder.go warns
# on others); what is written here must also be safe as an HCL label.
NODE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def consul_agent_rules(*, nodes: Sequence[str] = (), node_prefix: str | None = None,
                       agent_write: bool = False) -> str:
    """`node "<n>"` write for each of `nodes` (or `node_prefix "<p>"` write), and
    `service_prefix ""` read; nothing else.

    `agent_write` adds `agent "<n>"` (or `agent_prefix "<p>"`) write on the same
    names: PUT /v1/agent/token/agent (`consul acl set-agent-token`) checks
    AgentWriteAllowed(<the agent's node name>) (consul agent/agent_endpoint.go,
    AgentToken), so a token leased from Vault can install itself on its agent.
    """
    if isinstance(nodes, str):
        raise FieldError("nodes must be a list of node names", path="nodes")
    if bool(nodes) == (node_prefix is not None):
        raise FieldError("give nodes or node_prefix (one of them)", path="nodes")
    for name in nodes:
        if not isinstance(name, str) or not NODE_NAME.fullmatch(name):
            raise FieldError(f"node name {name!r} must be letters, digits, '_', '.', '-'",
                             path="nodes")
    if len(set(nodes)) != len(nodes):
        raise FieldError("nodes: a node is listed twice", path="nodes")
    if node_prefix is not None and (not isinstance(node_prefix, str) or (
            node_prefix and not NODE_NAME.fullmatch(node_prefix))):
        raise FieldError(f"node_prefix {node_prefix!r} must be letters, digits, '_', '.', '-'",
                         path="node_prefix")
    kinds = ("node", "agent") if agent_write else ("node",)
    rules = [block(kind, n, policy="write") for kind in kinds for n in nodes] if nodes else [
        block(f"{kind}_prefix", node_prefix or "", policy="write") for kind in kinds]
    return render(*rules, block("service_prefix", "", policy="read"))
