"""Consul: Connect CA on Vault, ACLs for Nomad, intentions."""

from hashistack._lazy import exports

_CONSTRUCTS = {
    "ConnectCa": "connect_ca",
    "NomadAgentPolicies": "acl",
    "NomadWorkloadAuth": "acl",
    "DefaultDeny": "intentions",
    "ServiceIntentions": "intentions",
}
__all__ = list(_CONSTRUCTS)
__getattr__ = exports(__name__, _CONSTRUCTS)
