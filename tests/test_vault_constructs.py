"""Vault construct shells: the resources they make, and what they refuse."""

from __future__ import annotations

import json

import pytest
from cdktf import App, TerraformStack, Testing
from cdktf_cdktf_provider_vault.approle_auth_backend_role import ApproleAuthBackendRole
from cdktf_cdktf_provider_vault.audit import Audit
from cdktf_cdktf_provider_vault.cert_auth_backend_role import CertAuthBackendRole
from cdktf_cdktf_provider_vault.jwt_auth_backend import JwtAuthBackend
from cdktf_cdktf_provider_vault.jwt_auth_backend_role import JwtAuthBackendRole
from cdktf_cdktf_provider_vault.mount import Mount
from cdktf_cdktf_provider_vault.pki_secret_backend_root_cert import PkiSecretBackendRootCert
from cdktf_cdktf_provider_vault.policy import Policy
from cdktf_cdktf_provider_vault.provider import VaultProvider
from cdktf_cdktf_provider_vault.token_auth_backend_role import TokenAuthBackendRole

from hashistack.vault import (
    AppRole,
    AppRoleBackend,
    AuditDevice,
    CertAuthBackend,
    CertAuthRole,
    KvV2,
    NomadWorkloadIdentity,
    PkiHierarchy,
    TokenRole,
    VaultPolicy,
)
from hashistack.vault.cert_auth import read_ca_pem
from hashistack.vault.policy import PolicyDocument, PolicyError

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def stack() -> TerraformStack:
    s = TerraformStack(Testing.app(), "test")
    VaultProvider(s, "vault", address="http://127.0.0.1:8200")
    return s


def synth(s: TerraformStack) -> str:
    return Testing.synth(s)


def test_policy_renders_grants_added_after_construction():
    s = stack()
    kv = KvV2(s, "kv", path="secret")
    policy = VaultPolicy(s, "p", name="app-myapp")
    kv.grant_read(policy, "myapp")
    out = synth(s)
    assert Testing.to_have_resource_with_properties(
        out,
        Policy.TF_RESOURCE_TYPE,
        {
            "name": "app-myapp",
            "policy": 'path "secret/data/myapp" {\n  capabilities = ["read"]\n}\n',
        },
    )
    assert Testing.to_have_resource_with_properties(
        out, Mount.TF_RESOURCE_TYPE, {"path": "secret", "type": "kv", "options": {"version": "2"}}
    )


def test_kv_grants_use_data_and_metadata_paths():
    s = stack()
    kv = KvV2(s, "kv", path="kv", create_mount=False)
    policy = VaultPolicy(s, "p", name="p")
    kv.grant_list(policy, "team")
    kv.grant_write(policy, "team")
    text = json.loads(synth(s))["resource"]["vault_policy"]
    body = next(iter(text.values()))["policy"]
    doc = PolicyDocument.parse(body)
    assert {r.path: set(r.capabilities) for r in doc.rules} == {
        "kv/data/team": {"create", "read", "update"},
        "kv/metadata/team": {"list", "read"},
    }
    assert "vault_mount" not in json.loads(synth(s)).get("resource", {})


def test_empty_policy_fails_synth(tmp_path):
    app = App(outdir=str(tmp_path))
    s = TerraformStack(app, "test")
    VaultProvider(s, "vault", address="http://127.0.0.1:8200")
    VaultPolicy(s, "p", name="nothing")
    with pytest.raises(Exception, match="test/p.*grants nothing"):
        app.synth()


def test_bring_your_own_policy_is_parsed_and_checked():
    s = stack()
    VaultPolicy.from_hcl(s, "own", name="own", text='path "/secret/data/x" { policy = "read" }')
    assert Testing.to_have_resource_with_properties(
        synth(s),
        Policy.TF_RESOURCE_TYPE,
        {"policy": 'path "secret/data/x" {\n  capabilities = ["read", "list"]\n}\n'},
    )
    with pytest.raises(PolicyError):
        VaultPolicy.from_hcl(s, "bad", name="bad", text='path "a" { capabilities = ["fly"] }')
    # Vault reads `a*b` as a literal path; a policy author almost never means that.
    with pytest.raises(PolicyError):
        VaultPolicy.from_hcl(s, "odd", name="odd", text='path "a*b" { capabilities = ["read"] }')


