"""Rendered Vault (or OpenBao) server configs (stacks/vault_cluster.py writes
`vault-server-<node>.hcl`): their listeners, raft node IDs and audit stanzas."""

from __future__ import annotations

from typing import Any

from hashistack.checks.core import JsonObject
from hashistack.checks.env import Env, Resource, labeled

# strconv.ParseBool, which Vault's parseutil.ParseBool uses for `tls_disable`.
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}


def server_configs(env: Env) -> list[tuple[Resource, JsonObject]]:
    """Rendered HCL files with a `storage` block: Vault server configs (a Nomad
    agent or Vault Agent config has none)."""
    return [(w, d) for w, d in env.rendered_hcl if labeled(d.get("storage"))]


def truthy(value: Any) -> bool:
    """What Vault reads as true in a boolean setting (bool, 1, "true", "1", ...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    return isinstance(value, str) and value.strip() in _TRUE


def plaintext_listeners(doc: JsonObject) -> list[str]:
    """The address of each `listener "tcp"` with `tls_disable` on."""
    return [str(body.get("address", "127.0.0.1:8200"))
            for kind, body in labeled(doc.get("listener"))
            if kind == "tcp" and truthy(body.get("tls_disable"))]


def raft_node_ids(env: Env) -> dict[str, list[Resource]]:
    """{raft node_id: files declaring it} over the environment's server configs."""
    out: dict[str, list[Resource]] = {}
    for where, doc in server_configs(env):
        for kind, body in labeled(doc.get("storage")):
            if kind == "raft":
                out.setdefault(str(body.get("node_id") or where.name), []).append(where)
    return out


def declares_audit(env: Env) -> bool:
    """A rendered server config enables an audit device itself (OpenBao's
    declarative `audit "<type>" "<path>"`)."""
    return any(labeled(doc.get("audit")) for _, doc in server_configs(env))
