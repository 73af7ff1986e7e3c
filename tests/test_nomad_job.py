"""NomadJob: one declaration drives the template and the grant."""

from __future__ import annotations

import json

import pytest
from cdktf import App, TerraformStack, Testing
from cdktf_cdktf_provider_nomad.provider import NomadProvider
from cdktf_cdktf_provider_vault.provider import VaultProvider

from hashistack.nomad import NomadJob
from hashistack.nomad.jobspec import Group, Job, Task, read_jobspec, read_vault_blocks
from hashistack.vault import KvV2, NomadWorkloadIdentity, VaultPolicy
from tests.synth_json import resources


def job(name: str = "myapp") -> Job:
    return Job(name=name, groups=[Group(name=name, tasks=[Task(name=name, config={"image": "x"})])])


def make(app=None):
    s = TerraformStack(app or Testing.app(), "test")
    VaultProvider(s, "vault", address="http://127.0.0.1:8200")
    NomadProvider(s, "nomad", address="http://127.0.0.1:4646")
    kv = KvV2(s, "kv", create_mount=False)
    policy = VaultPolicy(s, "policy", name="app-myapp")
    return s, kv, policy


def wi_role(s, policy, job="myapp"):
    wi = NomadWorkloadIdentity(s, "wi", jwks_url="https://nomad:4646/.well-known/jwks.json")
    return wi.add_job_role("app-myapp", job=job, policies=[policy])


def test_use_secret_adds_template_and_grant_and_role():
    s, kv, policy = make()
    j = NomadJob(s, "myapp", job=job())
    j.use_secret(
        kv, "myapp", {"DB_USER": "username", "DB_PASS": "password"}, role=wi_role(s, policy)
    )
    out = json.loads(Testing.synth(s))
    spec = next(iter(resources(out, "nomad_job").values()))["jobspec"]
    [read] = read_jobspec(spec)
    assert (read.task, read.path, read.destination) == (
        "myapp",
        "secret/data/myapp",
        "secrets/myapp.env",
    )
    assert read_vault_blocks(spec)[("myapp", "myapp")].role == "app-myapp"
    assert "DB_USER={{ .Data.data.username }}" in spec
    text = {p["name"]: p["policy"] for p in resources(out, "vault_policy").values()}["app-myapp"]
    assert text == 'path "secret/data/myapp" {\n  capabilities = ["read"]\n}\n'


def test_legacy_use_secret_sets_policies():
    s, kv, policy = make()
    j = NomadJob(s, "myapp", job=job())
    j.use_secret(kv, "myapp", {"DB_USER": "username"}, policy=policy)
    spec = j.job.to_hcl()
    assert read_vault_blocks(spec)[("myapp", "myapp")].policies == ("app-myapp",)


def test_synth_fails_when_a_template_reads_what_no_policy_grants(tmp_path):
    s, kv, policy = make(App(outdir=str(tmp_path)))
    j = NomadJob(s, "myapp", job=job())
    j.use_secret(kv, "myapp", {"DB_USER": "username"}, role=wi_role(s, policy))
    # A hand-written template for another app's secret, with no grant behind it.
    j.job.groups[0].tasks[0].use_secret("secret/data/other", {"X": "y"})
    with pytest.raises(Exception, match=r"test/myapp.*secret/data/other.*app-myapp"):
        s.node.scope.synth()


def test_task_must_exist():
    s, kv, policy = make()
    j = NomadJob(s, "myapp", job=job())
    with pytest.raises(ValueError, match="test/myapp: job 'myapp' has no task 'web'"):
        j.use_secret(kv, "myapp", {"A": "a"}, policy=policy, task="web")


def test_one_task_logs_in_one_way():
    s, kv, policy = make()
    j = NomadJob(s, "myapp", job=job())
    j.use_secret(kv, "myapp", {"A": "a"}, role=wi_role(s, policy))
    with pytest.raises(ValueError, match="one task logs in one way"):
        j.use_secret(kv, "other", {"B": "b"}, policy=policy)
    assert len(j.job.groups[0].tasks[0].templates) == 1  # nothing half-done
    other = VaultPolicy(s, "other", name="app-other")
    legacy = NomadJob(s, "legacy", job=job("legacy"))
    legacy.use_secret(kv, "a", {"A": "a"}, policy=policy)
    legacy.use_secret(kv, "b", {"B": "b"}, policy=other)
    assert legacy.job.groups[0].tasks[0].vault.policies == ("app-myapp", "app-other")