def test_token_role_is_nomads_cluster_role():
    s = stack()
    TokenRole(s, "role", allowed_policies=["app-myapp"])
    assert Testing.to_have_resource_with_properties(
        synth(s),
        TokenAuthBackendRole.TF_RESOURCE_TYPE,
        {
            "role_name": "nomad-cluster",
            "disallowed_policies": ["nomad-server"],
            "orphan": True,
            "renewable": True,
            "token_period": 259200,
            "token_explicit_max_ttl": 0,
            "allowed_policies": ["app-myapp"],
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"renewable": False}, "renewable must be true"),
        ({"explicit_max_ttl": "1h"}, "token_explicit_max_ttl must be 0"),
        ({"period": 0}, "token_period must be positive"),
        ({"allowed_policies": ["nomad-server"]}, "must not be an allowed policy"),
    ],
)
def test_token_role_refuses_what_nomad_refuses(kwargs, message):
    with pytest.raises(ValueError, match=f"test/role: .*{message}"):
        TokenRole(stack(), "role", **kwargs)


def test_cert_auth_role_seed_003():
    s = stack()
    backend = CertAuthBackend(s, "cert")
    CertAuthRole(
        s,
        "startup",
        backend=backend,
        name="nomad_startup",
        certificate=PEM,
        token_policies=["nomad_startup", "nomad-server"],
        token_ttl="24h",
    )
    assert Testing.to_have_resource_with_properties(
        synth(s),
        CertAuthBackendRole.TF_RESOURCE_TYPE,
        {
            "name": "nomad_startup",
            "certificate": PEM,
            "token_policies": ["nomad_startup", "nomad-server"],
            "token_ttl": 86400,
        },
    )


