import hcl
import pytest

from hashistack.nomad.agent_config import (
    AgentConfig,
    AgentConsulBlock,
    AgentTls,
    AgentVaultBlock,
    Telemetry,
    WorkloadIdentity,
)
from tests.hashicorp_hcl import parse_many

NOMAD_TLS = AgentTls(ca_file="/etc/nomad/ca.pem", cert_file="/etc/nomad/server.pem",
                     key_file="/etc/nomad/server-key.pem")
TLS = {"ca_file": "/etc/certs/ca.pem", "cert_file": "/etc/certs/nomad.pem",
       "key_file": "/etc/certs/nomad-key.pem", "tls_server_name": "vault.service.consul"}


def configs() -> dict[str, AgentConfig]:
    wi = AgentVaultBlock(address="https://vault.service.consul:8200",
                         create_from_role="nomad-workloads", namespace="ops", **TLS)
    legacy = AgentVaultBlock(workflow="token", address="https://vault.service.consul:8200",
                             allow_unauthenticated=False, task_token_ttl="1h", **TLS)
    consul = AgentConsulBlock(ssl=True, ca_file="/etc/consul/ca.pem",
                              grpc_address="127.0.0.1:8503", grpc_ca_file="/etc/consul/ca.pem")
    legacy_consul = AgentConsulBlock(service_identity=None, task_identity=None)
    return {
        "wi-server": AgentConfig("server", bootstrap_expect=3, vault=wi, consul=consul),
        "wi-client": AgentConfig("client", vault=wi, consul=consul),
        "token-server": AgentConfig("server", vault=legacy, consul=legacy_consul),
        "token-client": AgentConfig("client", servers=["10.0.0.1:4647"], vault=legacy,
                                    consul=legacy_consul),
        "bare-client": AgentConfig("client", servers=["nomad.service.consul"], telemetry=None),
        "tls-server": AgentConfig("server", tls=NOMAD_TLS, consul=consul),
        "tls-client": AgentConfig(
            "client",
            tls=AgentTls(ca_file="/etc/nomad/ca.pem", cert_file="/etc/nomad/client.pem",
                         key_file="/etc/nomad/client-key.pem", http=False),
            consul=consul,
        ),
        "mtls-http-server": AgentConfig(
            "server",
            tls=AgentTls(ca_file="/etc/nomad/ca.pem", cert_file="/etc/nomad/server.pem",
                         key_file="/etc/nomad/server-key.pem", verify_https_client=True),
        ),
    }


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    texts = {name: cfg.to_hcl() for name, cfg in configs().items()}
    results = parse_many(texts)
    out = {}
    for name, text in texts.items():
        assert "ok" in results[name], results[name]
        hcl.loads(text)  # HCL1 too
        out[name] = results[name]["ok"]
    return out


def test_server_agent_defaults_and_bootstrap_expect(parsed):
    p = parsed["wi-server"]
    assert p["datacenter"] == "dc1" and p["region"] == "global"
    assert p["data_dir"] == "/opt/nomad/data" and p["bind_addr"] == "0.0.0.0"
    assert p["server"] == [{"enabled": True, "bootstrap_expect": 3}]
    assert "client" not in p


def test_server_workload_identity_vault_only_signs_identities(parsed):
    # Servers in WI only sign identities: no address, no TLS, no role.
    assert parsed["wi-server"]["vault"] == [
        {"enabled": True, "default_identity": [{"aud": ["vault.io"], "ttl": "1h"}]}
    ]


def test_server_workload_identity_consul_signs_service_and_task_identities(parsed):
    consul = parsed["wi-server"]["consul"][0]
    assert consul["service_identity"] == [{"aud": ["consul.io"], "ttl": "1h"}]
    assert consul["task_identity"] == [{"aud": ["consul.io"], "ttl": "1h"}]
    assert consul["server_auto_join"] is True
    assert "client_auto_join" not in consul and "grpc_address" not in consul
    assert "token" not in consul


def test_client_is_enabled_with_no_servers_listed(parsed):
    assert parsed["wi-client"]["client"] == [{"enabled": True}]


def test_client_workload_identity_vault_logs_in_by_jwt_role_over_tls(parsed):
    vault = parsed["wi-client"]["vault"][0]
    assert vault["jwt_auth_backend_path"] == "jwt-nomad"
    assert vault["create_from_role"] == "nomad-workloads"
    assert vault["address"] == "https://vault.service.consul:8200"
    assert vault["namespace"] == "ops"
    assert vault["ca_file"] == "/etc/certs/ca.pem"
    assert vault["key_file"] == "/etc/certs/nomad-key.pem"
    assert "default_identity" not in vault and "token" not in vault


def test_client_workload_identity_consul_joins_as_a_client_over_grpc_tls(parsed):
    consul = parsed["wi-client"]["consul"][0]
    assert consul["client_auto_join"] is True
    assert consul["grpc_address"] == "127.0.0.1:8503"
    assert consul["grpc_ca_file"] == "/etc/consul/ca.pem"
    assert consul["ssl"] is True
    assert "service_identity" not in consul and "server_auto_join" not in consul


def test_token_workflow(parsed):
    server = parsed["token-server"]["vault"][0]
    assert server["create_from_role"] == "nomad-cluster"
    assert server["allow_unauthenticated"] is False
    assert server["task_token_ttl"] == "1h"
    assert "token" not in server and "jwt_auth_backend_path" not in server
    client = parsed["token-client"]["vault"][0]
    assert client["address"] == "https://vault.service.consul:8200"
    for key in ("token", "create_from_role", "task_token_ttl", "allow_unauthenticated"):
        assert key not in client
    assert parsed["token-client"]["client"] == [{"enabled": True, "servers": ["10.0.0.1:4647"]}]
    assert "service_identity" not in parsed["token-server"]["consul"][0]


