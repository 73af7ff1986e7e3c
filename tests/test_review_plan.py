"""hashistack.review.plan: resource changes read from `terraform show -json <planfile>`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hashistack.review.alarms import resource_alarms
from hashistack.review.model import AttributeChange, Review
from hashistack.review.plan import UNKNOWN, PlanError, read_plan
from hashistack.review.report import to_markdown, to_text

FIXTURES = Path(__file__).parent / "fixtures" / "review"
TOKEN = "hvs.CAESIJ3kq9Zx7Yb2W5dLmNpQrStUvWx"

BEFORE = """
resource "terraform_data" "keep" { input = "v1" }
resource "terraform_data" "upd" { input = "v1" }
resource "terraform_data" "rep" {
  input            = "same"
  triggers_replace = ["a"]
}
resource "terraform_data" "gone" { input = "bye" }
resource "terraform_data" "old" { input = "moved" }
"""
AFTER = """
variable "pw" {
  type      = string
  sensitive = true
  default   = "hunter2-the-password"
}
resource "terraform_data" "keep" { input = "v1" }
resource "terraform_data" "upd" { input = "v2" }
resource "terraform_data" "rep" {
  input            = "same"
  triggers_replace = ["b"]
}
resource "terraform_data" "new" { input = var.pw }
resource "terraform_data" "pw" { input = var.pw }
resource "terraform_data" "renamed" { input = "moved" }
moved {
  from = terraform_data.old
  to   = terraform_data.renamed
}
"""


def _terraform(cwd: Path, *args: str) -> str:
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
           "TF_INPUT": "0"}
    done = subprocess.run(["terraform", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def real_plan(tmp_path_factory) -> dict:
    """A real plan made by the installed Terraform with its built-in terraform_data
    resource (no provider download): create, update, replace, delete and a move."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH: the real-plan test needs Terraform >= 1.4 "
                    "(terraform_data); the fixture tests below still run")
    work = tmp_path_factory.mktemp("tfplan")
    (work / "main.tf").write_text(BEFORE + 'resource "terraform_data" "pw" { input = "p1" }\n')
    _terraform(work, "init", "-no-color")
    _terraform(work, "apply", "-auto-approve", "-no-color")
    (work / "main.tf").write_text(AFTER)
    _terraform(work, "plan", "-out=p", "-no-color")
    return json.loads(_terraform(work, "show", "-json", "p"))


def test_real_terraform_plan(real_plan):
    got = {c.address: c for c in read_plan("dev-vault", "dev", real_plan)}
    assert {a: c.action for a, c in got.items()} == {
        "terraform_data.gone": "delete",
        "terraform_data.new": "create",
        "terraform_data.pw": "update",
        "terraform_data.renamed": "update",
        "terraform_data.rep": "replace",
        "terraform_data.upd": "update",
    }  # keep (no-op) is not listed
    assert all(c.source == "plan" and c.stack == "dev-vault" and c.environment == "dev"
               and c.type == "terraform_data" for c in got.values())
    assert got["terraform_data.upd"].attributes == (
        AttributeChange("input", "v1", "v2", False),
        AttributeChange("output", "v1", UNKNOWN, False),
    )
    rep = {a.path: a for a in got["terraform_data.rep"].attributes}
    assert rep["triggers_replace"] == AttributeChange("triggers_replace", ["a"], ["b"], True)
    assert rep["id"].after == UNKNOWN and not rep["id"].forces_replacement
    renamed = got["terraform_data.renamed"]
    assert (renamed.renamed_from, renamed.attributes) == ("terraform_data.old", ())
    # The sensitive variable's value is in the plan JSON, never in a record.
    assert "hunter2-the-password" in json.dumps(real_plan)
    assert got["terraform_data.pw"].attributes[0] == AttributeChange(
        "input", "p1", "(sensitive)", False)
    assert "hunter2" not in repr(list(got.values()))


