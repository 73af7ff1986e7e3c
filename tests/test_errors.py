"""Errors in one hierarchy (issue 11 §6): every error hashistack raises for bad
input is a `HashistackError`, hence a `ValueError`, carrying the file, field or
construct path where it knows one, so a caller catches them all with one clause."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import hashistack
from hashistack import HashistackError
from hashistack.checks import CheckInputError, load_synth
from hashistack.errors import HashistackError as FromErrors
from hashistack.review.compare import ReviewInputError, review
from hashistack.vault.hcl1 import HclSyntaxError, parse_hcl1
from hashistack.vault.policy import PolicyDocument, PolicyError
from stacks.config import ConfigError, load


def test_the_base_is_a_value_error_exported_from_the_package():
    assert HashistackError is FromErrors
    assert "HashistackError" in hashistack.__all__
    assert issubclass(HashistackError, ValueError)
    err = HashistackError("prod-vault/kv: path must not be empty", path="prod-vault/kv")
    assert str(err) == "prod-vault/kv: path must not be empty"
    assert err.path == "prod-vault/kv"
    assert HashistackError("no path known").path is None


def test_a_path_is_kept_as_text_and_survives_pickling():
    err = HashistackError("x: bad", path=Path("environments/prod.toml"))
    assert err.path == "environments/prod.toml"
    back = pickle.loads(pickle.dumps(err))  # the checks' forked workers pickle errors
    assert (str(back), back.path) == ("x: bad", "environments/prod.toml")


@pytest.mark.parametrize("cls", [CheckInputError, ReviewInputError, HclSyntaxError, ConfigError])
def test_each_error_type_is_a_hashistack_error(cls):
    assert issubclass(cls, HashistackError)
    assert issubclass(cls, ValueError)


def test_policy_error_is_a_hashistack_error():
    assert issubclass(PolicyError, HashistackError)


def test_construct_error_is_a_hashistack_error():
    from hashistack._cdktf import ConstructError  # imports cdktf (jsii), only here

    assert issubclass(ConstructError, HashistackError)


def test_a_bad_config_load_is_caught_naming_its_file(tmp_path):
    path = tmp_path / "dev.toml"
    path.write_text('[vault]\naddress = "ftp://vault"\n')
    with pytest.raises(HashistackError) as caught:
        load(path)
    assert isinstance(caught.value, ConfigError)
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: vault.address")


def test_a_missing_config_file_is_caught(tmp_path):
    try:
        load(tmp_path / "nowhere.toml")
    except HashistackError as err:
        assert err.path == str(tmp_path / "nowhere.toml")
    else:
        pytest.fail("no error")


def test_bad_check_input_is_caught_naming_the_file(tmp_path):
    stack = tmp_path / "stacks" / "dev-vault"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text("{not json")
    with pytest.raises(HashistackError) as caught:
        load_synth(tmp_path)
    assert isinstance(caught.value, CheckInputError)
    assert caught.value.path == str(stack / "cdk.tf.json")


def test_a_missing_synth_output_is_caught(tmp_path):
    with pytest.raises(HashistackError) as caught:
        load_synth(tmp_path / "cdktf.out")
    assert caught.value.path == str(tmp_path / "cdktf.out")


def test_bad_review_input_names_the_file_inside(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    for out in (base, head):
        (out / "stacks" / "dev-vault").mkdir(parents=True)
        (out / "stacks" / "dev-vault" / "cdk.tf.json").write_text(json.dumps({}))
    (head / "stacks" / "dev-vault" / "cdk.tf.json").write_text("[]")
    with pytest.raises(HashistackError) as caught:
        review(base, head)
    assert isinstance(caught.value, ReviewInputError)
    assert str(caught.value).startswith("HEAD: ")
    assert caught.value.path == str(head / "stacks" / "dev-vault" / "cdk.tf.json")


def test_bad_hcl_is_caught():
    with pytest.raises(HashistackError) as caught:
        parse_hcl1('path "x" {')
    assert isinstance(caught.value, HclSyntaxError)


def test_a_bad_policy_is_caught_as_a_value_error():
    with pytest.raises(ValueError):  # PolicyError is one today, and stays one
        PolicyDocument.parse('path "secret/*" { capabilities = ["bogus"] }')


def test_a_bad_policy_is_caught_as_a_hashistack_error_naming_its_path():
    with pytest.raises(HashistackError) as caught:
        PolicyDocument.parse('path "secret/*" { capabilities = ["bogus"] }')
    assert caught.value.path == "secret/*"


# -- the pure models and validators: FieldError naming the field -------------------


def _caught(call, *args, **kwargs) -> HashistackError:
    with pytest.raises(HashistackError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_bad_jobspec_field_is_caught_naming_the_field():
    from hashistack.errors import FieldError
    from hashistack.nomad.jobspec import Check, Group, Job, Service, Task

    err = _caught(Task, name="bad name")
    assert isinstance(err, FieldError) and err.path == "Task.name"
    assert str(err) == "Task.name 'bad name' must be letters, digits, '_', '.', '-'"
    assert _caught(Group, name="web", count=-1).path == "Group.count"
    assert _caught(Job, name="app", datacenters=["dc1", ""]).path == "Job.datacenters"
    assert _caught(Check, interval="soon").path == "Check.interval"
    assert _caught(Service, name="web", port="http", provider="x").path == "Service.provider"
    err = _caught(Group, name="web", tasks=[Task(name="t"), Task(name="t")])
    assert (str(err), err.path) == ("duplicate Group 'web' task name 't'", "Group.tasks")


def test_a_bad_agent_config_field_is_caught_naming_the_field():
    from hashistack.nomad.agent_config import AgentConfig, AgentTls, AgentVaultBlock
    from hashistack.nomad.vault_agent import FileSink

    assert _caught(AgentVaultBlock, address="vault:8200").path == "AgentVaultBlock.address"
    assert _caught(AgentConfig, role="both").path == "role"
    assert _caught(AgentConfig, role="server", bootstrap_expect=0).path == \
        "AgentConfig.bootstrap_expect"
    # cert_file without key_file: the one left out is named.
    err = _caught(AgentTls, http=False, rpc=False, cert_file="/c.pem")
    assert err.path == "AgentTls.key_file"
    assert _caught(FileSink, mode=0o1000).path == "FileSink.mode"


def test_a_bad_duration_is_caught():
    from hashistack import _validate as valid
    from hashistack.durations import duration_seconds, go_duration, seconds

    for call, arg in ((seconds, "bogus"), (seconds, -1), (duration_seconds, "5x"),
                      (go_duration, "1h" * 40 + "9" * 30 + "h")):
        err = _caught(call, arg)
        assert err.path is None  # a duration alone names no field
    err = _caught(valid.duration, "bogus", "period")
    assert err.path == "period"
    assert str(err).startswith("period: 'bogus' is not a duration")


def test_a_bad_bootstrap_argument_is_caught_naming_it():
    from hashistack.nomad.bootstrap import startup_script, systemd_unit

    def script(**kwargs):
        args = {"vault_addr": "https://vault:8200", "client_cert": "/c.pem",
                "client_key": "/k.pem", **kwargs}
        return startup_script(**args)

    assert _caught(script, vault_addr="http://vault:8200").path == "vault_addr"
    assert _caught(script, period="0s").path == "period"
    assert _caught(script, token_policies=["a", "b c"]).path == "token_policies"
    assert _caught(systemd_unit, after=("vault.service\nX=1",)).path == "after"
    assert _caught(systemd_unit, accessor_dir="/run/a/../b").path == "accessor_dir"


def test_a_bad_plan_is_caught_naming_the_stack_and_address():
    from hashistack.review.plan import PlanError, read_plan

    err = _caught(read_plan, "prod-vault", "prod", {"resource_changes": []})
    assert isinstance(err, PlanError) and err.path == "prod-vault"
    entry = {"address": "vault_policy.admin", "type": "vault_policy",
             "change": {"actions": ["explode"]}}
    err = _caught(read_plan, "prod-vault", "prod",
                  {"format_version": "1.2", "resource_changes": [entry]})
    assert err.path == "prod-vault/vault_policy.admin"
    assert str(err) == "resource_changes[0] (vault_policy.admin): unknown actions ['explode']"


def test_presets_hcl_and_versions_name_the_field():
    from hashistack.hcl import block, render
    from hashistack.vault import presets
    from hashistack.versions import Version

    assert _caught(presets.kv_v2_paths, "secret", "app/*").path == "app"
    assert _caught(presets.connect_ca, "pki", "pki_int", managed_by="x").path == "managed_by"
    assert _caught(render, block("x", **{"not ok": 1})).path == "not ok"
    assert _caught(Version.parse, "ten").path == "version"


MODEL_MODULES = (
    "_validate.py", "durations.py", "hcl.py", "versions.py", "nomad/agent_config.py",
    "nomad/vault_agent.py", "nomad/bootstrap.py", "vault/presets.py", "review/plan.py",
    *(f"nomad/jobspec/{p.name}" for p in
      (Path(__file__).parents[1] / "hashistack/nomad/jobspec").glob("*.py")),
)


@pytest.mark.parametrize("module", MODEL_MODULES)
def test_no_bare_value_error_is_raised(module):
    """Every bad-input raise is a HashistackError; a plain ValueError would slip past
    a caller's `except HashistackError`."""
    import ast

    source = (Path(__file__).parents[1] / "hashistack" / module).read_text()
    bare = [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
            and isinstance(node.exc.func, ast.Name) and node.exc.func.id == "ValueError"]
    assert not bare, f"hashistack/{module}: raise ValueError at lines {bare}"


