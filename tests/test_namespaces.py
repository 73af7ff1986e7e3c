"""Namespaces: the `NomadNamespace` construct, and an app in namespace "payments"
end to end (job, JWT role, KV path, policies, Consul role), proved with the ACL engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_nomad.provider import NomadProvider

from hashistack._cdktf import ConstructError
from hashistack.nomad import Capabilities, NodePoolConfig, NomadJob, NomadNamespace
from hashistack.nomad.jobspec import Group, Job, Task, read_jobspec
from hashistack.nomad.namespace import namespace_problem
from hashistack.vault.acl import Acl, Identity
from stacks.config import ConfigError, load
from tests.conftest import synth_environments
from tests.synth_json import by, policies, resources

PAYMENTS = """
tier = "dev"
[consul]
acl = true
[nomad]
namespaces = ["default", "payments"]
[[apps]]
name = "billing"
image = "billing:1"
namespace = "payments"
secrets = { API_KEY = "api_key" }
"""


def stack() -> TerraformStack:
    s = TerraformStack(Testing.app(), "t")
    NomadProvider(s, "nomad", address="http://127.0.0.1:4646")
    return s


def synth(s: TerraformStack) -> dict:
    return json.loads(Testing.synth(s))


# Nomad's rule: validNamespaceName = ^[a-zA-Z0-9-]{1,128}$ (nomad/structs/structs.go).
@pytest.mark.parametrize("name, ok", [
    ("payments", True), ("Team-A-1", True), ("a" * 128, True),
    ("a" * 129, False), ("team_a", False), ("team.a", False), ("", False), ("ns/x", False),
])
def test_namespace_name_follows_nomads_rule(name, ok):
    assert (namespace_problem(name) is None) is ok


def test_construct_renders_the_namespace_specification():
    s = stack()
    NomadNamespace(
        s, "ns", name="payments", description="Payments team", meta={"owner": "payments"},
        capabilities=Capabilities(enabled_task_drivers=["docker"],
                                  disabled_task_drivers=["raw_exec"]),
        quota="payments", node_pool_config=NodePoolConfig(default="prod", allowed=["prod"]),
        edition="enterprise")
    (ns,) = resources(synth(s), "nomad_namespace").values()
    assert ns["name"] == "payments" and ns["description"] == "Payments team"
    assert ns["meta"] == {"owner": "payments"} and ns["quota"] == "payments"
    assert ns["capabilities"] == {"enabled_task_drivers": ["docker"],
                                  "disabled_task_drivers": ["raw_exec"]}
    assert ns["node_pool_config"] == {"default": "prod", "allowed": ["prod"]}


@pytest.mark.parametrize("kwargs, why", [
    ({"name": "team_a"}, "validNamespaceName"),
    ({"name": "x", "description": "d" * 257}, "longer than 256"),
    ({"name": "x", "quota": "q"}, "quota: Nomad Enterprise only"),
    ({"name": "x", "node_pool_config": NodePoolConfig(default="p")},
     "node_pool_config: Nomad Enterprise only"),
    ({"name": "x", "meta": {"k": "a\nb"}}, "meta"),
])
def test_construct_refusals_name_the_construct(kwargs, why):
    with pytest.raises(ConstructError, match=why) as err:
        NomadNamespace(stack(), "ns", **kwargs)
    assert err.value.path == "t/ns"


def test_node_pools_allowed_and_denied_are_exclusive():
    with pytest.raises(Exception, match="allowed or denied"):
        NodePoolConfig(allowed=["a"], denied=["b"])


def _job(namespace: str = "default") -> Job:
    return Job(name="web", namespace=namespace,
               groups=[Group(name="web", tasks=[Task(name="web", driver="docker",
                                                     config={"image": "web:1"})])])


def test_job_takes_the_namespace_and_depends_on_it():
    s = stack()
    ns = NomadNamespace(s, "ns", name="payments")
    NomadJob(s, "web", job=_job(), namespace=ns)
    doc = synth(s)
    (job,) = resources(doc, "nomad_job").values()
    (key,) = resources(doc, "nomad_namespace")
    assert job["depends_on"] == [f"nomad_namespace.{key}"]
    assert 'namespace   = "payments"' in job["jobspec"]


def test_job_refuses_a_namespace_its_jobspec_contradicts():
    s = stack()
    with pytest.raises(ConstructError, match="says namespace 'billing'"):
        NomadJob(s, "web", job=_job("billing"), namespace=NomadNamespace(s, "ns", name="pay"))
    with pytest.raises(ConstructError, match="not a Nomad namespace name"):
        NomadJob(s, "web2", job=_job(), namespace="pay_ments")


def test_config_refuses_a_namespace_nomad_would_refuse(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[nomad]\nnamespaces = ["default", "team_a"]\n')
    with pytest.raises(ConfigError, match="nomad.namespaces.1: 'team_a' is not a Nomad namespace"):
        load(path)


# An app in "payments", synthesized with main.py's code ---------------------------------


@pytest.fixture(scope="module")
def payments(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    src = tmp_path_factory.mktemp("ns-env")
    (src / "ns.toml").write_text(PAYMENTS)
    out = tmp_path_factory.mktemp("ns.out")
    return out, synth_environments(src, out)


def test_namespace_keeps_its_address_and_the_job_waits_for_it(payments):
    nomad = payments[1]["ns-nomad"]
    # The address stacks/nomad_stack.py gave the raw resource before the construct.
    assert list(resources(nomad, "nomad_namespace")) == ["namespace-payments"]
    job = by(nomad, "nomad_job", "deregister_on_destroy", True)
    assert job["depends_on"] == ["nomad_namespace.namespace-payments"]


def _role_acl(vault: dict, role_name: str, task: str) -> tuple[Acl, dict]:
    role = by(vault, "vault_jwt_auth_backend_role", "role_name", role_name)
    texts = policies(vault)
    claims = role.get("bound_claims") or {}
    ns, job = claims.get("nomad_namespace", "payments"), claims.get("nomad_job_id", "billing")
    identity = Identity(alias_name=f"{ns}:{job}:{task}", alias_metadata={
        "nomad_namespace": ns, "nomad_job_id": job, "nomad_task": task})
    return Acl.from_hcl([texts[p] for p in role["token_policies"]], identity), role


def test_payments_token_reads_its_own_path_not_the_same_name_in_default(payments):
    stacks = payments[1]
    vault, nomad = stacks["ns-vault"], stacks["ns-nomad"]
    (job,) = resources(nomad, "nomad_job").values()
    assert 'namespace   = "payments"' in job["jobspec"]
    (read,) = read_jobspec(job["jobspec"])
    assert read.path == "secret/data/payments/billing"
    acl, role = _role_acl(vault, "app-billing", read.task)
    # The JWT role only takes this job in this namespace.
    assert role["bound_claims"] == {"nomad_namespace": "payments", "nomad_job_id": "billing"}
    assert acl.allows("secret/data/payments/billing", "read")
    assert not acl.allows("secret/data/billing", "read")  # the name's path in default
    assert not acl.allows("secret/data/default/billing", "read")
    # The default role's templated policy follows the namespace claim too.
    default, _ = _role_acl(vault, "nomad-workloads", read.task)
    assert default.allows("secret/data/payments/billing", "read")
    assert not default.allows("secret/data/default/billing", "read")
    # The VM Vault Agent of the same app reads the same path.
    agent = payments[0] / "stacks" / "ns-nomad" / "rendered" / "vault-agent-billing.hcl"
    assert "secret/data/payments/billing" in agent.read_text()
    agent_role = by(vault, "vault_approle_auth_backend_role", "role_name", "vault-agent-billing")
    agent_acl = Acl.from_hcl([policies(vault)[p] for p in agent_role["token_policies"]])
    assert agent_acl.allows("secret/data/payments/billing", "read")
    assert not agent_acl.allows("secret/data/billing", "read")


def test_consul_tasks_role_exists_for_the_namespace(payments):
    consul = payments[1]["ns-consul"]
    names = {r["name"] for r in resources(consul, "consul_acl_role").values()}
    assert {"nomad-tasks-default", "nomad-tasks-payments"} <= names
    rule = by(consul, "consul_acl_binding_rule", "bind_type", "role")
    # `$${` is Terraform JSON's escape: Consul gets nomad-tasks-${value.nomad_namespace}.
    assert rule["bind_name"] == "nomad-tasks-$${value.nomad_namespace}"


def test_default_namespace_apps_keep_their_path(shipped):
    (job,) = [j for j in resources(shipped[1]["dev-nomad"], "nomad_job").values()]
    assert {r.path for r in read_jobspec(job["jobspec"])} == {"secret/data/myapp"}


# [nomad.namespace_config.<ns>] ---------------------------------------------------------

SETTINGS = """
tier = "dev"
[nomad]
edition = "%s"
namespaces = ["default", "payments"]
[nomad.namespace_config.payments]
description = "Payments team"
meta = { owner = "payments" }
capabilities = { enabled_task_drivers = ["docker"], disabled_network_modes = ["host"] }
%s
"""


def test_environment_file_configures_the_namespace(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "ns.toml").write_text(SETTINGS % (
        "enterprise", 'quota = "payments"\nnode_pool_config = { default = "prod" }'))
    nomad = synth_environments(src, tmp_path / "out")["ns-nomad"]
    ns = resources(nomad, "nomad_namespace")["namespace-payments"]
    assert ns["description"] == "Payments team" and ns["meta"] == {"owner": "payments"}
    assert ns["capabilities"] == {"enabled_task_drivers": ["docker"],
                                  "disabled_network_modes": ["host"]}
    assert ns["quota"] == "payments" and ns["node_pool_config"] == {"default": "prod"}


@pytest.mark.parametrize("edition, extra, why", [
    ("ce", 'quota = "payments"', "namespace_config.payments.quota: a Nomad Enterprise feature"),
    ("ce", 'node_pool_config = { default = "prod" }', "node_pool_config: a Nomad Enterprise"),
    ("enterprise", 'node_pool_config = { allowed = ["a"], denied = ["b"] }',
     "allowed or denied, not both"),
    ("ce", "[nomad.namespace_config.billing]", "'billing' is not in nomad.namespaces"),
    ("ce", "[nomad.namespace_config.default]", "`default` is Nomad's own namespace"),
    ("ce", 'colour = "red"', "unknown key"),
])
def test_namespace_config_refusals(tmp_path, edition, extra, why):
    path = tmp_path / "t.toml"
    path.write_text(SETTINGS % (edition, extra))
    with pytest.raises(ConfigError, match=why):
        load(path)
