"""The old import path of `hashistack.vault.workload_identity` (the JWT auth
method and roles for Nomad workload identities)."""

from hashistack.vault.workload_identity import (
    CLAIM_MAPPINGS,
    USER_CLAIM,
    JobRole,
    NomadWorkloadIdentity,
)

__all__ = ["CLAIM_MAPPINGS", "USER_CLAIM", "JobRole", "NomadWorkloadIdentity"]
