"""The Vault server config model (hashistack/vault/server_config.py), the
`[vault.cluster]` config (stacks/vault_cluster_config.py) and the files the
stacks render from it (stacks/vault_cluster.py): shapes, refusals, and
HashiCorp's parser over every file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from hashistack.errors import FieldError
from hashistack.hcl_read import read
from hashistack.vault.server_config import (
    AwsKmsSeal,
    AzureKeyVaultSeal,
    DeclaredAudit,
    GcpCkmsSeal,
    Listener,
    RetryJoin,
    TransitSeal,
    VaultServerConfig,
    supports_declarative_audit,
)
from stacks.config import ConfigError, Environment, load
from stacks.vault_cluster import audit_in_config, server_files
from tests.hashicorp_hcl import parse_many

ROOT = Path(__file__).resolve().parent.parent
TLS = {"tls_cert_file": "/etc/vault.d/tls/vault.pem", "tls_key_file": "/etc/vault.d/tls/key.pem"}
SEALS = [
    TransitSeal(address="https://seal.example.com:8200", key_name="unseal",
                tls_ca_cert="/etc/vault.d/tls/ca.pem"),
    AwsKmsSeal(region="eu-west-1", kms_key_id="alias/vault"),
    GcpCkmsSeal(project="p", region="global", key_ring="vault", crypto_key="unseal"),
    AzureKeyVaultSeal(tenant_id="t-1", vault_name="kv-vault", key_name="unseal"),
]


def config(**over) -> VaultServerConfig:
    kwargs = {
        "node_id": "vault-1",
        "api_addr": "https://vault-1.example.com:8200",
        "cluster_addr": "https://10.0.0.1:8201",
        "listener": Listener(**TLS),
        "retry_join": [RetryJoin("https://10.0.0.2:8200", "/etc/vault.d/tls/ca.pem",
                                 "vault-2.example.com")],
        **over,
    }
    return VaultServerConfig(**kwargs)


def test_renders_raft_listener_telemetry_and_mlock():
    doc = read(config(seal=SEALS[1]).to_hcl())
    raft = doc["storage"]["raft"]
    assert raft["node_id"] == "vault-1" and raft["path"] == "/opt/vault/data"
    assert raft["retry_join"] == {"leader_api_addr": "https://10.0.0.2:8200",
                                  "leader_ca_cert_file": "/etc/vault.d/tls/ca.pem",
                                  "leader_tls_servername": "vault-2.example.com"}
    listener = doc["listener"]["tcp"]
    assert listener["tls_cert_file"] == TLS["tls_cert_file"]
    assert listener["tls_min_version"] == "tls12" and "tls_disable" not in listener
    assert listener["telemetry"] == {"unauthenticated_metrics_access": False}
    assert doc["telemetry"] == {"prometheus_retention_time": "24h", "disable_hostname": True}
    assert doc["disable_mlock"] is True and doc["ui"] is True
    assert doc["seal"] == {"awskms": {"region": "eu-west-1", "kms_key_id": "alias/vault"}}


def test_openbao_has_no_mlock_setting():
    # OpenBao 2.0.0 removed mlock; it warns "unknown or unsupported field disable_mlock".
    assert "disable_mlock" not in read(config(product="openbao").to_hcl())


@pytest.mark.parametrize("seal", SEALS, ids=lambda s: type(s).__name__)
def test_seal_stanzas_hold_no_credentials(seal):
    text = config(seal=seal).to_hcl()
    body = next(iter(read(text)["seal"].values()))
    assert not {"token", "access_key", "secret_key", "credentials", "client_secret",
                "client_id"} & set(body)
    assert re.search(r"token|secret", text.split('seal "', 1)[1].split("}", 1)[0]) is None


def test_one_retry_join_per_peer():
    peers = [RetryJoin(f"https://10.0.0.{i}:8200") for i in (2, 3, 4, 5)]
    raft = read(config(retry_join=peers).to_hcl())["storage"]["raft"]
    assert [p["leader_api_addr"] for p in raft["retry_join"]] == [p.leader_api_addr
                                                                  for p in peers]


def test_declared_audit_for_openbao_only():
    audit = [DeclaredAudit("file", "file", {"file_path": "/var/log/vault/audit.log"})]
    doc = read(config(product="openbao", version="2.4.0", audit=audit).to_hcl())
    assert doc["audit"] == {"file": {"file": {"options": {
        "file_path": "/var/log/vault/audit.log"}}}}
    for product, version in (("vault", None), ("vault", "1.21.0"), ("openbao", "2.3.2")):
        with pytest.raises(FieldError, match="no `audit` stanza") as err:
            config(product=product, version=version, audit=audit)
        assert err.value.path == "VaultServerConfig.audit"
    assert supports_declarative_audit("openbao", None)
    assert not supports_declarative_audit("vault", None)


@pytest.mark.parametrize(("over", "path"), [
    ({"listener": Listener(tls_disable=True), "api_addr": "http://v:8200"},
     "VaultServerConfig.listener.tls_disable"),
    ({"api_addr": "http://vault-1.example.com:8200"}, "VaultServerConfig.api_addr"),
    ({"api_addr": "vault-1:8200"}, "VaultServerConfig.api_addr"),
    ({"api_addr": 8200}, "VaultServerConfig.api_addr"),
    ({"retry_join": [RetryJoin("http://10.0.0.2:8200")]}, "VaultServerConfig.retry_join"),
    ({"retry_join": "https://10.0.0.2:8200"}, "VaultServerConfig.retry_join"),
    ({"node_id": "vault 1"}, "VaultServerConfig.node_id"),
    ({"raft_path": "data"}, "VaultServerConfig.raft_path"),
    ({"prometheus_retention_time": "0s"}, "VaultServerConfig.prometheus_retention_time"),
    ({"product": "consul"}, "VaultServerConfig.product"),
    ({"seal": "shamir"}, "VaultServerConfig.seal"),
    ({"audit": [DeclaredAudit("file", "a", {"file_path": "/a"}),
                DeclaredAudit("file", "a", {"file_path": "/b"})], "product": "openbao"},
     "VaultServerConfig.audit"),
])
def test_refusals_name_the_field(over, path):
    with pytest.raises(FieldError) as err:
        config(**over)
    assert err.value.path == path


@pytest.mark.parametrize(("make", "path"), [
    (lambda: Listener(), "Listener.tls_cert_file"),
    (lambda: Listener(tls_cert_file="/c.pem"), "Listener.tls_key_file"),
    (lambda: Listener(**TLS, tls_min_version="tls11"), "Listener.tls_min_version"),
    (lambda: Listener(**TLS, address="0.0.0.0"), "Listener.address"),
    (lambda: RetryJoin("https://10.0.0.2:8200", leader_tls_servername="not a name"),
     "RetryJoin.leader_tls_servername"),
    (lambda: TransitSeal(address="https://s:8200", key_name="a/b"), "TransitSeal.key_name"),
    (lambda: TransitSeal(address="https://u:p@s:8200", key_name="k"), "TransitSeal.address"),
    (lambda: AwsKmsSeal(region="", kms_key_id="k"), "AwsKmsSeal.region"),
    (lambda: DeclaredAudit("syslog", "syslog"), "DeclaredAudit.type"),
])
def test_part_refusals_name_the_field(make, path):
    with pytest.raises(FieldError) as err:
        make()
    assert err.value.path == path


def test_tls_disable_in_dev_only():
    doc = read(config(listener=Listener(tls_disable=True), api_addr="http://127.0.0.1:8200",
                      retry_join=[], dev=True).to_hcl())
    assert doc["listener"]["tcp"]["tls_disable"] is True
    assert "tls_cert_file" not in doc["listener"]["tcp"]


# [vault.cluster] ----------------------------------------------------------------

def env_data(name: str) -> dict:
    return tomllib.loads((ROOT / "environments" / f"{name}.toml").read_text()) | {"name": name}


def with_cluster(name: str, **cluster) -> dict:
    data = env_data(name)
    data["vault"]["cluster"] = {**data["vault"].get("cluster", {}), **cluster}
    return data


def nodes(n: int) -> list[dict]:
    return [{"name": f"vault-{i}.example.internal"} for i in range(1, n + 1)]


@pytest.mark.parametrize("count", [1, 2, 4, 6])
def test_prod_refuses_node_counts(count):
    with pytest.raises(ValueError, match=f"{count} node\\(s\\); prod takes 3 or 5"):
        Environment.model_validate(with_cluster("prod", nodes=nodes(count)))


@pytest.mark.parametrize(("tier", "count", "ok"), [
    ("prod", 3, True), ("prod", 5, True), ("staging", 1, True), ("staging", 3, True),
    ("staging", 5, True), ("staging", 2, False), ("staging", 7, False),
])
def test_node_counts_by_tier(tier, count, ok):
    data = with_cluster(tier, nodes=nodes(count))
    if ok:
        assert len(Environment.model_validate(data).vault.cluster.nodes) == count
    else:
        with pytest.raises(ValueError, match="raft needs a majority"):
            Environment.model_validate(data)


def test_load_names_the_file_and_field(tmp_path):
    text = (ROOT / "environments" / "prod.toml").read_text()
    bad = re.sub(r'  \{ name = "vault-[2-5]\.prod[^\n]*\n', "", text)
    assert bad != text
    (tmp_path / "prod.toml").write_text(bad)
    with pytest.raises(ConfigError, match=r"prod\.toml: vault\.cluster\.nodes: 1 node"):
        load(tmp_path / "prod.toml")
    bad = re.sub(r'  \{ name = "vault-5\.prod[^\n]*\n', "", text)
    (tmp_path / "prod.toml").write_text(bad)
    with pytest.raises(ConfigError, match=r"vault\.cluster\.nodes: 4 node\(s\); prod takes 3 "
                                          r"or 5 \(an even count"):
        load(tmp_path / "prod.toml")


def test_prod_refuses_shamir_and_says_why():
    with pytest.raises(ValueError, match="auto-unseal.*not Shamir.*stays sealed"):
        Environment.model_validate(with_cluster("prod", seal={"type": "shamir"}))
    # Staging may run Shamir (operators unseal by hand).
    env = Environment.model_validate(with_cluster("staging", seal={"type": "shamir"}))
    assert "seal" not in read(next(iter(server_files(env).values())))


@pytest.mark.parametrize("tier", ["staging", "prod"])
def test_tls_disable_refused_outside_dev(tier):
    with pytest.raises(ValueError, match="tls_disable must be false"):
        Environment.model_validate(with_cluster(tier, tls_disable=True))


@pytest.mark.parametrize(("seal", "match"), [
    ({"type": "transit", "address": "https://s:8200", "key_name": "k", "token": "s.x"},
     "token: unknown key|Extra inputs"),
    ({"type": "awskms", "region": "eu-west-1", "kms_key_id": "k", "secret_key": "x"},
     "Extra inputs"),
    ({"type": "pkcs11"}, "tag 'pkcs11'|does not match any of the expected tags"),
    ({"type": "gcpckms", "project": "p"}, "Field required"),
])
def test_seal_table_is_a_discriminated_union(seal, match):
    with pytest.raises(ValueError, match=match):
        Environment.model_validate(with_cluster("staging", seal=seal))


@pytest.mark.parametrize(("cluster", "match"), [
    ({"nodes": [{"name": "v.example"}, {"name": "V.example"}]}, "given more than once"),
    ({"nodes": [{"name": "bad name"}]}, "is not a DNS name"),
    ({"nodes": [{"name": "v", "address": "not an address!"}]}, "not a host name"),
    ({"api_port": 8201}, "must differ"),
    ({"prometheus_retention_time": "0s"}, "turns Prometheus metrics off"),
    ({"raft_path": "data"}, "absolute path"),
    ({"tls": {"min_version": "tls11"}}, "tls12"),
    ({"seal": {"type": "transit", "address": "http://seal:8200", "key_name": "k"}},
     "seal.address must use https in staging"),
])
def test_cluster_refusals(cluster, match):
    with pytest.raises(ValueError, match=match):
        Environment.model_validate(with_cluster("staging", **cluster))


def test_absent_cluster_renders_nothing():
    env = Environment.model_validate(env_data("dev"))
    assert env.vault.cluster is None and server_files(env) == {}


def test_stacks_render_a_file_per_node():
    env = load(ROOT / "environments" / "prod.toml")
    files = server_files(env)
    names = [n.name for n in env.vault.cluster.nodes]
    assert sorted(files) == sorted(f"vault-server-{n}.hcl" for n in names)
    for node in env.vault.cluster.nodes:
        doc = read(files[f"vault-server-{node.name}.hcl"])
        raft = doc["storage"]["raft"]
        assert raft["node_id"] == node.name
        assert doc["api_addr"] == f"https://{node.name}:8200"
        assert doc["cluster_addr"] == f"https://{node.address}:8201"
        joins = raft["retry_join"]
        assert len(joins) == len(names) - 1
        assert {j["leader_tls_servername"] for j in joins} == set(names) - {node.name}
        assert all(j["leader_ca_cert_file"] == env.vault.cluster.tls.ca_file for j in joins)
        assert doc["listener"]["tcp"]["tls_min_version"] == "tls13"
        assert "awskms" in doc["seal"]
        assert "audit" not in doc  # Vault: the vault_audit resource enables it


def test_openbao_declares_the_configured_audit_device():
    data = with_cluster("prod", product="openbao", version="2.5.0")
    data["vault"]["audit"] = {"type": "socket", "socket_address": "127.0.0.1:9090"}
    env = Environment.model_validate(data)
    assert audit_in_config(env)
    doc = read(next(iter(server_files(env).values())))
    assert doc["audit"] == {"socket": {"socket": {"options": {
        "address": "127.0.0.1:9090", "socket_type": "tcp"}}}}
    older = Environment.model_validate(with_cluster("prod", product="openbao",
                                                    version="2.3.2"))
    assert not audit_in_config(older)
    assert "audit" not in read(next(iter(server_files(older).values())))


def test_every_rendered_file_parses_with_hashicorps_parser():
    files = {}
    for name in ("staging", "prod"):
        files.update(server_files(load(ROOT / "environments" / f"{name}.toml")))
    for i, seal in enumerate(SEALS):
        files[f"seal-{i}.hcl"] = config(seal=seal).to_hcl()
    files["openbao.hcl"] = config(product="openbao", audit=[DeclaredAudit(
        "file", "file", {"file_path": "/var/log/vault/audit.log"}, "the audit log")]).to_hcl()
    files["dev.hcl"] = config(listener=Listener(tls_disable=True), dev=True,
                              api_addr="http://127.0.0.1:8200", retry_join=[]).to_hcl()
    assert len(files) >= 14
    for name, result in parse_many(files).items():
        assert "error" not in result, (name, result)
        assert result["ok"]["storage"], name
