"""Nomad's workload-identity claims: one list, the Vault and Consul mappings and
the checks derived from it; the moved constructs under their old import paths."""

from __future__ import annotations

from hashistack.checks.facts import jobs
from hashistack.nomad import claims


def test_one_list_of_claims():
    assert jobs.CLAIMS == claims.TASK_CLAIMS == (
        "nomad_namespace", "nomad_job_id", "nomad_group", "nomad_task")
    assert list(claims.VAULT_CLAIM_MAPPINGS) == list(claims.TASK_CLAIMS)
    # Consul's binding rules select on nomad_service; the group is not mapped there.
    assert list(claims.CONSUL_CLAIM_MAPPINGS) == [
        "nomad_namespace", "nomad_job_id", "nomad_task", "nomad_service"]
    assert all(k == v for m in (claims.VAULT_CLAIM_MAPPINGS, claims.CONSUL_CLAIM_MAPPINGS)
               for k, v in m.items())


def test_task_claims():
    assert claims.task_claims("ns", "job", "task") == {
        "nomad_namespace": "ns", "nomad_job_id": "job", "nomad_task": "task"}
    assert claims.task_claims("ns", "job", "task", "grp")["nomad_group"] == "grp"


def test_the_constructs_map_the_one_list():
    from hashistack.consul.acl_constructs import NomadWorkloadAuth
    from hashistack.vault import workload_identity

    assert workload_identity.CLAIM_MAPPINGS is claims.VAULT_CLAIM_MAPPINGS
    assert NomadWorkloadAuth.CLAIM_MAPPINGS is claims.CONSUL_CLAIM_MAPPINGS


def test_old_import_paths():
    import hashistack.consul
    import hashistack.vault
    from hashistack.consul import acl, acl_constructs
    from hashistack.vault import jwt_auth, workload_identity

    assert acl.NomadAgentPolicies is acl_constructs.NomadAgentPolicies
    assert acl.NomadWorkloadAuth is hashistack.consul.NomadWorkloadAuth
    for name in ("NomadWorkloadIdentity", "JobRole", "CLAIM_MAPPINGS", "USER_CLAIM"):
        assert getattr(jwt_auth, name) is getattr(workload_identity, name)
    assert hashistack.vault.NomadWorkloadIdentity is workload_identity.NomadWorkloadIdentity
