"""Policy text and jobspecs are plain strings set when their model changes
(no Lazy callbacks), and still end up as the final model at synth."""

from __future__ import annotations

import json

import pytest
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_nomad.provider import NomadProvider
from cdktf_cdktf_provider_vault.jwt_auth_backend import JwtAuthBackend
from cdktf_cdktf_provider_vault.provider import VaultProvider

from hashistack.nomad import NomadJob
from hashistack.nomad.jobspec import Group, Job, Task
from hashistack.vault import KvV2, VaultPolicy


def _stack(tmp_path):
    app = App(outdir=str(tmp_path))
    s = TerraformStack(app, "lab")
    VaultProvider(s, "vault", address="http://127.0.0.1:8200")
    NomadProvider(s, "nomad", address="http://127.0.0.1:4646")
    return app, s


def _resource(tmp_path, rtype):
    doc = json.loads((tmp_path / "stacks" / "lab" / "cdk.tf.json").read_text())
    return next(iter(doc["resource"][rtype].values()))


def test_grants_after_construction_and_direct_changes_reach_the_json(tmp_path):
    app, s = _stack(tmp_path)
    kv = KvV2(s, "kv")
    policy = VaultPolicy(s, "p", name="app")
    kv.grant_read(policy, "a")  # through the construct: set at once
    policy.document.add("secret/data/b", ["read"])  # behind its back: picked up at synth
    app.synth()
    text = _resource(tmp_path, "vault_policy")["policy"]
    assert 'path "secret/data/a"' in text and 'path "secret/data/b"' in text


def test_a_job_completed_after_construction_synthesizes(tmp_path):
    app, s = _stack(tmp_path)
    job = Job(name="web")  # no groups yet: not a valid jobspec
    NomadJob(s, "web", job=job)
    job.groups.append(Group(name="web", tasks=[Task(name="web", config={"image": "web:1"})]))
    app.synth()
    assert 'job "web"' in _resource(tmp_path, "nomad_job")["jobspec"]


def test_a_job_still_incomplete_at_synth_fails_naming_the_construct(tmp_path):
    app, s = _stack(tmp_path)
    NomadJob(s, "web", job=Job(name="web"))
    with pytest.raises(Exception, match=r"lab/web: .*Job.groups"):
        app.synth()


def test_a_late_change_to_text_with_references_is_refused(tmp_path):
    app, s = _stack(tmp_path)
    backend = JwtAuthBackend(s, "jwt", path="jwt-nomad", type="jwt")
    policy = VaultPolicy(s, "p", name="wi")
    policy.add(f"secret/data/{{{{identity.entity.aliases.{backend.accessor}.name}}}}", "read")
    policy.document.add("secret/data/other", ["read"])
    with pytest.raises(Exception, match="lab/p: policy changed after .* Terraform references"):
        app.synth()


def test_a_job_changed_in_place_after_construction_is_picked_up(tmp_path):
    app, s = _stack(tmp_path)
    task = Task(name="web", config={"image": "web:1"})
    NomadJob(s, "web", job=Job(name="web", groups=[Group(name="web", tasks=[task])]))
    task.config["image"] = "web:2"  # a dict inside the model, changed in place
    app.synth()
    assert '"web:2"' in _resource(tmp_path, "nomad_job")["jobspec"]


def test_a_replaced_policy_document_is_the_one_synthesized(tmp_path):
    from hashistack.vault.policy import PolicyDocument

    app, s = _stack(tmp_path)
    policy = VaultPolicy(s, "p", name="app")
    policy.add("secret/data/old", "read")
    policy.document = PolicyDocument(name="app").add("secret/data/new", ["read"])
    app.synth()
    text = _resource(tmp_path, "vault_policy")["policy"]
    assert 'path "secret/data/new"' in text and "old" not in text
