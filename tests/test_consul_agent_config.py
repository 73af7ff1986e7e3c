"""The Consul agent config model: what each role gets, what it refuses, and that
HashiCorp's HCL parser (and HCL1, which Consul reads with) takes every file."""

import hcl
import pytest

from hashistack.consul.agent_config import (
    ConsulAgentConfig,
    ConsulAudit,
    ConsulTelemetry,
    ConsulTls,
)
from hashistack.errors import FieldError
from tests.hashicorp_hcl import parse_many

SERVERS = ["consul-1.example.internal", "consul-2.example.internal", "10.0.0.3:8301"]
SERVER_TLS = ConsulTls(ca_file="/etc/consul.d/tls/ca.pem", cert_file="/etc/consul.d/tls/s.pem",
                       key_file="/etc/consul.d/tls/s-key.pem")
CLIENT_TLS = ConsulTls(ca_file="/etc/consul.d/tls/ca.pem")


def configs() -> dict[str, ConsulAgentConfig]:
    return {
        "server": ConsulAgentConfig("server", retry_join=SERVERS, bootstrap_expect=3,
                                    client_addr="0.0.0.0", tls=SERVER_TLS, disable_http=True),
        "client": ConsulAgentConfig("client", retry_join=SERVERS, tls=CLIENT_TLS,
                                    disable_http=True),
        "server-enterprise": ConsulAgentConfig("server", retry_join=SERVERS, bootstrap_expect=3,
                                               tls=SERVER_TLS, audit=ConsulAudit()),
        "client-enterprise": ConsulAgentConfig("client", retry_join=SERVERS, tls=CLIENT_TLS,
                                               audit=ConsulAudit(path="/var/log/c/a.json")),
        "client-own-cert": ConsulAgentConfig(
            "client", tls=ConsulTls(ca_file="/etc/c/ca.pem", cert_file="/etc/c/c.pem",
                                    key_file="/etc/c/c-key.pem")),
        "server-https-open": ConsulAgentConfig(
            "server", tls=ConsulTls(ca_file="/etc/c/ca.pem", cert_file="/etc/c/s.pem",
                                    key_file="/etc/c/s-key.pem", https_verify_incoming=False)),
        "plain-dev-like": ConsulAgentConfig("server", acl=False, telemetry=None),
    }


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    texts = {name: cfg.to_hcl() for name, cfg in configs().items()}
    results = parse_many(texts)
    out = {}
    for name, text in texts.items():
        assert "ok" in results[name], (name, results[name])
        hcl.loads(text)  # Consul decodes its config with HCL1
        out[name] = results[name]["ok"]
    return out


def test_server_bootstraps_joins_and_serves_ui_and_connect(parsed):
    p = parsed["server"]
    assert p["server"] is True and p["bootstrap_expect"] == 3
    assert p["retry_join"] == SERVERS
    assert p["datacenter"] == "dc1" and p["data_dir"] == "/opt/consul/data"
    assert p["client_addr"] == "0.0.0.0"
    assert p["ui_config"] == [{"enabled": True}]
    assert p["connect"] == [{"enabled": True}]


def test_acl_is_default_deny_with_persistence_and_no_token(parsed):
    for name in ("server", "client"):
        assert parsed[name]["acl"] == [{"enabled": True, "default_policy": "deny",
                                        "enable_token_persistence": True}]
        text = configs()[name].to_hcl()
        assert "token" not in text.replace("enable_token_persistence", "")
        assert "tokens" not in parsed[name]["acl"][0]
        assert "encrypt" not in parsed[name]  # no gossip key either: a run-time secret


def test_server_tls_is_mutual_and_allows_auto_encrypt(parsed):
    p = parsed["server"]
    tls = p["tls"][0]
    assert tls["defaults"] == [{"ca_file": "/etc/consul.d/tls/ca.pem",
                                "cert_file": "/etc/consul.d/tls/s.pem",
                                "key_file": "/etc/consul.d/tls/s-key.pem",
                                "verify_incoming": True, "verify_outgoing": True}]
    assert tls["internal_rpc"] == [{"verify_server_hostname": True}]
    assert "grpc" not in tls
    assert p["auto_encrypt"] == [{"allow_tls": True}]
    assert p["ports"] == [{"http": -1, "https": 8501, "grpc_tls": 8503}]


def test_client_needs_only_the_ca_with_auto_encrypt(parsed):
    # builtin.mdx "Configure the clients" (auto-encryption method).
    p = parsed["client"]
    tls = p["tls"][0]
    assert tls["defaults"] == [{"ca_file": "/etc/consul.d/tls/ca.pem",
                                "verify_incoming": False, "verify_outgoing": True}]
    assert tls["internal_rpc"] == [{"verify_server_hostname": True}]
    assert tls["grpc"] == [{"use_auto_cert": True}]
    assert p["auto_encrypt"] == [{"tls": True}]
    assert p["server"] is False
    for key in ("bootstrap_expect", "ui_config", "connect", "client_addr"):
        assert key not in p


