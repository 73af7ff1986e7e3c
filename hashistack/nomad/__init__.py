"""Nomad: jobspec, agent-config, Vault Agent and ACL policy models, and the job and ACL
policy constructs."""

from typing import TYPE_CHECKING

from hashistack._lazy import exports

if TYPE_CHECKING:  # what type checkers see; at run time it loads on first use
    from hashistack.nomad.acl import NomadAclPolicy as NomadAclPolicy
    from hashistack.nomad.job import NomadJob as NomadJob
    from hashistack.nomad.namespace import Capabilities as Capabilities
    from hashistack.nomad.namespace import NodePoolConfig as NodePoolConfig
    from hashistack.nomad.namespace import NomadNamespace as NomadNamespace

_CONSTRUCTS = {
    "NomadJob": "job",
    "NomadAclPolicy": "acl",
    "NomadNamespace": "namespace",
    "Capabilities": "namespace",
    "NodePoolConfig": "namespace",
}
# Written out: type checkers read a literal list only (tests/test_typing.py holds
# it equal to _CONSTRUCTS).
__all__ = ["Capabilities", "NodePoolConfig", "NomadAclPolicy", "NomadJob", "NomadNamespace"]
__getattr__ = exports(__name__, _CONSTRUCTS)
