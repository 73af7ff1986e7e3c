"""HS-CONSUL-006: a rendered Consul agent config with TLS off."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hashistack.checks.env import Env, blocks
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule


def _setting(doc: Mapping[str, Any], interface: str, key: str) -> Any:
    """A `tls` setting as Consul reads it: the interface's own, else `tls.defaults`,
    else the deprecated top-level option (tls.mdx "Deprecated Options")."""
    tls = (blocks(doc.get("tls")) or [{}])[-1]
    for section in (interface, "defaults"):
        value = (blocks(tls.get(section)) or [{}])[-1].get(key)
        if value is not None:
            return value
    return doc.get(key)


@rule(
    "HS-CONSUL-006", WARNING, "Consul agent TLS off",
    explanation="Consul's tls.mdx: failing to set `verify_incoming` or `verify_outgoing` "
                "\"will result in TLS not being enabled at all, even when specifying a "
                "ca_file\", and internal RPC's `verify_incoming` \"must be set to true to "
                "prevent anyone with access to the internal RPC port from gaining full "
                "access to the Consul cluster\". Every agent needs `ca_file` and "
                "`verify_outgoing`; servers also `verify_incoming` on internal RPC. "
                "Clients using auto_encrypt leave `verify_incoming` off, as HashiCorp's "
                "builtin-CA guide configures them. An error in prod, a warning in staging.",
    fix="Set [consul.cluster.tls] (ca_file, and the servers' cert_file and key_file): the "
        "rendered consul-*.hcl then has tls { defaults { ca_file, verify_incoming, "
        "verify_outgoing } internal_rpc { verify_server_hostname = true } }.",
)
def consul_tls_off(env: Env) -> Iterator[Hit]:
    if env.tier == "dev":
        return
    level = ERROR if env.tier == "prod" else None
    for where, doc in env.consul_agent_configs:
        missing = []
        if not _setting(doc, "internal_rpc", "ca_file") and not _setting(
                doc, "internal_rpc", "ca_path"):
            missing.append("ca_file")
        if _setting(doc, "internal_rpc", "verify_outgoing") is not True:
            missing.append("verify_outgoing")
        if doc.get("server") is True and _setting(doc, "internal_rpc",
                                                  "verify_incoming") is not True:
            missing.append("verify_incoming")
        if missing:
            yield Hit(where, f"TLS is off: no {', '.join(missing)} for internal RPC",
                      level=level)
