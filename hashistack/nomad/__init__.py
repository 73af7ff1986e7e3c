"""Nomad: jobspec, agent-config and Vault Agent models, and the job construct."""

from typing import TYPE_CHECKING

from hashistack._lazy import exports

if TYPE_CHECKING:  # what type checkers see; at run time it loads on first use
    from hashistack.nomad.job import NomadJob as NomadJob

_CONSTRUCTS = {"NomadJob": "job"}
__all__ = list(_CONSTRUCTS)
__getattr__ = exports(__name__, _CONSTRUCTS)