@pytest.fixture(scope="module")
def deposed_plan(tmp_path_factory) -> dict:
    """A real plan with a tainted object and a deposed one. Terraform leaves a
    deposed object when destroying the old copy fails after a create_before_destroy
    replacement; the test puts one in the state as Terraform writes it (an instance
    with a `deposed` key), then plans."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH: the deposed-object test needs Terraform")
    work = tmp_path_factory.mktemp("tfdeposed")
    (work / "main.tf").write_text(
        'resource "terraform_data" "db" {\n  input = "live"\n'
        "  lifecycle {\n    create_before_destroy = true\n  }\n}\n"
        'resource "terraform_data" "tainted" { input = "t" }\n')
    _terraform(work, "init", "-no-color")
    _terraform(work, "apply", "-auto-approve", "-no-color")
    _terraform(work, "taint", "-no-color", "terraform_data.tainted")
    state = json.loads((work / "terraform.tfstate").read_text())
    (db,) = [r for r in state["resources"] if r["name"] == "db"]
    old = json.loads(json.dumps(db["instances"][0]))
    old["deposed"] = "00c0ffee"
    old["attributes"]["id"] = "the-old-copy"
    db["instances"].append(old)
    state["serial"] += 1
    (work / "terraform.tfstate").write_text(json.dumps(state))
    _terraform(work, "plan", "-out=p", "-no-color")
    return json.loads(_terraform(work, "show", "-json", "p"))


def test_deposed_objects_and_action_reasons_from_a_real_plan(deposed_plan):
    got = read_plan("prod-vault", "prod", deposed_plan)
    assert [(c.address, c.action, c.deposed, c.reason) for c in got] == [
        ("terraform_data.db", "delete", "00c0ffee", None),
        ("terraform_data.tainted", "replace", None, "the object is tainted"),
    ]  # the live terraform_data.db is a no-op and not listed


def test_a_deposed_stateful_object_is_no_destroy_alarm_and_says_what_it_is():
    plan = {"format_version": "1.2", "resource_changes": [
        {"address": "vault_mount.kv", "type": "vault_mount", "deposed": "00c0ffee",
         "change": {"actions": ["delete"], "before": {"path": "secret"}, "after": None}},
        {"address": "vault_mount.pki", "type": "vault_mount",
         "action_reason": "delete_because_no_resource_config",
         "change": {"actions": ["delete"], "before": {"path": "pki"}, "after": None}},
    ]}
    changes = read_plan("prod-vault", "prod", plan)
    alarms = resource_alarms(changes)
    assert [a.address for a in alarms] == ["vault_mount.pki"]
    review = Review(resources=changes)
    text = to_text(review)
    assert "vault_mount.kv (deposed object 00c0ffee)" in text
    assert "vault_mount.pki (because its configuration was removed)" in text
    assert "deposed object 00c0ffee" in to_markdown(review)


def test_documented_format_for_provider_resources():
    plan = json.loads((FIXTURES / "plan-prod-vault.json").read_text())
    got = {c.address: c for c in read_plan("prod-vault", "prod", plan)}
    assert {a: c.action for a, c in got.items()} == {
        "vault_mount.kv_mount_FDFB2C73": "replace",
        "vault_approle_auth_backend_role_secret_id.agent": "update",
        "vault_token.connect_ca": "replace",  # create_before_destroy order
        "vault_pki_secret_backend_root_cert.pki_root-ca_228380E0": "delete",
        "vault_policy.moved": "update",
    }  # the no-op and the data source read are left out
    mount = {a.path: a for a in got["vault_mount.kv_mount_FDFB2C73"].attributes}
    assert mount["type"] == AttributeChange("type", "kv", "generic", True)
    assert mount["accessor"] == AttributeChange("accessor", "kv_5b9e6f21", UNKNOWN, False)
    assert set(mount) == {"type", "accessor", "id"}
    sid = {a.path: a for a in got["vault_approle_auth_backend_role_secret_id.agent"].attributes}
    assert sid["secret_id"] == AttributeChange("secret_id", "(sensitive)", "(sensitive)")
    assert sid["cidr_list"].after == ["10.30.0.0/16", "10.31.0.0/16"]
    token = {a.path: a for a in got["vault_token.connect_ca"].attributes}
    assert token["policies"].forces_replacement
    assert token["client_token"] == AttributeChange("client_token", "(sensitive)", UNKNOWN)
    assert got["vault_policy.moved"].renamed_from == "vault_policy.old"
    text = repr(list(got.values()))
    assert TOKEN not in text and "6f1c2b9e" not in text and "0aa1b2c3" not in text


def test_sensitive_marks_cover_nested_values_and_whole_lists():
    plan = {"format_version": "1.2", "resource_changes": [{
        "address": "x_thing.a", "mode": "managed", "type": "x_thing", "name": "a",
        "change": {
            "actions": ["update"],
            "before": {"cfg": {"user": "u", "pass": "p-old"}, "keys": ["k1"]},
            "after": {"cfg": {"user": "u2", "pass": "p-new"}, "keys": ["k1", "k2"]},
            "after_unknown": {},
            "before_sensitive": {"cfg": {"pass": True}, "keys": [True]},
            "after_sensitive": {"cfg": {"pass": True}, "keys": [False, True]},
        }}]}
    (change,) = read_plan("s", "e", plan)
    assert change.attributes == (
        AttributeChange("cfg.pass", "(sensitive)", "(sensitive)"),
        AttributeChange("cfg.user", "u", "u2"),
        AttributeChange("keys", "(sensitive)", "(sensitive)"),
    )
    assert "p-new" not in repr(change) and "k2" not in repr(change)


def test_no_resource_changes_is_an_empty_plan():
    assert read_plan("s", "e", {"format_version": "1.2"}) == []


@pytest.mark.parametrize("plan, message", [
    ([], "not an object"),
    ({"resource_changes": []}, "no format_version"),
    ({"format_version": "2.0"}, "only the 1.x"),
    ({"format_version": "1.2", "resource_changes": {}}, "not a list"),
    ({"format_version": "1.2", "resource_changes": [{"type": "t"}]}, "no address"),
    ({"format_version": "1.2", "resource_changes": [
        {"address": "t.a", "type": "t", "change": {"actions": "create"}}]}, "actions"),
    ({"format_version": "1.2", "resource_changes": [
        {"address": "t.a", "type": "t", "change": {"actions": ["explode"]}}]}, "unknown actions"),
    ({"format_version": "1.2", "resource_changes": [
        {"address": "t.a", "type": "t", "change": None}]}, "change is NoneType"),
])
def test_bad_input_is_a_plan_error(plan, message):
    with pytest.raises(PlanError, match=message):
        read_plan("s", "e", plan)
    assert issubclass(PlanError, ValueError)