def test_client_with_its_own_certificate_does_not_ask_for_one(parsed):
    p = parsed["client-own-cert"]
    assert "auto_encrypt" not in p
    defaults = p["tls"][0]["defaults"][0]
    assert defaults["cert_file"] == "/etc/c/c.pem" and defaults["verify_incoming"] is True
    assert "grpc" not in p["tls"][0]
    assert "http" not in p["ports"][0]  # disable_http not chosen: plaintext API stays


def test_https_api_without_client_certificates(parsed):
    tls = parsed["server-https-open"]["tls"][0]
    assert tls["https"] == [{"verify_incoming": False}]
    assert tls["defaults"][0]["verify_incoming"] is True  # internal RPC stays mutual


def test_telemetry_for_prometheus(parsed):
    assert parsed["server"]["telemetry"] == [{"prometheus_retention_time": "60s",
                                              "disable_hostname": True}]


def test_audit_only_when_given_with_the_documented_sink(parsed):
    assert "audit" not in parsed["server"] and "audit" not in parsed["client"]
    audit = parsed["server-enterprise"]["audit"][0]
    assert audit["enabled"] is True
    assert audit["sink"] == {"audit": [{
        "type": "file", "format": "json", "path": "/var/log/consul/audit/audit.json",
        "delivery_guarantee": "best-effort", "rotate_duration": "24h",
        "rotate_max_files": 15, "rotate_bytes": 25165824}]}
    assert parsed["client-enterprise"]["audit"][0]["sink"]["audit"][0]["path"] == \
        "/var/log/c/a.json"


def test_without_tls_and_acl_the_blocks_are_absent(parsed):
    p = parsed["plain-dev-like"]
    for key in ("acl", "tls", "auto_encrypt", "ports", "telemetry", "audit"):
        assert key not in p
    assert p["bootstrap_expect"] == 1


@pytest.mark.parametrize("make, path", [
    (lambda: ConsulAgentConfig("agent"), "ConsulAgentConfig.role"),
    (lambda: ConsulAgentConfig("client", bootstrap_expect=3), "ConsulAgentConfig.bootstrap_expect"),
    (lambda: ConsulAgentConfig("server", bootstrap_expect=0), "ConsulAgentConfig.bootstrap_expect"),
    (lambda: ConsulAgentConfig("server", bootstrap_expect=True),
     "ConsulAgentConfig.bootstrap_expect"),
    (lambda: ConsulAgentConfig("server", retry_join="10.0.0.1"), "ConsulAgentConfig.retry_join"),
    (lambda: ConsulAgentConfig("server", retry_join=["provider=aws tag_key=x"]),
     "ConsulAgentConfig.retry_join"),
    (lambda: ConsulAgentConfig("server", datacenter="DC1"), "ConsulAgentConfig.datacenter"),
    (lambda: ConsulAgentConfig("server", data_dir="opt/consul"), "ConsulAgentConfig.data_dir"),
    (lambda: ConsulAgentConfig("server", default_policy="permit"),
     "ConsulAgentConfig.default_policy"),
    (lambda: ConsulAgentConfig("server", disable_http=True), "ConsulAgentConfig.disable_http"),
    (lambda: ConsulAgentConfig("server", tls=CLIENT_TLS), "ConsulAgentConfig.tls.cert_file"),
    (lambda: ConsulAgentConfig("client", tls=CLIENT_TLS), "ConsulAgentConfig.retry_join"),
    (lambda: ConsulAgentConfig("server", https_port=0), "ConsulAgentConfig.https_port"),
    (lambda: ConsulTls(ca_file="ca.pem"), "ConsulTls.ca_file"),
    (lambda: ConsulTls(ca_file="/ca.pem", cert_file="/c.pem"), "ConsulTls.key_file"),
    (lambda: ConsulTls(ca_file="/ca.pem", verify_outgoing="yes"), "ConsulTls.verify_outgoing"),
    (lambda: ConsulTelemetry(prometheus_retention_time="0s"),
     "ConsulTelemetry.prometheus_retention_time"),
    (lambda: ConsulTelemetry(prometheus_retention_time="soon"),
     "ConsulTelemetry.prometheus_retention_time"),
    (lambda: ConsulAudit(path="audit.json"), "ConsulAudit.path"),
    (lambda: ConsulAudit(delivery_guarantee="sometimes"), "ConsulAudit.delivery_guarantee"),
    (lambda: ConsulAudit(rotate_duration="0s"), "ConsulAudit.rotate_duration"),
    (lambda: ConsulAudit(rotate_max_files=0), "ConsulAudit.rotate_max_files"),
])
def test_refusals_name_the_field(make, path):
    with pytest.raises(FieldError) as err:
        make()
    assert err.value.path == path, str(err.value)
