"""The Consul side of an app's Consul namespace (Consul Enterprise): the
namespace, the `nomad-workloads` auth method's namespace rule, and the
`nomad-tasks` policy and roles inside the namespace, as `nomad setup consul`
makes them (NMD command/setup_consul.go); Consul CE unchanged."""

from __future__ import annotations

import json
import re

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_consul.provider import ConsulProvider

from hashistack._cdktf import ConstructError
from hashistack.consul import ConsulNamespace, NomadWorkloadAuth
from hashistack.consul.acl_rules import nomad_task_rules
from stacks.config import ConfigError, load
from tests.conftest import ROOT, synth_environments
from tests.synth_json import by, resources

JWKS = "https://nomad:4646/.well-known/jwks.json"


def enterprise(tmp_path, app_fields='consul_namespace = "payments"', keep_upstreams=False):
    """staging.toml with both editions Enterprise and `myapp` given `app_fields`
    (and web's upstream to myapp dropped: intentions are written in default only)."""
    src = tmp_path / "src"
    src.mkdir()
    text = (ROOT / "environments" / "staging.toml").read_text()
    for table in ("[consul]", "[nomad]"):
        assert f"\n{table}\n" in text
        text = text.replace(f"\n{table}\n", f'\n{table}\nedition = "enterprise"\n', 1)
    assert '\nname = "myapp"\n' in text
    text = text.replace('\nname = "myapp"\n', f'\nname = "myapp"\n{app_fields}\n', 1)
    if not keep_upstreams:
        assert 'upstreams = ["myapp"]\n' in text
        text = text.replace('upstreams = ["myapp"]\n', "", 1)
    (src / "staging.toml").write_text(text)
    return src


