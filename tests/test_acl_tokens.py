"""Tokens from Vault (issue 12 §2): Vault's Nomad and Consul secrets engines, the
Consul agent policy, the creds policies proven with the ACL engine, the config
and the shipped stacks. No management token ever lands in synthesized JSON."""

from __future__ import annotations

import json
import re

import pytest
from cdktf import Fn, TerraformStack, Testing
from cdktf_cdktf_provider_consul.provider import ConsulProvider
from cdktf_cdktf_provider_vault.provider import VaultProvider

from hashistack._cdktf import ConstructError
from hashistack.consul import ConsulAgentPolicy
from hashistack.consul.agent_rules import consul_agent_rules
from hashistack.errors import FieldError
from hashistack.hcl_read import read
from hashistack.nomad.acl_policy import decode
from hashistack.vault import ConsulSecrets, NomadSecrets, VaultPolicy
from hashistack.vault.acl import Acl
from stacks.acl_tokens import CONSUL_ROLES, creds_policy_name
from stacks.config import ConfigError, load
from tests import hashicorp_hcl
from tests.conftest import ROOT
from tests.synth_json import by, policies, resources

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NOMAD = "https://nomad.example.internal:4646"


def stack() -> TerraformStack:
    s = TerraformStack(Testing.app(), "s")
    VaultProvider(s, "vault", address="http://127.0.0.1:8200")
    return s


def only_read(policy: VaultPolicy, path: str) -> None:
    """The ACL engine's proof: `read` on `path`, nothing else, nowhere else."""
    acl = Acl.from_policies(policy.document)
    assert acl.capabilities(path) == ["read"]
    mount, _, role = path.split("/")
    for other in (f"{mount}/creds/{role}x", f"{mount}/creds/other", f"{mount}/roles/{role}",
                  f"{mount}/role/{role}", f"{mount}/config/access", f"{mount}/creds"):
        assert acl.capabilities(other) == ["deny"], other
    for op in ("create", "update", "delete", "list"):
        assert not acl.allows(path, op)


# Vault's Nomad secrets engine.

def test_nomad_engine_roles_and_the_token_variable():
    s = stack()
    engine = NomadSecrets(s, "nomad", address=NOMAD, ttl="30m", max_ttl="4h",
                          ca_cert=Fn.file("/etc/ssl/ca.pem"))
    engine.add_role("ci-deploy", policies=["ci-deploy"])
    engine.add_role("operator", policies=["operator", "read-only"])
    out = json.loads(Testing.synth(s))
    backend = next(iter(resources(out, "vault_nomad_secret_backend").values()))
    assert backend["backend"] == "nomad" and backend["address"] == NOMAD
    assert backend["token"] == "${var.nomad_secrets_token}"
    assert (backend["ttl"], backend["max_ttl"]) == (1800, 14400)
    assert (backend["default_lease_ttl_seconds"], backend["max_lease_ttl_seconds"]) == (1800, 14400)
    assert backend["ca_cert"] == '${file("/etc/ssl/ca.pem")}'
    assert out["variable"]["nomad_secrets_token"]["sensitive"] is True
    role = by(out, "vault_nomad_secret_role", "role", "operator")
    assert role["policies"] == ["operator", "read-only"] and role["type"] == "client"
    assert role["backend"].startswith("${vault_nomad_secret_backend.")
    assert engine.creds_path("ci-deploy") == "nomad/creds/ci-deploy"


def test_the_management_token_never_reaches_the_json(monkeypatch):
    # Even with the value in the environment at synth, only the reference is written.
    secret = "3b1e7a3c-0d7e-4c8e-9a51-6f1f2d3c4b5a"
    monkeypatch.setenv("TF_VAR_nomad_secrets_token", secret)
    monkeypatch.setenv("TF_VAR_consul_secrets_token", secret)
    s = stack()
    NomadSecrets(s, "nomad", address=NOMAD).add_role("ro", policies=["read-only"])
    ConsulSecrets(s, "consul", address="consul.example:8501").add_role(
        "agent", policies=["consul-agent"])
    text = Testing.synth(s)
    assert secret not in text and not UUID.search(text)
    out = json.loads(text)
    assert {n: v["sensitive"] for n, v in out["variable"].items()} == {
        "nomad_secrets_token": True, "consul_secrets_token": True}


