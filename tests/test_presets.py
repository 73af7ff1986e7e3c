"""Presets equal the documented policies (products.md), capability for capability."""

from __future__ import annotations

import pytest

from hashistack.vault import presets
from hashistack.vault.acl import Acl, Identity
from hashistack.vault.policy import PolicyDocument

CRUDL = ("create", "read", "update", "delete", "list")


def caps(doc: PolicyDocument) -> dict[str, tuple[str, ...]]:
    return {r.path: r.capabilities for r in doc.rules}


# products.md §1, NMD@v1.6.0 nomad-server-policy.hcl
NOMAD_SERVER = {
    "auth/token/create/nomad-cluster": ("update",),
    "auth/token/roles/nomad-cluster": ("read",),
    "auth/token/lookup-self": ("read",),
    "auth/token/revoke-accessor": ("update",),
    "sys/capabilities-self": ("update",),
    "auth/token/renew-self": ("update",),
}


def test_nomad_server_is_the_documented_policy():
    assert caps(presets.nomad_server()) == NOMAD_SERVER
    strict = presets.nomad_server(allow_unauthenticated=False)
    assert caps(strict) == {**NOMAD_SERVER, "auth/token/lookup": ("update",)}
    assert presets.nomad_server().name == "nomad-server"


def test_nomad_server_role_is_substituted():
    got = caps(presets.nomad_server("edge"))
    assert got["auth/token/create/edge"] == ("update",)
    assert got["auth/token/roles/edge"] == ("read",)
    assert not any("nomad-cluster" in p for p in got)
    with pytest.raises(ValueError, match="not a plain name"):
        presets.nomad_server("nomad-*")


def test_nomad_server_answers_the_documented_questions():
    acl = Acl.from_policies([presets.nomad_server()])
    assert acl.allows("auth/token/create/nomad-cluster", "update")
    assert not acl.allows("auth/token/create/other", "update")
    assert not acl.allows("auth/token/create-orphan", "update")
    assert acl.allows("auth/token/roles/nomad-cluster", "read")
    assert acl.allows("sys/capabilities-self", "update")
    assert not acl.allows("auth/token/lookup", "update")  # allow_unauthenticated = true
    for path in ("sys/seal", "sys/mounts", "sys/policies/acl/x", "secret/data/x"):
        assert acl.capabilities(path) == ["deny"]
    assert not acl.allows("auth/token/create/nomad-cluster", "sudo")


def test_nomad_server_hcl():
    assert presets.nomad_server().to_hcl().startswith(
        'path "auth/token/create/nomad-cluster" {\n  capabilities = ["update"]\n}\n\n'
    )


def test_nomad_startup_least_privilege():
    assert caps(presets.nomad_startup()) == {"auth/token/create-orphan": ("update", "sudo"),
                                             "auth/token/revoke-accessor": ("update",)}
    assert caps(presets.nomad_startup(period=False, revoke_previous=False)) == {
        "auth/token/create-orphan": ("update",)}
    acl = Acl.from_policies([presets.nomad_startup()])
    assert acl.allows("auth/token/create-orphan", "update")
    assert acl.allows("auth/token/create-orphan", "sudo")
    assert not acl.allows("auth/token/create", "update")
    assert not acl.allows("auth/token/create-orphan", "create")


def test_kv_v2():
    assert caps(presets.kv_v2_read("secret", "myapp")) == {"secret/data/myapp": ("read",)}
    paths = presets.kv_v2_paths("/kv/", "team/app")
    assert paths == ("kv/data/team/app", "kv/metadata/team/app", "kv/delete/team/app",
                     "kv/undelete/team/app", "kv/destroy/team/app")
    assert paths.data == "kv/data/team/app" and paths.metadata == "kv/metadata/team/app"
    acl = Acl.from_policies([presets.kv_v2_read("secret", "myapp")])
    assert acl.allows("secret/data/myapp", "read")
    assert acl.capabilities("secret/metadata/myapp") == ["deny"]
    assert acl.capabilities("secret/data/myapp/x") == ["deny"]
    with pytest.raises(ValueError):
        presets.kv_v2_read("secret", "app/*")


# products.md §3, WUD consul v1.21.x secure-mesh/certificate/vault.mdx
CONNECT_CA_VAULT = {
    "sys/mounts/pki": ("read",),
    "sys/mounts/pki_int": ("read",),
    "sys/mounts/pki_int/tune": ("update",),
    "pki/": ("read",),
    "pki/root/sign-intermediate": ("update",),
    "pki_int/*": CRUDL,
    "auth/token/renew-self": ("update",),
    "auth/token/lookup-self": ("read",),
}
CONNECT_CA_CONSUL = {
    "sys/mounts/pki": CRUDL,
    "sys/mounts/pki_int": CRUDL,
    "pki/*": CRUDL,
    "pki_int/*": CRUDL,
    "sys/mounts/pki_int/tune": ("update",),
    "auth/token/renew-self": ("update",),
    "auth/token/lookup-self": ("read",),
}


