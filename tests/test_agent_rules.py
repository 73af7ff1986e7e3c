"""HS-CONSUL-005 to -007, HS-NOMAD-010 and HS-NOMAD-011 over rendered agent files."""

import pytest

from hashistack.checks import all_rules, run_checks
from hashistack.consul.agent_config import ConsulAgentConfig, ConsulTls
from hashistack.nomad.agent_config import AgentConfig
from tests.test_checks_rules import base

SERVERS = ["consul-1.example.internal", "consul-2.example.internal", "consul-3.example.internal"]
TLS = ConsulTls(ca_file="/etc/c/ca.pem", cert_file="/etc/c/s.pem", key_file="/etc/c/s-key.pem")


def consul_files(**over) -> dict[str, str]:
    server = {"retry_join": SERVERS, "bootstrap_expect": 3, "tls": TLS, **over}
    client = {"retry_join": SERVERS, "tls": ConsulTls(ca_file="/etc/c/ca.pem"), **over}
    return {"consul-server.hcl": ConsulAgentConfig("server", **server).to_hcl(),
            "consul-client.hcl": ConsulAgentConfig("client", **client).to_hcl()}


def findings(tier: str, consul: dict[str, str] | None = None,
             nomad: dict[str, str] | None = None) -> set[tuple[str, str, str]]:
    synth, rendered = base(tier)
    rendered["t-consul"] = consul or {}
    rendered["t-nomad"].update(nomad or {})
    return {(f.rule, f.resource, f.level) for f in run_checks(synth, rendered).findings}


def test_the_rules_are_in_the_default_pack():
    assert {"HS-CONSUL-005", "HS-CONSUL-006", "HS-NOMAD-010", "HS-NOMAD-011"} <= set(all_rules())


@pytest.mark.parametrize("tier", ["staging", "prod"])
def test_rendered_consul_files_with_acls_and_tls_pass(tier):
    assert findings(tier, consul_files()) == set()


# HS-CONSUL-005 ------------------------------------------------------------------------------

@pytest.mark.parametrize("tier, level", [("prod", "error"), ("staging", "warning")])
def test_consul_acls_off(tier, level):
    assert findings(tier, consul_files(acl=False)) == {
        ("HS-CONSUL-005", "rendered/consul-server.hcl", level),
        ("HS-CONSUL-005", "rendered/consul-client.hcl", level),
    }


def test_consul_default_allow():
    files = consul_files(default_policy="allow")
    assert ("HS-CONSUL-005", "rendered/consul-server.hcl", "error") in findings("prod", files)


def test_consul_default_policy_unset_is_allow():
    text = consul_files()["consul-server.hcl"].replace('  default_policy           = "deny"\n',
                                                       "")
    assert findings("prod", {"consul-server.hcl": text}) == {
        ("HS-CONSUL-005", "rendered/consul-server.hcl", "error")}


def test_consul_acls_off_in_dev_is_left_alone():
    assert findings("dev", consul_files(acl=False)) == set()


# HS-CONSUL-006 ------------------------------------------------------------------------------

@pytest.mark.parametrize("tier, level", [("prod", "error"), ("staging", "warning")])
def test_consul_tls_off(tier, level):
    assert findings(tier, consul_files(tls=None)) == {
        ("HS-CONSUL-006", "rendered/consul-server.hcl", level),
        ("HS-CONSUL-006", "rendered/consul-client.hcl", level),
    }


def test_consul_server_without_verify_incoming():
    tls = ConsulTls(ca_file="/etc/c/ca.pem", cert_file="/etc/c/s.pem",
                    key_file="/etc/c/s-key.pem", verify_incoming=False)
    found = findings("prod", {"consul-server.hcl": ConsulAgentConfig(
        "server", retry_join=SERVERS, bootstrap_expect=3, tls=tls).to_hcl()})
    assert found == {("HS-CONSUL-006", "rendered/consul-server.hcl", "error")}