def test_cert_auth_refuses_non_pem_and_private_keys(tmp_path):
    backend = CertAuthBackend(s := stack(), "cert")
    with pytest.raises(ValueError, match="not a PEM certificate"):
        CertAuthRole(s, "r", backend=backend, name="n", certificate="abc", token_policies=["p"])
    key = tmp_path / "ca.pem"
    key.write_text(PEM + "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ValueError, match=f"{key} holds a private key"):
        read_ca_pem(key)
    # Only CERTIFICATE blocks: a token line or an OpenSSH key beside the CA is refused.
    for extra in ("VAULT_TOKEN=hvs.CAESIJ0example\n",
                  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n"
                  "-----END OPENSSH PRIVATE KEY-----\n"):
        with pytest.raises(ValueError, match="holds (text outside them|a private key)"):
            CertAuthRole(s, f"r{len(extra)}", backend=backend, name="n",
                         certificate=PEM + extra, token_policies=["p"])
    two = tmp_path / "two.pem"
    two.write_text(PEM + "\n" + PEM)
    assert read_ca_pem(two) == PEM + "\n" + PEM
    with pytest.raises(ValueError, match="cannot read"):
        read_ca_pem(tmp_path / "missing.pem")


def test_pki_hierarchy_root_only_and_ttls_fit():
    s = stack()
    pki = PkiHierarchy(s, "pki", intermediate_ttl="8760h", root_ttl="87600h")
    out = synth(s)
    assert Testing.to_have_resource_with_properties(
        out,
        Mount.TF_RESOURCE_TYPE,
        {"path": "connect-root", "type": "pki", "max_lease_ttl_seconds": 315360000},
    )
    assert Testing.to_have_resource_with_properties(
        out,
        Mount.TF_RESOURCE_TYPE,
        {"path": "connect-intermediate", "type": "pki", "max_lease_ttl_seconds": 31536000},
    )
    assert Testing.to_have_resource_with_properties(
        out, PkiSecretBackendRootCert.TF_RESOURCE_TYPE, {"type": "internal"}
    )
    # Consul makes and rotates the intermediate: nothing here may touch it.
    assert "vault_pki_secret_backend_intermediate_set_signed" not in out
    assert "sys/mounts/connect-intermediate/tune" in pki.connect_ca_policy().to_hcl()
    with pytest.raises(ValueError, match="exceeds root_ttl"):
        PkiHierarchy(stack(), "pki", intermediate_ttl="87601h", root_ttl="87600h")


def test_workload_identity_defaults_match_nomad_setup_vault():
    s = stack()
    wi = NomadWorkloadIdentity(s, "wi", jwks_url="https://nomad:4646/.well-known/jwks.json")
    wi.add_job_role("app-myapp", job="myapp", policies=[VaultPolicy(s, "p", name="app-myapp")])
    out = synth(s)
    assert Testing.to_have_resource_with_properties(
        out,
        JwtAuthBackend.TF_RESOURCE_TYPE,
        {
            "path": "jwt-nomad",
            "default_role": "nomad-workloads",
            "jwt_supported_algs": ["RS256", "EdDSA"],
        },
    )
    common = {
        "role_type": "jwt",
        "bound_audiences": ["vault.io"],
        "user_claim": "/nomad_job_id",
        "user_claim_json_pointer": True,
        "token_type": "service",
        "token_explicit_max_ttl": 0,
        "token_period": 1800,
        "claim_mappings": {
            "nomad_namespace": "nomad_namespace",
            "nomad_job_id": "nomad_job_id",
            "nomad_task": "nomad_task",
        },
    }
    assert Testing.to_have_resource_with_properties(
        out,
        JwtAuthBackendRole.TF_RESOURCE_TYPE,
        {**common, "role_name": "nomad-workloads", "token_policies": ["nomad-workloads"]},
    )
    assert Testing.to_have_resource_with_properties(
        out,
        JwtAuthBackendRole.TF_RESOURCE_TYPE,
        {
            **common,
            "role_name": "app-myapp",
            "bound_claims": {"nomad_job_id": "myapp", "nomad_namespace": "default"},
        },
    )
    policy = json.loads(out)["resource"]["vault_policy"]
    [text] = [p["policy"] for p in policy.values() if p["name"] == "nomad-workloads"]
    assert "identity.entity.aliases.${vault_jwt_auth_backend." in text
    assert "metadata.nomad_job_id}}" in text


def test_approle_and_audit():
    s = stack()
    backend = AppRoleBackend(s, "approle")
    AppRole(
        s,
        "agent",
        backend=backend,
        role="vault-agent-myapp",
        token_policies=["app-myapp"],
        token_ttl="1h",
        token_max_ttl="4h",
    )
    AuditDevice(s, "audit", type="socket", socket_address="127.0.0.1:9090")
    out = synth(s)
    assert Testing.to_have_resource_with_properties(
        out,
        ApproleAuthBackendRole.TF_RESOURCE_TYPE,
        {
            "role_name": "vault-agent-myapp",
            "token_policies": ["app-myapp"],
            "token_ttl": 3600,
            "token_max_ttl": 14400,
            "bind_secret_id": True,
        },
    )
    assert 'secret_id"' not in out.replace("bind_secret_id", "")
    assert Testing.to_have_resource_with_properties(
        out,
        Audit.TF_RESOURCE_TYPE,
        {"type": "socket", "options": {"address": "127.0.0.1:9090", "socket_type": "tcp"}},
    )
    with pytest.raises(ValueError, match="exceeds token_max_ttl"):
        AppRole(
            s,
            "bad",
            backend=backend,
            role="r",
            token_policies=["p"],
            token_ttl="5h",
            token_max_ttl="1h",
        )
    with pytest.raises(ValueError, match="socket audit needs socket_address"):
        AuditDevice(s, "a2", type="socket")


@pytest.mark.parametrize("path", ["/secret/", "secret/", "se cret", "", "a//b"])
def test_kv_refuses_a_path_that_is_not_a_mount(path):
    with pytest.raises(ValueError, match="test/kv: path .* is not a mount path"):
        KvV2(stack(), "kv", path=path)


@pytest.mark.parametrize("url", [None, "nomad:4646", "ftp://nomad/jwks", "https://"])
def test_workload_identity_needs_a_jwks_url(url):
    with pytest.raises(ValueError, match="test/wi: jwks_url .* is not a URL"):
        NomadWorkloadIdentity(stack(), "wi", jwks_url=url)


def test_a_second_role_of_the_same_name_is_refused_by_name():
    s = stack()
    wi = NomadWorkloadIdentity(s, "wi", jwks_url="https://nomad:4646/.well-known/jwks.json")
    policy = VaultPolicy(s, "p", name="app")
    wi.add_job_role("app", job="a", policies=[policy])
    with pytest.raises(ValueError, match="test/wi: role 'app' is already defined"):
        wi.add_job_role("app", job="b", policies=[policy])


@pytest.mark.parametrize(("tier", "protect", "guarded"), [
    ("prod", None, True), ("dev", None, False), ("prod", False, False), ("dev", True, True)])
def test_stateful_constructs_are_guarded_as_the_tier_says(tmp_path, tier, protect, guarded):
    from hashistack.checks import declare_environment

    app = App(outdir=str(tmp_path))
    s = TerraformStack(app, "lab")
    VaultProvider(s, "vault", address="https://vault:8200")
    declare_environment(s, environment="lab", tier=tier)
    KvV2(s, "kv", protect=protect)
    PkiHierarchy(s, "pki", protect=protect)
    AuditDevice(s, "audit", protect=protect)
    app.synth()
    out = json.loads((tmp_path / "stacks" / "lab" / "cdk.tf.json").read_text())
    kinds = ("vault_mount", "vault_pki_secret_backend_root_cert", "vault_audit")
    flags = [body.get("lifecycle", {}).get("prevent_destroy", False)
             for kind in kinds for body in out["resource"][kind].values()]
    assert len(flags) == 5 and all(f is guarded for f in flags)
