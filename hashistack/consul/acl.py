"""The old import path of `hashistack.consul.acl_constructs` (Consul ACL
constructs for Nomad); the Vault ACL engine is `hashistack.vault.acl`."""

from hashistack.consul.acl_constructs import NomadAgentPolicies, NomadWorkloadAuth

__all__ = ["NomadAgentPolicies", "NomadWorkloadAuth"]