# -- one grammar each: service names and systemd unit names ------------------------


def test_one_service_name_grammar_in_two_cases():
    from hashistack import _validate as valid
    from hashistack.nomad.jobspec import Service, Upstream, fields

    assert not hasattr(fields, "_SERVICE")
    assert valid.SERVICE_NAME_ANY_CASE.pattern == valid.SERVICE_NAME.pattern
    assert Service(name="Web-1", port="http").name == "Web-1"  # Nomad takes any case
    assert _caught(Service, name="web_1", port="http").path == "Service.name"
    assert _caught(Upstream, destination_name="a" * 64, local_bind_port=1).path == \
        "Upstream.destination_name"
    # IGNORECASE alone would let the Kelvin sign through [a-z].
    assert not valid.SERVICE_NAME_ANY_CASE.fullmatch("\u212a")


def test_one_unit_name_grammar_with_specifiers_only_in_a_template():
    from hashistack.nomad import bootstrap, vault_agent

    assert not hasattr(bootstrap, "_UNIT") and not hasattr(vault_agent, "_UNIT_NAME")
    text = vault_agent.systemd_unit(name="%i", config_path="/etc/vault-agent/%i.hcl",
                                    runtime_directory="vault-agent/%i")
    assert "Description=Vault Agent %i (hashistack)" in text
    assert _caught(vault_agent.systemd_unit, name="a b", config_path="/a.hcl").path == "name"
    assert _caught(vault_agent.systemd_unit, name="%", config_path="/a.hcl").path == "name"
    # A user is not a unit: no specifiers there.
    assert _caught(vault_agent.systemd_unit, name="app", config_path="/a.hcl",
                   user="%i").path == "user"
    assert "After=vault-agent@app.service" in bootstrap.systemd_unit(
        after=("vault-agent@app.service",))
    assert _caught(bootstrap.systemd_unit, after=("vault-agent@%i.service",)).path == "after"