def test_role_must_be_bound_to_this_job():
    s, kv, policy = make()
    j = NomadJob(s, "myapp", job=job())
    with pytest.raises(ValueError, match="bound to job default/other.*Vault would refuse"):
        j.use_secret(kv, "myapp", {"A": "a"}, role=wi_role(s, policy, job="other"))
    with pytest.raises(ValueError, match="needs a role .* or a policy"):
        j.use_secret(kv, "myapp", {"A": "a"})


def test_synth_checks_the_roles_policies_not_just_the_argument(tmp_path):
    s, kv, policy = make(App(outdir=str(tmp_path)))
    # The role also holds a policy denying the path: deny wins in Vault.
    other = VaultPolicy(s, "other", name="other")
    other.add("secret/data/myapp", "deny")
    wi = NomadWorkloadIdentity(s, "wi", jwks_url="https://nomad:4646/.well-known/jwks.json")
    role = wi.add_job_role("app-myapp", job="myapp", policies=[policy, other])
    j = NomadJob(s, "myapp", job=job())
    j.use_secret(kv, "myapp", {"A": "a"}, role=role)
    with pytest.raises(Exception, match=r"secret/data/myapp.*\(app-myapp, other\)"):
        s.node.scope.synth()


def test_jobspec_is_escaped_for_terraform():
    s, kv, policy = make()
    j = job()
    j.groups[0].tasks[0].env = {"DATA": "${NOMAD_ALLOC_DIR}/data", "PCT": "%{x}"}
    NomadJob(s, "myapp", job=j)
    spec = next(iter(resources(json.loads(Testing.synth(s)), "nomad_job").values()))["jobspec"]
    # Written as HCL escapes Nomad's HCL2 reads as `${` / `%{`: nothing for
    # Terraform's templates to see either.
    assert '"\\u0024{NOMAD_ALLOC_DIR}/data"' in spec and '"\\u0025{x}"' in spec
    assert "${" not in spec and "%{" not in spec


def test_a_hand_written_template_with_a_role_is_left_to_the_json_rules(tmp_path):
    """No use_secret: the job's login is not the construct's to know, so synth does
    not claim "policies (none)"; HS-VAULT-001 proves it from the synthesized role."""
    from hashistack.nomad.jobspec import Template, VaultBlock

    app = App(outdir=str(tmp_path))
    s, kv, policy = make(app)
    policy.add("database/creds/api", "read")
    wi_role(s, policy, job="api")
    task = Task(name="api", config={"image": "x"}, vault=VaultBlock(role="app-myapp"),
                templates=[Template(
                    data='{{ with secret "database/creds/api" }}{{ .Data.username }}{{ end }}',
                    destination="secrets/db.env")])
    NomadJob(s, "api", job=Job(name="api", groups=[Group(name="api", tasks=[task])]))
    app.synth()  # no "policies (none)" error


def test_job_roles_map_the_group_claim_too():
    s, kv, policy = make()
    role = wi_role(s, policy)
    out = json.loads(Testing.synth(s))
    [jwt_role] = [r for r in resources(out, "vault_jwt_auth_backend_role").values()
                  if r["role_name"] == "app-myapp"]
    # terraform-vault-nomad-setup maps namespace, job, group and task.
    assert set(jwt_role["claim_mappings"]) == {
        "nomad_namespace", "nomad_job_id", "nomad_group", "nomad_task"}
    assert role.identity("web", "g").alias_metadata["nomad_group"] == "g"


def test_terraform_references_in_a_jobspec_still_resolve():
    """A cdktf token (a variable, another resource's attribute) is Terraform's to
    substitute: only literal text is escaped."""
    from cdktf import TerraformVariable

    s, kv, policy = make()
    image = TerraformVariable(s, "img", type="string")
    j = job()
    j.groups[0].tasks[0].config = {"image": image.string_value}
    j.groups[0].tasks[0].env = {"LIT": "${x}"}
    NomadJob(s, "myapp", job=j)
    spec = next(iter(resources(json.loads(Testing.synth(s)), "nomad_job").values()))["jobspec"]
    assert 'image = "${var.img}"' in spec
    assert '"\\u0024{x}"' in spec