def test_consul_https_without_client_certificates_is_not_tls_off():
    tls = ConsulTls(ca_file="/etc/c/ca.pem", cert_file="/etc/c/s.pem",
                    key_file="/etc/c/s-key.pem", https_verify_incoming=False)
    assert findings("prod", consul_files(tls=tls) | {"consul-client.hcl": consul_files()[
        "consul-client.hcl"]}) == set()


def test_consul_deprecated_top_level_tls_options_count():
    text = ('server = true\nbootstrap_expect = 3\nca_file = "/etc/c/ca.pem"\n'
            'verify_incoming = true\nverify_outgoing = true\n'
            'acl {\n  enabled = true\n  default_policy = "deny"\n}\n')
    assert findings("prod", {"consul-server.hcl": text}) == set()
    assert findings("prod", {"consul-server.hcl": text.replace("ca_file", "cert_file")}) == {
        ("HS-CONSUL-006", "rendered/consul-server.hcl", "error")}


# HS-NOMAD-010 -------------------------------------------------------------------------------

@pytest.mark.parametrize("tier, level", [("prod", "error"), ("staging", "warning")])
def test_nomad_acls_off(tier, level):
    nomad = {"nomad-server.hcl": AgentConfig("server", bootstrap_expect=3).to_hcl(),
             "nomad-client.hcl": AgentConfig("client", servers=["10.0.0.1"]).to_hcl()}
    assert findings(tier, nomad=nomad) == {
        ("HS-NOMAD-010", "rendered/nomad-server.hcl", level),
        ("HS-NOMAD-010", "rendered/nomad-client.hcl", level),
    }
    nomad = {"nomad-server.hcl": AgentConfig("server", bootstrap_expect=3, acl=True).to_hcl(),
             "nomad-client.hcl": AgentConfig("client", servers=["10.0.0.1"], acl=True).to_hcl()}
    assert findings(tier, nomad=nomad) == set()
    assert findings("dev", nomad={"nomad-server.hcl": AgentConfig("server").to_hcl()}) == set()


def test_a_consul_file_is_not_a_nomad_agent_config():
    # `server = true` in a Consul file is an attribute, not Nomad's `server {}` block.
    assert findings("prod", consul_files()) == set()


# HS-NOMAD-011 -------------------------------------------------------------------------------

@pytest.mark.parametrize("expect", [1, 2, 4])
def test_nomad_quorum_in_prod(expect):
    server = AgentConfig("server", bootstrap_expect=expect, acl=True).to_hcl()
    assert findings("prod", nomad={"nomad-server.hcl": server}) == {
        ("HS-NOMAD-011", "rendered/nomad-server.hcl", "error")}
    assert findings("staging", nomad={"nomad-server.hcl": server}) == set()


@pytest.mark.parametrize("expect", [3, 5, 7])
def test_nomad_odd_quorum_of_three_or_more(expect):
    server = AgentConfig("server", bootstrap_expect=expect, acl=True).to_hcl()
    assert findings("prod", nomad={"nomad-server.hcl": server}) == set()


# HS-CONSUL-007 ------------------------------------------------------------------------------

@pytest.mark.parametrize("expect", [1, 2, 4])
def test_consul_quorum_in_prod(expect):
    files = consul_files()
    server = files["consul-server.hcl"].replace("bootstrap_expect = 3",
                                                f"bootstrap_expect = {expect}")
    assert server != files["consul-server.hcl"]
    assert findings("prod", {**files, "consul-server.hcl": server}) == {
        ("HS-CONSUL-007", "rendered/consul-server.hcl", "error")}
    assert findings("staging", {**files, "consul-server.hcl": server}) == set()


@pytest.mark.parametrize("expect", [3, 5])
def test_consul_odd_quorum_of_three_or_more(expect):
    files = consul_files()
    server = files["consul-server.hcl"].replace("bootstrap_expect = 3",
                                                f"bootstrap_expect = {expect}")
    assert findings("prod", {**files, "consul-server.hcl": server}) == set()