@pytest.fixture(scope="module")
def ent(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ent")
    return synth_environments(enterprise(tmp), tmp / "out")["staging-consul"]


def test_the_namespace_is_created(ent):
    (ns,) = resources(ent, "consul_namespace").values()
    assert ns["name"] == "payments" and "partition" not in ns


def test_the_auth_method_binds_tokens_into_the_jobs_consul_namespace(ent):
    method = by(ent, "consul_acl_auth_method", "name", "nomad-workloads")
    # setup_consul.go renderAuthMethod; `$$` is Terraform's escape for `${`.
    assert method["namespace_rule"] == [{
        "selector": '"consul_namespace" in value',
        "bind_namespace": "$${value.consul_namespace}",
    }]
    # Namespace rules need the method in `default` (api-docs/acl/auth-methods.mdx).
    assert method["namespace"] == "default"
    # The selector reads the claim, so it is mapped (config_json is a jsonencode()
    # here: the JWKS CA is a file reference).
    assert '"consul_namespace" = "consul_namespace"' in method["config_json"]
    rules = resources(ent, "consul_acl_binding_rule").values()
    assert len(rules) == 2 and all(r["namespace"] == "default" for r in rules)


def test_the_roles_and_policy_live_in_the_namespace(ent):
    (ns_id,) = resources(ent, "consul_namespace")
    ref = f"${{consul_namespace.{ns_id}.name}}"
    in_ns = [p for p in resources(ent, "consul_acl_policy").values() if p.get("namespace") == ref]
    assert len(in_ns) == 1 and in_ns[0]["name"] == "nomad-tasks"
    assert in_ns[0]["rules"] == nomad_task_rules()
    roles = [r for r in resources(ent, "consul_acl_role").values() if r.get("namespace") == ref]
    nomad_namespaces = load(ROOT / "environments" / "staging.toml").nomad.namespaces
    # The task binding rule's bind name, one role per Nomad namespace.
    assert sorted(r["name"] for r in roles) == sorted(f"nomad-tasks-{n}" for n in nomad_namespaces)
    (policy_id,) = [k for k, p in resources(ent, "consul_acl_policy").items()
                    if p.get("namespace") == ref]
    assert all(r["policies"] == [f"${{consul_acl_policy.{policy_id}.id}}"] for r in roles)
    # The default namespace keeps its own roles, as before.
    default_roles = [r for r in resources(ent, "consul_acl_role").values()
                     if "namespace" not in r]
    assert sorted(r["name"] for r in default_roles) == sorted(r["name"] for r in roles)


def test_consul_ce_is_unchanged(shipped):
    _, stacks = shipped
    for name, stack in stacks.items():
        if not name.endswith("-consul"):
            continue
        assert not resources(stack, "consul_namespace"), name
        for method in resources(stack, "consul_acl_auth_method").values():
            assert "namespace_rule" not in method and "namespace" not in method
            assert "consul_namespace" not in method["config_json"]


def test_a_partition_is_refused_with_workload_logins(tmp_path):
    src = enterprise(tmp_path, 'consul_namespace = "payments"\nconsul_partition = "team"')
    with pytest.raises(ConfigError, match=re.escape(
            "apps.myapp.consul_partition: not built with Consul ACLs and workload identities")):
        load(src / "staging.toml")


def test_the_default_partition_is_accepted(tmp_path):
    src = enterprise(tmp_path, 'consul_namespace = "payments"\nconsul_partition = "default"')
    assert load(src / "staging.toml").apps[0].consul_partition == "default"


def stack() -> TerraformStack:
    s = TerraformStack(Testing.app(), "test")
    ConsulProvider(s, "consul", address="127.0.0.1:8500")
    return s


def test_library_takes_names_or_constructs():
    s = stack()
    team = ConsulNamespace(s, "team", name="team", meta={"owner": "team"})
    auth = NomadWorkloadAuth(s, "wi", jwks_url=JWKS, namespaces=["default", "batch"],
                             consul_namespaces=[team, "ops"])
    assert sorted(auth.namespace_roles) == ["ops", "team"]
    assert sorted(auth.namespace_roles["team"]) == ["batch", "default"]
    out = json.loads(Testing.synth(s))
    (ns_id,) = resources(out, "consul_namespace")
    team_ref = f"${{consul_namespace.{ns_id}.name}}"  # a reference: made after the namespace
    roles = resources(out, "consul_acl_role").values()
    assert sorted((r["name"], r.get("namespace", "")) for r in roles) == sorted(
        (f"nomad-tasks-{n}", where) for n in ("default", "batch")
        for where in ("", team_ref, "ops"))


@pytest.mark.parametrize("given, why", [
    (["default"], "'default' is where the nomad-tasks roles already are"),
    (["ops", "ops"], "'ops' is listed twice"),
])
def test_library_refuses(given, why):
    with pytest.raises(ConstructError, match=re.escape(why)):
        NomadWorkloadAuth(stack(), "wi", jwks_url=JWKS, consul_namespaces=given)


def test_library_refuses_a_namespace_in_another_partition():
    s = stack()
    ns = ConsulNamespace(s, "team", name="team", partition="team")
    with pytest.raises(ConstructError, match="needs its own auth method"):
        NomadWorkloadAuth(s, "wi", jwks_url=JWKS, consul_namespaces=[ns])


@pytest.mark.parametrize("kwargs, why", [
    ({"name": "default"}, "always exists"),
    ({"name": "a_b"}, "not a DNS label"),
    ({"name": "ok", "partition": "no pe"}, "partition"),
])
def test_namespace_refuses(kwargs, why):
    with pytest.raises(ConstructError, match=why):
        ConsulNamespace(stack(), "ns", **kwargs)




def test_an_upstream_across_consul_namespaces_is_refused_at_load(tmp_path):
    src = enterprise(tmp_path, keep_upstreams=True)  # web -> myapp, myapp in payments
    with pytest.raises(ConfigError, match=re.escape(
            "apps.web.upstreams: 'myapp' links an app in a Consul namespace other than "
            "default")):
        load(src / "staging.toml")