def test_telemetry_for_prometheus(parsed):
    assert parsed["wi-server"]["telemetry"] == [
        {
            "collection_interval": "1s",
            "disable_hostname": True,
            "prometheus_metrics": True,
            "publish_allocation_metrics": True,
            "publish_node_metrics": True,
        }
    ]
    assert "telemetry" not in parsed["bare-client"]
    assert "consul" not in parsed["bare-client"] and "vault" not in parsed["bare-client"]


def test_agent_tls_block(parsed):
    assert parsed["tls-server"]["tls"] == [
        {
            "http": True,
            "rpc": True,
            "ca_file": "/etc/nomad/ca.pem",
            "cert_file": "/etc/nomad/server.pem",
            "key_file": "/etc/nomad/server-key.pem",
            "verify_server_hostname": True,
        }
    ]
    client_tls = parsed["tls-client"]["tls"][0]
    assert client_tls["http"] is False and client_tls["rpc"] is True
    assert client_tls["verify_server_hostname"] is True
    assert "verify_https_client" not in client_tls
    assert parsed["mtls-http-server"]["tls"][0]["verify_https_client"] is True
    for name in ("wi-server", "wi-client", "bare-client"):
        assert "tls" not in parsed[name]


def test_consul_grpc_tls_is_written_for_clients_with_workload_identity(parsed):
    # The consul block has ssl and the (server-side) identities set; its gRPC
    # settings must still reach the client, which bootstraps Envoy.
    consul = configs()["tls-client"].consul
    assert consul is not None and consul.ssl
    assert consul.service_identity is not None and consul.task_identity is not None
    client = parsed["tls-client"]["consul"][0]
    assert client["ssl"] is True
    assert client["grpc_address"] == "127.0.0.1:8503"
    assert client["grpc_ca_file"] == "/etc/consul/ca.pem"
    server = parsed["tls-server"]["consul"][0]
    assert "grpc_address" not in server and "grpc_ca_file" not in server
    assert server["service_identity"] == [{"aud": ["consul.io"], "ttl": "1h"}]


def test_no_token_field_exists():
    for cls in (AgentVaultBlock, AgentConsulBlock, AgentConfig):
        assert "token" not in cls.__dataclass_fields__
    with pytest.raises(TypeError):
        AgentVaultBlock(workflow="token", token="hvs.x")  # type: ignore[call-arg]


def test_default_identity_is_configurable():
    ident = WorkloadIdentity(aud=["vault.example"], ttl="30m", env=True, file=False)
    text = AgentConfig("server", vault=AgentVaultBlock(default_identity=ident)).to_hcl()
    vault = hcl.loads(text)["vault"]
    assert vault["default_identity"] == {"aud": ["vault.example"], "ttl": "30m", "env": True,
                                         "file": False}


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: AgentConfig("agent"), "role"),
        (lambda: AgentConfig("server", bootstrap_expect=0), "bootstrap_expect"),
        (lambda: AgentConfig("server", servers=["a:4647"]), "servers"),
        (lambda: AgentConfig("client"), "servers"),
        (lambda: AgentConfig("server", data_dir="data"), "data_dir"),
        (lambda: AgentVaultBlock(address="vault:8200"), "address"),
        (lambda: AgentVaultBlock(task_token_ttl="1h"), "task_token_ttl"),
        (lambda: AgentVaultBlock(allow_unauthenticated=False), "allow_unauthenticated"),
        (lambda: AgentVaultBlock(workflow="token", jwt_auth_backend_path="jwt"),
         "jwt_auth_backend_path"),
        (lambda: AgentVaultBlock(workflow="jwt"), "workflow"),
        (lambda: AgentVaultBlock(key_file="/k"), "key_file"),
        (lambda: AgentVaultBlock(workflow="token", task_token_ttl="3 days"), "task_token_ttl"),
        (lambda: AgentConsulBlock(address="http://127.0.0.1:8500"), "address"),
        (lambda: AgentConsulBlock(cert_file="/c"), "cert_file"),
        (lambda: AgentConsulBlock(service_identity=WorkloadIdentity(["consul.io"], env=True)),
         "service_identity"),
        (lambda: WorkloadIdentity(aud=[]), "aud"),
        (lambda: WorkloadIdentity(aud="vault.io"), "aud"),
        (lambda: Telemetry(collection_interval="fast"), "collection_interval"),
        (lambda: AgentConsulBlock(address="127.0.0.1:8500\n"), "address"),
        (lambda: AgentConfig("client", servers=[None]), "servers entry"),
        (lambda: WorkloadIdentity(aud=["consul.io"], ttl="1 hour"), "WorkloadIdentity.ttl"),
        (lambda: AgentTls(), "ca_file, cert_file, key_file"),
        (lambda: AgentTls(ca_file="/ca", cert_file="/c"), "cert_file and key_file"),
        (lambda: AgentTls(http=False, rpc=False, key_file="/k"), "cert_file and key_file"),
        (lambda: AgentTls(ca_file="/ca", cert_file="/c", key_file="/k", http=False,
                          verify_https_client=True), "verify_https_client"),
        (lambda: AgentTls(ca_file="", cert_file="/c", key_file="/k"), "AgentTls.ca_file"),
        (lambda: AgentTls(http="yes", ca_file="/ca", cert_file="/c", key_file="/k"),
         "AgentTls.http"),
    ],
)
def test_validation_names_the_field(build, field):
    with pytest.raises(ValueError, match=field):
        build()