def test_grant_creds_is_exactly_read_on_the_creds_path():
    s = stack()
    engine = NomadSecrets(s, "nomad", address=NOMAD, path="nomad-prod")
    engine.add_role("ci-deploy", policies=["ci-deploy"])
    policy = VaultPolicy(s, "p", name="ci")
    granted = engine.grant_creds(policy, "ci-deploy")
    assert str(granted) == "read on nomad-prod/creds/ci-deploy to policy 'ci' (policy 'ci')"
    only_read(policy, "nomad-prod/creds/ci-deploy")
    with pytest.raises(ConstructError, match="no role 'operator'"):
        engine.grant_creds(policy, "operator")


@pytest.mark.parametrize("kwargs, why", [
    ({"address": "nomad.example:4646"}, "Nomad's URL"),
    ({"address": NOMAD, "path": "/nomad"}, "mount path"),
    ({"address": NOMAD, "ttl": "9h"}, "exceeds max_ttl"),
    ({"address": NOMAD, "ttl": "0s"}, "positive"),
    ({"address": NOMAD, "ca_cert": "not a pem"}, "ca_cert"),
    ({"address": NOMAD, "token_variable": "nomad-token"}, "token_variable"),
])
def test_nomad_engine_refusals(kwargs, why):
    with pytest.raises(ConstructError, match=why):
        NomadSecrets(stack(), "nomad", **kwargs)


def test_nomad_role_refusals():
    engine = NomadSecrets(stack(), "nomad", address=NOMAD)
    engine.add_role("ci", policies=["ci-deploy"])
    with pytest.raises(ConstructError, match="already defined"):
        engine.add_role("ci", policies=["ci-deploy"])
    with pytest.raises(ConstructError, match="non-empty list"):
        engine.add_role("x", policies=[])
    with pytest.raises(ConstructError, match="non-empty list"):
        engine.add_role("x", policies="ci-deploy")
    with pytest.raises(ConstructError, match="not a Nomad ACL policy name"):
        engine.add_role("x", policies=["ci deploy"])
    with pytest.raises(ConstructError, match="s/nomad: role name"):
        engine.add_role("a/b", policies=["ci-deploy"])


# Vault's Consul secrets engine, and the Consul agents' policy.

def test_consul_engine_roles_and_grants():
    s = stack()
    engine = ConsulSecrets(s, "consul", address="consul.example:8501", scheme="https")
    engine.add_role("nomad-server", policies=["nomad-server"], ttl="1h", max_ttl="24h")
    policy = VaultPolicy(s, "p", name="agents")
    engine.grant_creds(policy, "nomad-server")
    out = json.loads(Testing.synth(s))
    backend = next(iter(resources(out, "vault_consul_secret_backend").values()))
    assert (backend["address"], backend["scheme"], backend["path"]) == (
        "consul.example:8501", "https", "consul")
    assert backend["token"] == "${var.consul_secrets_token}"
    assert "bootstrap" not in backend  # why: hashistack/vault/consul_secrets.py
    role = by(out, "vault_consul_secret_backend_role", "name", "nomad-server")
    assert (role["consul_policies"], role["ttl"], role["max_ttl"]) == (
        ["nomad-server"], 3600, 86400)
    only_read(policy, "consul/creds/nomad-server")