def test_connect_ca_sets():
    assert caps(presets.connect_ca("pki", "pki_int")) == CONNECT_CA_VAULT
    assert caps(presets.connect_ca("/pki/", "/pki_int", managed_by="consul")) == CONNECT_CA_CONSUL
    temp = caps(presets.connect_ca("pki", "pki_int", sign_self_issued=True))
    assert temp == {**CONNECT_CA_VAULT, "pki/root/sign-self-issued": ("update", "sudo")}
    with pytest.raises(ValueError, match="managed_by"):
        presets.connect_ca("pki", "pki_int", managed_by="nomad")


def test_connect_ca_answers():
    acl = Acl.from_policies([presets.connect_ca("pki", "pki_int")])
    assert acl.allows("pki_int/intermediate/generate/internal", "update")
    assert acl.allows("pki/root/sign-intermediate", "update")
    assert not acl.allows("pki/root/generate/internal", "update")  # root untouched
    assert acl.capabilities("pki/") == ["read"]
    assert acl.capabilities("sys/mounts/pki_int/tune") == ["update"]


def test_connect_ca_excess():
    documented = presets.connect_ca("pki", "pki_int")
    assert presets.within_connect_ca(documented, "pki", "pki_int")
    narrower = PolicyDocument().add("pki_int/issue/*", ["update"]).add("pki/", ["read"])
    narrower.add("sys/*", ["deny"])
    assert presets.within_connect_ca(narrower, "pki", "pki_int")
    wider = documented.merge(PolicyDocument().add("sys/mounts/*", ["read"])
                             .add("pki/root/sign-self-issued", ["sudo", "update"])
                             .add("pki_int/+/x", ["sudo"]))
    excess = presets.connect_ca_excess(wider, "pki", "pki_int")
    assert [r.path for r in excess] == ["pki/root/sign-self-issued", "pki_int/+/x",
                                        "sys/mounts/*"]
    assert presets.within_connect_ca(presets.connect_ca("pki", "pki_int", managed_by="consul"),
                                     "pki", "pki_int", managed_by="consul")
    assert not presets.within_connect_ca(
        presets.connect_ca("pki", "pki_int", managed_by="consul"), "pki", "pki_int")


ACC = "${vault_jwt_auth_backend.nomad.accessor}"
NS = f"{{{{identity.entity.aliases.{ACC}.metadata.nomad_namespace}}}}"
JOB = f"{{{{identity.entity.aliases.{ACC}.metadata.nomad_job_id}}}}"


def test_nomad_workloads_is_the_documented_policy():
    # products.md §2 (NMD integrations/vault/acl.mdx; terraform-vault-nomad-setup main.tf)
    doc = presets.nomad_workloads(ACC)
    assert caps(doc) == {
        f"secret/data/{NS}/{JOB}/*": ("read",),
        f"secret/data/{NS}/{JOB}": ("read",),
        f"secret/metadata/{NS}/*": ("list",),
        "secret/metadata/*": ("list",),
    }
    assert doc.name == "nomad-workloads"
    assert PolicyDocument.parse(doc.to_hcl()) == doc
    other = caps(presets.nomad_workloads("auth_jwt_d34481ad", kv_mount="kv"))
    assert "kv/metadata/*" in other and len(other) == 4


def test_nomad_workloads_answers():
    ident = Identity(alias_metadata={"nomad_namespace": "default", "nomad_job_id": "myapp",
                                     "nomad_task": "web"})
    acl = Acl.from_policies([presets.nomad_workloads(ACC)], ident)
    assert acl.capabilities("secret/data/default/myapp") == ["read"]
    assert acl.capabilities("secret/data/default/myapp/db") == ["read"]
    assert acl.capabilities("secret/data/default/other") == ["deny"]
    assert acl.capabilities("secret/data/prod/myapp") == ["deny"]
    assert acl.capabilities("secret/metadata/default/x") == ["list"]
    assert acl.capabilities("secret/metadata/prod/x") == ["list"]  # the documented 4th path
    assert not acl.allows("secret/data/default/myapp", "update")
    with pytest.raises(ValueError):
        presets.nomad_workloads("acc.with.dots")


@pytest.mark.parametrize(
    "doc",
    [presets.nomad_server(), presets.nomad_startup(), presets.kv_v2_read("secret", "a"),
     presets.connect_ca("pki", "pki_int"), presets.nomad_workloads(ACC)],
)
def test_presets_round_trip(doc):
    assert PolicyDocument.parse(doc.to_hcl()) == doc
