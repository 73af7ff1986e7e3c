"""Nomad: jobspec, agent-config and Vault Agent models, and the job construct."""

from hashistack._lazy import exports

_CONSTRUCTS = {"NomadJob": "job"}
__all__ = list(_CONSTRUCTS)
__getattr__ = exports(__name__, _CONSTRUCTS)