def test_consul_engine_refusals():
    with pytest.raises(ConstructError, match="host:port"):
        ConsulSecrets(stack(), "c", address="https://consul.example:8501")
    with pytest.raises(ConstructError, match="scheme"):
        ConsulSecrets(stack(), "c", address="consul.example:8501", scheme="ftp")
    engine = ConsulSecrets(stack(), "c", address="consul.example:8501")
    with pytest.raises(ConstructError, match="exceeds"):
        engine.add_role("r", policies=["p"], ttl="48h", max_ttl="24h")
    with pytest.raises(ConstructError, match="Consul ACL policy name"):
        engine.add_role("r", policies=["p q"])
    with pytest.raises(ConstructError, match="no role"):
        engine.grant_creds(VaultPolicy(stack(), "p", name="p"), "r")


def test_consul_agent_rules_are_the_documented_minimum():
    text = consul_agent_rules(nodes=["web-1", "web-2"])
    parsed = hashicorp_hcl.parse(text)
    assert parsed == {"node": {"web-1": [{"policy": "write"}], "web-2": [{"policy": "write"}]},
                      "service_prefix": {"": [{"policy": "read"}]}}
    assert read(consul_agent_rules(node_prefix="prod-")) == {
        "node_prefix": {"prod-": {"policy": "write"}},
        "service_prefix": {"": {"policy": "read"}}}


@pytest.mark.parametrize("kwargs, why", [
    ({}, "one of them"),
    ({"nodes": ["a"], "node_prefix": "a"}, "one of them"),
    ({"nodes": ['a"b']}, "node name"),
    ({"nodes": ["a", "a"]}, "twice"),
    ({"nodes": "web-1"}, "list"),
    ({"node_prefix": "a b"}, "node_prefix"),
])
def test_consul_agent_rules_refusals(kwargs, why):
    with pytest.raises(FieldError, match=why):
        consul_agent_rules(**kwargs)


def test_consul_agent_policy_construct():
    s = TerraformStack(Testing.app(), "s")
    ConsulProvider(s, "consul", address="127.0.0.1:8500")
    ConsulAgentPolicy(s, "agents", nodes=["web-1"])
    out = json.loads(Testing.synth(s))
    assert by(out, "consul_acl_policy", "name", "consul-agent")["rules"] == consul_agent_rules(
        nodes=["web-1"])
    with pytest.raises(ConstructError, match="s/bad: give nodes or node_prefix"):
        ConsulAgentPolicy(s, "bad")


# The config.

def test_staging_and_prod_enable_both():
    for name in ("staging", "prod"):
        env = load(ROOT / "environments" / f"{name}.toml")
        assert env.nomad.acl_tokens.enabled and env.consul.agent_tokens.enabled
    dev = load(ROOT / "environments" / "dev.toml")
    assert not dev.nomad.acl_tokens.enabled and not dev.consul.agent_tokens.enabled


def test_defaults_are_short():
    env = load(ROOT / "environments" / "staging.toml")
    assert (env.nomad.acl_tokens.ttl, env.nomad.acl_tokens.max_ttl) == ("1h", "8h")
    assert env.nomad.acl_tokens.roles == ["operator", "ci-deploy", "read-only"]


@pytest.mark.parametrize("section, why", [
    ('[nomad.acl_tokens]\nttl = "9h"', "nomad.acl_tokens: ttl 9h exceeds max_ttl 8h"),
    ('[nomad.acl_tokens]\nroles = ["admin"]', "nomad.acl_tokens.roles.0"),
    ('[nomad.acl_tokens]\nroles = []', "nomad.acl_tokens.roles"),
    ('[nomad.acl_tokens]\nroles = ["operator", "operator"]', "more than once"),
    ('[nomad.acl_tokens]\ntoken = "s.abc"', "nomad.acl_tokens.token: unknown key"),
    ('[nomad.acl_tokens]\ntoken_variable = "my-token"', "Terraform variable name"),
    ('[nomad.acl_tokens]\naddress = "http://nomad:4646"', "must use https in staging"),
    ('[consul.agent_tokens]\nnodes = ["a"]', "one of them"),  # with staging's node_prefix
    ('[consul.agent_tokens]\nnodes = ["a b"]', "Consul node name"),
    ('[consul.agent_tokens]\ntoken = "x"', "consul.agent_tokens.token: unknown key"),
])
def test_config_refusals(tmp_path, section, why):
    text = (ROOT / "environments" / "staging.toml").read_text()
    table = section.split("\n", 1)[0]
    body = section.split("\n", 1)[1]
    assert table in text
    path = tmp_path / "staging.toml"
    path.write_text(text.replace(table, f"{table}\n{body}", 1))
    with pytest.raises(ConfigError, match=re.escape(why)):
        load(path)


