"""Consul construct shells and the pure Connect CA config."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_consul.acl_auth_method import AclAuthMethod
from cdktf_cdktf_provider_consul.acl_binding_rule import AclBindingRule
from cdktf_cdktf_provider_consul.acl_policy import AclPolicy
from cdktf_cdktf_provider_consul.acl_role import AclRole
from cdktf_cdktf_provider_consul.certificate_authority import CertificateAuthority
from cdktf_cdktf_provider_consul.config_entry_service_intentions import (
    ConfigEntryServiceIntentions,
)
from cdktf_cdktf_provider_consul.provider import ConsulProvider

from hashistack.consul import (
    ConnectCa,
    DefaultDeny,
    NomadAgentPolicies,
    NomadWorkloadAuth,
    ServiceIntentions,
)
from hashistack.consul.acl_rules import nomad_agent_rules, nomad_task_rules
from hashistack.consul.connect_ca_config import VaultAuthMethod, VaultCaConfig, ttl_problems
from tests import hashicorp_hcl


class Pki:  # what ConnectCa reads from a PkiHierarchy, without the Vault provider
    root_path = "connect-root"
    intermediate_path = "connect-intermediate"
    root_ttl = "87600h"
    intermediate_ttl = "8760h"


APPROLE = VaultAuthMethod(
    type="approle",
    mount_path="approle",
    params={"role_id_file_path": "/run/secrets/vault/ca/role_id",
            "secret_id_file_path": "/run/secrets/vault/ca/secret_id"},
)


def stack() -> TerraformStack:
    s = TerraformStack(Testing.app(), "test")
    ConsulProvider(s, "consul", address="127.0.0.1:8500")
    return s


def test_connect_ca_config_json_wired_from_pki():
    s = stack()
    ConnectCa(
        s,
        "ca",
        vault_address="https://vault:8200",
        pki=Pki(),
        auth_method=APPROLE,
        ca_file="/ca.pem",
        protect=True,
    )
    out = json.loads(Testing.synth(s))
    ca = next(iter(out["resource"][CertificateAuthority.TF_RESOURCE_TYPE].values()))
    assert ca["connect_provider"] == "vault"
    assert ca["lifecycle"] == {"prevent_destroy": True}
    assert json.loads(ca["config_json"]) == {
        "Address": "https://vault:8200",
        "RootPKIPath": "connect-root",
        "IntermediatePKIPath": "connect-intermediate",
        "LeafCertTTL": "72h",
        "IntermediateCertTTL": "8760h",
        "RootCertTTL": "87600h",
        "PrivateKeyType": "ec",
        "PrivateKeyBits": 256,
        "CAFile": "/ca.pem",
        "AuthMethod": {
            "Type": "approle",
            "MountPath": "approle",
            "Params": {"role_id_file_path": "/run/secrets/vault/ca/role_id",
                       "secret_id_file_path": "/run/secrets/vault/ca/secret_id"},
        },
    }


@pytest.mark.parametrize(
    ("leaf", "intermediate", "root", "quote"),
    [
        ("30m", "8760h", "87600h", "leaf cert TTL must be greater or equal than 1h0m0s"),
        ("8761h", "87600h", "87600h", "leaf cert TTL must be less than 8760h0m0s"),
        ("1h", "2h", "87600h", "Intermediate Cert TTL must be greater or equal than 3h"),
        (
            "72h",
            "200h",
            "87600h",
            "Intermediate Cert TTL must be greater or equal than 3 * LeafCertTTL (>=216h)",
        ),
        ("72h", "8760h", "8000h", "root cert TTL ... greater than intermediate cert ttl"),
    ],
)
def test_consul_ttl_rules_quoted(leaf, intermediate, root, quote):
    problems = ttl_problems(leaf, intermediate, root)
    assert any(quote in p for p in problems), problems

    class Bad(Pki):
        root_ttl, intermediate_ttl = root, intermediate

    with pytest.raises(ValueError, match="test/ca: ") as err:
        ConnectCa(
            stack(),
            "ca",
            vault_address="https://v:8200",
            pki=Bad(),
            auth_method=APPROLE,
            leaf_cert_ttl=leaf,
        )
    assert quote in str(err.value)


def test_good_ttls_and_key_rules():
    assert ttl_problems("72h", "8760h", "87600h") == []
    assert ttl_problems("1h", "3h", "3h") == []
    assert "384" in ttl_problems("72h", "8760h", "87600h", "rsa", 384)[0]


def test_connect_ca_refuses_literal_token_and_missing_paths():
    with pytest.raises(ValueError, match="never a literal"):
        ConnectCa(stack(), "ca", vault_address="https://v:8200", pki=Pki(), token="hvs.abc")

    class NoPaths(Pki):
        root_path = ""

    with pytest.raises(ValueError, match="test/ca: pki has no root_path"):
        ConnectCa(stack(), "ca", vault_address="https://v:8200", pki=NoPaths(), auth_method=APPROLE)
    cfg = VaultCaConfig(address="a", root_pki_path="r", intermediate_pki_path="i")
    assert any("either provide a token or configure an auth method" in p for p in cfg.problems())
    with pytest.raises(ValueError, match="Consul supports approle"):
        VaultAuthMethod(type="userpass", mount_path="userpass")


def test_agent_policies_and_workload_auth():
    s = stack()
    NomadAgentPolicies(s, "agents")
    NomadWorkloadAuth(
        s,
        "wi",
        jwks_url="https://nomad:4646/.well-known/jwks.json",
        namespaces=["default", "batch"],
    )
    out = Testing.synth(s)
    assert Testing.to_have_resource_with_properties(
        out,
        AclPolicy.TF_RESOURCE_TYPE,
        {"name": "nomad-server", "rules": nomad_agent_rules(server=True)},
    )
    method = next(iter(json.loads(out)["resource"][AclAuthMethod.TF_RESOURCE_TYPE].values()))
    config = json.loads(method["config_json"])
    assert config["BoundAudiences"] == ["consul.io"] and config["JWTSupportedAlgs"] == ["RS256"]
    assert "MaxTokenTTL" not in config
    assert Testing.to_have_resource_with_properties(
        out,
        AclBindingRule.TF_RESOURCE_TYPE,
        {
            "bind_type": "service",
            "bind_name": "$${value.nomad_service}",
            "selector": '"nomad_service" in value',
        },
    )
    assert Testing.to_have_resource_with_properties(
        out,
        AclBindingRule.TF_RESOURCE_TYPE,
        {"bind_type": "role", "bind_name": "nomad-tasks-$${value.nomad_namespace}"},
    )
    assert Testing.to_have_resource_with_properties(
        out, AclRole.TF_RESOURCE_TYPE, {"name": "nomad-tasks-batch"}
    )


def test_acl_rules_parse_and_match_the_docs():
    parsed = hashicorp_hcl.parse_many(
        {
            "server.hcl": nomad_agent_rules(server=True),
            "client.hcl": nomad_agent_rules(server=False),
            "tasks.hcl": nomad_task_rules(),
        }
    )
    server, client = parsed["server.hcl"]["ok"], parsed["client.hcl"]["ok"]
    assert server["acl"] == "write" and server["mesh"] == "write"
    assert "acl" not in client and "mesh" not in client
    assert client["node_prefix"][""][0]["policy"] == "write"
    assert parsed["tasks.hcl"]["ok"]["key_prefix"][""][0]["policy"] == "read"


def test_intentions_default_deny_then_explicit_allows():
    s = stack()
    DefaultDeny(s, "deny")
    ServiceIntentions(s, "myapp", destination="myapp", allow_from=["web"])
    out = Testing.synth(s)
    assert Testing.to_have_resource_with_properties(
        out,
        ConfigEntryServiceIntentions.TF_RESOURCE_TYPE,
        {"name": "*", "sources": [{"name": "*", "action": "deny"}]},
    )
    assert Testing.to_have_resource_with_properties(
        out,
        ConfigEntryServiceIntentions.TF_RESOURCE_TYPE,
        {"name": "myapp", "sources": [{"name": "web", "action": "allow"}]},
    )
    with pytest.raises(ValueError, match="wildcard"):
        ServiceIntentions(s, "any", destination="myapp", allow_from=["*"])


@pytest.mark.parametrize("path", [
    "/etc/consul.d/vault-ca/role_id",  # the old default
    "/run/secrets",  # the directory itself, not a file in it
    "/run/secrets/../../etc/passwd",  # cleaned first, as Consul does
    "run/secrets/vault/role_id",  # relative
])
def test_approle_files_outside_consuls_allowed_directories_are_refused(path):
    with pytest.raises(ValueError, match=r"role_id_file_path: .*hashicorp/consul#23249|absolute"):
        VaultAuthMethod(type="approle", mount_path="approle",
                        params={"role_id_file_path": path})


@pytest.mark.parametrize("path", ["/var/run/secrets/vault/role_id", "/run/secrets/ca/role_id",
                                  "/run/secrets/vault/consul-ca/role_id"])
def test_approle_files_inside_consuls_allowed_directories(path):
    VaultAuthMethod(type="approle", mount_path="approle", params={"role_id_file_path": path})


def test_jwt_token_file_may_be_the_service_account_token():
    VaultAuthMethod(type="jwt", mount_path="jwt", params={
        "path": "/var/run/secrets/kubernetes.io/serviceaccount/token", "role": "ca"})
    with pytest.raises(ValueError, match="Params.path"):
        VaultAuthMethod(type="jwt", mount_path="jwt", params={"path": "/etc/jwt", "role": "ca"})
