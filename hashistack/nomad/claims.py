"""The claims of a Nomad workload identity, the one list the Vault and Consul
auth methods and the checks derive theirs from (pure).

Nomad signs them into each workload's JWT (NMD nomad/structs/workload_id.go,
`IdentityClaims`: `nomad_namespace`, `nomad_job_id`, `nomad_task`,
`nomad_service`); `nomad_group` is mapped too, as
hashicorp-modules/terraform-vault-nomad-setup maps it.
"""

from __future__ import annotations

NAMESPACE = "nomad_namespace"
JOB_ID = "nomad_job_id"
GROUP = "nomad_group"
TASK = "nomad_task"
SERVICE = "nomad_service"
# Set when the job's `consul {}` block names a Consul namespace (Enterprise;
# NMD nomad/structs/workload_id.go, `ConsulNamespace`, omitempty).
CONSUL_NAMESPACE = "consul_namespace"

# A task's identity: what a Vault JWT role may map or bind (namespace, job,
# group, task), so policies may template on any of the four.
TASK_CLAIMS = (NAMESPACE, JOB_ID, GROUP, TASK)

# Vault (`vault_jwt_auth_backend_role.claim_mappings`), as
# terraform-vault-nomad-setup maps them: each claim to alias metadata of its name.
VAULT_CLAIM_MAPPINGS: dict[str, str] = {c: c for c in TASK_CLAIMS}

# Consul (the auth method's `ClaimMappings`), as `nomad setup consul` makes it:
# tasks and services, whose binding rules select on `nomad_service`. On Consul
# Enterprise it maps CONSUL_NAMESPACE too (NomadWorkloadAuth(consul_namespaces=)).
CONSUL_CLAIM_MAPPINGS: dict[str, str] = {c: c for c in (NAMESPACE, JOB_ID, TASK, SERVICE)}


def task_claims(namespace: str, job: str, task: str, group: str | None = None) -> dict[str, str]:
    """The claims a task's identity carries (`nomad_group` when `group` is given)."""
    claims = {NAMESPACE: namespace, JOB_ID: job}
    if group is not None:
        claims[GROUP] = group
    claims[TASK] = task
    return claims