def test_agent_tokens_need_consul_acls(tmp_path):
    path = tmp_path / "dev.toml"
    path.write_text('[consul]\nacl = false\n[consul.agent_tokens]\nenabled = true\n'
                    'node_prefix = ""\n')
    with pytest.raises(ConfigError, match=r"consul.agent_tokens needs Consul's ACLs"):
        load(path)


# The shipped stacks.

@pytest.mark.parametrize("env", ["staging", "prod"])
def test_shipped_stacks_wire_policies_roles_and_creds(shipped, env):
    _, out = shipped
    # The Nomad policies have a stack of their own (stacks/nomad_acl_stack.py).
    vault, consul, nomad = (out[f"{env}-{p}"] for p in ("vault", "consul", "nomad-acl"))
    nomad_policies = {r["name"]: r["rules_hcl"]
                      for r in resources(nomad, "nomad_acl_policy").values()}
    assert set(nomad_policies) == {"operator", "ci-deploy", "read-only"}
    for name, rules in nomad_policies.items():
        decode(name, read(rules))  # Nomad's grammar holds
    # Each Vault role names Nomad policies the nomad-acl stack writes.
    for role in resources(vault, "vault_nomad_secret_role").values():
        assert set(role["policies"]) <= set(nomad_policies)
    consul_policies = {r["name"] for r in resources(consul, "consul_acl_policy").values()}
    for role in resources(vault, "vault_consul_secret_backend_role").values():
        assert set(role["consul_policies"]) <= consul_policies
    assert {r["name"] for r in resources(vault, "vault_consul_secret_backend_role").values()} \
        == set(CONSUL_ROLES)
    texts = policies(vault)
    roles = [("nomad", r["role"]) for r in resources(vault, "vault_nomad_secret_role").values()]
    roles += [("consul", r["name"])
              for r in resources(vault, "vault_consul_secret_backend_role").values()]
    for mount, role in roles:
        acl = Acl.from_hcl(texts[creds_policy_name(mount, role)])
        assert acl.capabilities(f"{mount}/creds/{role}") == ["read"]
        assert acl.capabilities(f"{mount}/config/access") == ["deny"]
        others = [f"{m}/creds/{r}" for m, r in roles if (m, r) != (mount, role)]
        assert all(acl.capabilities(p) == ["deny"] for p in others)
    for stack in (vault, consul, nomad):
        text = json.dumps(stack)
        assert not UUID.search(text)
    for name in ("nomad_secrets_token", "consul_secrets_token"):
        assert vault["variable"][name]["sensitive"] is True


def test_dev_has_none_of_it(shipped):
    _, out = shipped
    assert not resources(out["dev-vault"], "vault_nomad_secret_backend")
    assert not resources(out["dev-nomad"], "nomad_acl_policy")
    assert "variable" not in out["dev-vault"]


# HS-NOMAD-012: a leased Nomad token that can submit jobs in every namespace.

def _with_nomad_role(tier: str, rules_hcl: str, role_type: str = "client"):
    from tests.test_checks_rules import base, res

    synth, rendered = base(tier)
    synth["t-vault"]["resource"]["vault_nomad_secret_role"] = {"ci": res(
        "vault/nomad/ci", backend="nomad", role="ci", policies=["ci-deploy"], type=role_type)}
    synth["t-nomad"]["resource"]["nomad_acl_policy"] = {"ci": res(
        "nomad/ci", name="ci-deploy", rules_hcl=rules_hcl)}
    return synth, rendered


def _found(synth, rendered, level=None):
    from tests.test_checks_rules import found

    return found(synth, rendered, level)


def test_hs_nomad_012_clean_with_the_presets():
    for preset in ("ci-deploy", "operator", "read-only"):
        rules = nap_presets()[preset].to_hcl()
        assert _found(*_with_nomad_role("prod", rules)) == set()


@pytest.mark.parametrize("tier,level", [("prod", "error"), ("staging", "warning")])
@pytest.mark.parametrize("rules", [
    'namespace "*" {\n  policy = "write"\n}\n',
    'namespace "default" {\n  policy = "read"\n}\n\nnamespace "team-*" {\n'
    '  capabilities = ["submit-job"]\n}\n',
])
def test_hs_nomad_012_glob_submit(tier, level, rules):
    synth, rendered = _with_nomad_role(tier, rules)
    assert _found(synth, rendered, level) == {
        ("HS-NOMAD-012", "vault_nomad_secret_role.ci")}


def test_hs_nomad_012_management_and_dev():
    rules = nap_presets()["ci-deploy"].to_hcl()
    assert _found(*_with_nomad_role("prod", rules, "management"), "error") == {
        ("HS-NOMAD-012", "vault_nomad_secret_role.ci")}
    assert _found(*_with_nomad_role("dev", 'namespace "*" {\n  policy = "write"\n}\n')) \
        == set()
    # Read on every namespace is not what the rule is about.
    assert _found(*_with_nomad_role("prod", 'namespace "*" {\n  policy = "read"\n}\n')) \
        == set()


def test_hs_nomad_012_unreadable_rules_are_named():
    synth, rendered = _with_nomad_role("prod", 'namespace "*" { polic = "write" }\n')
    assert ("HS-CHECK-003", "nomad_acl_policy.ci") in _found(synth, rendered)


def nap_presets():
    from hashistack.nomad import acl_policy

    return {name: make(("default",)) for name, make in acl_policy.PRESETS.items()}


# The PR review knows what replaces the new resources (provider ForceNew).

def test_review_engine_path_replaces_only_with_disable_remount_and_masks_the_token():
    from hashistack.review.resources import diff_resources
    from tests.test_review_resources import stack as review_stack

    def doc(path, **extra):
        return {"dev-vault": review_stack("dev", {"vault_nomad_secret_backend": {"n_1": {
            "backend": path, "address": NOMAD, "token": "${var.nomad_secrets_token}",
            **extra}}})}

    (moved,) = diff_resources(doc("nomad"), doc("nomad-ops"))
    assert moved.action == "update"
    (forced,) = diff_resources(doc("nomad", disable_remount=True),
                               doc("nomad-ops", disable_remount=True))
    assert forced.action == "replace"
    (retoken,) = diff_resources(doc("nomad"), doc("nomad", token="${var.other}"))
    # A reference is shown as the reference; a literal token would be masked.
    assert [(a.path, a.before, a.after) for a in retoken.attributes] == [
        ("token", "${var.nomad_secrets_token}", "${var.other}")]
    (literal,) = diff_resources(doc("nomad"), doc("nomad", token="3b1e7a3c-0d7e-4c8e"))
    assert literal.attributes[0].after == "(sensitive)"

    def role(name):
        return {"dev-vault": review_stack("dev", {"vault_consul_secret_backend_role": {"r_1": {
            "backend": "consul", "name": name, "consul_policies": ["nomad-client"]}}})}

    (renamed,) = diff_resources(role("nomad-client"), role("nomad-clients"))
    assert renamed.action == "replace"
