"""hashistack.review.resources: what two synth outputs create, change, replace, destroy."""

from __future__ import annotations

import copy
import json

from hashistack.review.model import AttributeChange
from hashistack.review.resources import REPLACE_ON_CHANGE, diff_resources, mask
from tests.conftest import ROOT, synth_environments

TOKEN = "hvs.CAESIJ3kq9Zx7Yb2W5dLmNpQrStUvWx"  # a Vault service token's shape
SECRET_ID = "6f1c2b9e-0d7a-4e5b-9c3f-2a8d1e4b7c60"


def meta(path: str) -> dict:
    return {"metadata": {"path": path, "uniqueId": path.rsplit("/", 1)[-1]}}


def stack(env: str, resources: dict, **top) -> dict:
    return {"//": {"hashistack": {"environment": env}, "metadata": {"version": "0.21.0"}},
            "resource": resources, **top}


def vault_doc(env: str = "dev") -> dict:
    return stack(env, {
        "vault_mount": {
            "kv_mount_1": {"//": meta(f"{env}-vault/kv/mount"), "path": "secret", "type": "kv",
                           "options": {"version": "2"}, "lifecycle": {"prevent_destroy": True}},
            "pki_root_2": {"//": meta(f"{env}-vault/pki/root"), "path": "connect-root",
                           "type": "pki"},
        },
        "vault_pki_secret_backend_root_cert": {
            "pki_root-ca_3": {"//": meta(f"{env}-vault/pki/root-ca"),
                              "backend": "${vault_mount.pki_root_2.path}",
                              "common_name": "Consul Connect Root CA", "key_type": "ec",
                              "ttl": "315360000", "type": "internal"},
        },
        "vault_audit": {
            "audit_4": {"//": meta(f"{env}-vault/audit/device"), "path": "file", "type": "file",
                        "options": {"file_path": "/var/log/vault/audit.log"},
                        "lifecycle": {"prevent_destroy": True}},
        },
        "vault_policy": {
            "policy_5": {"//": meta(f"{env}-vault/policy"), "name": "app-myapp",
                         "policy": 'path "secret/data/myapp/*" {\n  capabilities = ["read"]\n}\n'},
        },
    })


def by_address(changes):
    return {c.address: c for c in changes}


def test_identical_inputs_have_no_changes():
    assert diff_resources({"dev-vault": vault_doc()}, {"dev-vault": vault_doc()}) == []


def test_create_update_delete():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    res = head["dev-vault"]["resource"]
    res["vault_policy"]["policy_5"]["policy"] = 'path "secret/data/myapp/*" {}\n'
    res["vault_policy"]["policy_6"] = {"//": meta("dev-vault/other"), "name": "other",
                                       "policy": ""}
    del res["vault_audit"]
    got = by_address(diff_resources(base, head))
    assert {a: c.action for a, c in got.items()} == {
        "vault_audit.audit_4": "delete",
        "vault_policy.policy_5": "update",
        "vault_policy.policy_6": "create",
    }
    update = got["vault_policy.policy_5"]
    assert update.attributes == (AttributeChange(
        "policy", 'path "secret/data/myapp/*" {\n  capabilities = ["read"]\n}\n',
        'path "secret/data/myapp/*" {}\n', False),)
    assert update.environment == "dev" and update.stack == "dev-vault"
    assert update.construct_path == "dev-vault/policy"
    assert got["vault_audit.audit_4"].construct_path == "dev-vault/audit/device"
    assert all(c.source == "synth" and c.renamed_to is None for c in got.values())


def test_pki_common_name_change_replaces_the_root_certificate():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    cert = head["dev-vault"]["resource"]["vault_pki_secret_backend_root_cert"]["pki_root-ca_3"]
    cert["common_name"] = "Connect Root CA 2"
    cert["ttl"] = "3153600"
    (change,) = diff_resources(base, head)
    assert change.action == "replace"
    assert change.attributes == (
        AttributeChange("common_name", "Consul Connect Root CA", "Connect Root CA 2", True),
        AttributeChange("ttl", "315360000", "3153600", False),  # ttl is not ForceNew
    )


def test_ttl_alone_is_an_update():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    head["dev-vault"]["resource"]["vault_pki_secret_backend_root_cert"]["pki_root-ca_3"][
        "ttl"] = "1"
    assert [c.action for c in diff_resources(base, head)] == ["update"]


def test_nested_attribute_of_a_force_new_map_replaces_the_audit_device():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    head["dev-vault"]["resource"]["vault_audit"]["audit_4"]["options"]["file_path"] = "/x.log"
    (change,) = diff_resources(base, head)
    assert change.action == "replace"
    assert change.attributes == (
        AttributeChange("options.file_path", "/var/log/vault/audit.log", "/x.log", True),)


def test_mount_path_remounts_but_type_replaces():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    head["dev-vault"]["resource"]["vault_mount"]["kv_mount_1"]["path"] = "kv"
    head["dev-vault"]["resource"]["vault_mount"]["pki_root_2"]["type"] = "kv"
    got = by_address(diff_resources(base, head))
    assert got["vault_mount.kv_mount_1"].action == "update"  # resource_mount.go remounts
    assert got["vault_mount.pki_root_2"].action == "replace"


def test_auth_backend_path_replaces_only_with_disable_remount():
    def doc(path, **extra):
        return {"dev-vault": stack("dev", {"vault_auth_backend": {
            "approle_1": {"path": path, "type": "approle", **extra}}})}

    (moved,) = diff_resources(doc("approle"), doc("agents"))
    assert moved.action == "update"
    (forced,) = diff_resources(doc("approle", disable_remount=True),
                               doc("agents", disable_remount=True))
    assert forced.action == "replace"
    assert forced.attributes[0] == AttributeChange("path", "approle", "agents", True)


def test_secrets_engine_mount_paths_remount_like_auth_backends():
    def doc(rtype, field, value, **extra):
        return {"dev-vault": stack("dev", {rtype: {"engine_1": {field: value, **extra}}})}

    for rtype, field in (("vault_consul_secret_backend", "path"),
                         ("vault_nomad_secret_backend", "backend")):
        (moved,) = diff_resources(doc(rtype, field, "a"), doc(rtype, field, "b"))
        assert moved.action == "update", rtype
        (forced,) = diff_resources(doc(rtype, field, "a", disable_remount=True),
                                   doc(rtype, field, "b", disable_remount=True))
        assert forced.action == "replace", rtype


def test_secrets_engine_roles_replace_on_their_names():
    def doc(rtype, **body):
        return {"dev-vault": stack("dev", {rtype: {"role_1": body}})}

    (ttl,) = diff_resources(doc("vault_nomad_secret_role", backend="nomad", role="ci", ttl=1),
                            doc("vault_nomad_secret_role", backend="nomad", role="ci", ttl=2))
    assert ttl.action == "update"
    (renamed,) = diff_resources(doc("vault_nomad_secret_role", backend="nomad", role="ci"),
                                doc("vault_nomad_secret_role", backend="nomad", role="cd"))
    assert renamed.action == "replace"
    (policy,) = diff_resources(doc("vault_consul_secret_backend_role", name="agent",
                                   consul_policies=["a"]),
                               doc("vault_consul_secret_backend_role", name="agent",
                                   consul_policies=["b"]))
    assert policy.action == "update"


def test_database_mount_replaces_when_an_engine_goes_or_is_renamed():
    def doc(*names):
        engines = [{"name": n, "connection_url": "x"} for n in names]
        return {"dev-vault": stack("dev", {"vault_database_secrets_mount": {
            "db_1": {"path": "database", "postgresql": engines}}})}

    (added,) = diff_resources(doc("a"), doc("a", "b"))
    assert added.action == "update"
    (dropped,) = diff_resources(doc("a", "b"), doc("a"))
    assert dropped.action == "replace"
    (renamed,) = diff_resources(doc("a"), doc("c"))
    assert renamed.action == "replace"


def test_nomad_job_jobspec_is_an_update_unless_the_job_identity_changes():
    def doc(spec):
        return {"dev-nomad": stack("dev", {"nomad_job": {"myapp_1": {"jobspec": spec}}})}

    v1 = 'job "myapp" {\n  type = "service"\n}\n'
    v2 = 'job "myapp" {\n  type = "batch"\n}\n'
    moved_ns = 'job "myapp" {\n  namespace = "apps"\n  type = "service"\n}\n'
    renamed = 'job "myapp2" {\n  type = "service"\n}\n'
    assert [c.action for c in diff_resources(doc(v1), doc(v2))] == ["update"]
    assert [c.action for c in diff_resources(doc(v1), doc(moved_ns))] == ["replace"]
    assert [c.action for c in diff_resources(doc(v1), doc(renamed))] == ["replace"]


def test_prevent_destroy_removed_is_a_lifecycle_attribute_change():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    del head["dev-vault"]["resource"]["vault_mount"]["kv_mount_1"]["lifecycle"]
    (change,) = diff_resources(base, head)
    assert change.action == "update"
    assert change.attributes == (AttributeChange("lifecycle.prevent_destroy", True, None),)


def test_metadata_only_changes_are_not_changes():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    body = head["dev-vault"]["resource"]["vault_policy"]["policy_5"]
    body["//"] = {"metadata": {"path": "dev-vault/elsewhere"},
                  "hashistack_suppressions": [{"rule": "HS-X", "reason": "r" * 12}]}
    assert diff_resources(base, head) == []


def test_construct_id_rename_is_a_delete_and_a_create_reported_as_a_rename():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    res = head["dev-vault"]["resource"]
    # The PKI construct renamed: mount and certificate get new addresses; the
    # certificate's backend now references the renamed mount.
    res["vault_mount"]["ca_root_9"] = res["vault_mount"].pop("pki_root_2")
    cert = res["vault_pki_secret_backend_root_cert"].pop("pki_root-ca_3")
    cert["backend"] = "${vault_mount.ca_root_9.path}"
    res["vault_pki_secret_backend_root_cert"]["ca_root-ca_8"] = cert
    got = by_address(diff_resources(base, head))
    assert {a: (c.action, c.renamed_from, c.renamed_to) for a, c in got.items()} == {
        "vault_mount.pki_root_2": ("delete", None, "vault_mount.ca_root_9"),
        "vault_mount.ca_root_9": ("create", "vault_mount.pki_root_2", None),
        "vault_pki_secret_backend_root_cert.pki_root-ca_3": (
            "delete", None, "vault_pki_secret_backend_root_cert.ca_root-ca_8"),
        "vault_pki_secret_backend_root_cert.ca_root-ca_8": (
            "create", "vault_pki_secret_backend_root_cert.pki_root-ca_3", None),
    }


def test_a_different_body_is_not_a_rename():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    res = head["dev-vault"]["resource"]["vault_policy"]
    res["policy_7"] = res.pop("policy_5")
    res["policy_7"]["name"] = "app-other"
    got = diff_resources(base, head)
    assert [(c.action, c.renamed_from, c.renamed_to) for c in got] == [
        ("delete", None, None), ("create", None, None)]


def test_reference_that_follows_a_rename_does_not_force_replacement():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    res = head["dev-vault"]["resource"]
    res["vault_mount"]["ca_root_9"] = res["vault_mount"].pop("pki_root_2")
    res["vault_pki_secret_backend_root_cert"]["pki_root-ca_3"]["backend"] = (
        "${vault_mount.ca_root_9.path}")
    got = by_address(diff_resources(base, head))
    cert = got["vault_pki_secret_backend_root_cert.pki_root-ca_3"]
    assert cert.action == "update"
    assert cert.attributes == (AttributeChange(
        "backend", "${vault_mount.pki_root_2.path}", "${vault_mount.ca_root_9.path}", False),)


def test_moved_block_makes_a_rename_an_update():
    base = {"dev-vault": vault_doc()}
    head = copy.deepcopy(base)
    res = head["dev-vault"]["resource"]["vault_mount"]
    res["store_mount_7"] = res.pop("kv_mount_1")
    # What cdktf 0.21 writes for moveFromId / moveTo (synthesized and checked).
    head["dev-vault"]["moved"] = [{"from": "vault_mount.kv_mount_1",
                                   "to": "vault_mount.store_mount_7"}]
    (change,) = diff_resources(base, head)
    assert (change.action, change.address, change.renamed_from, change.attributes) == (
        "update", "vault_mount.store_mount_7", "vault_mount.kv_mount_1", ())


def test_masking_keeps_secrets_out_of_every_record():
    base = {"dev-nomad": stack("dev", {
        "nomad_job": {"myapp_1": {"jobspec": 'job "myapp" {\n  type = "service"\n}\n'}},
        "vault_approle_auth_backend_role_secret_id": {"sid_1": {"role_name": "agent"}},
        "vault_approle_auth_backend_role": {"role_1": {"role_name": "agent",
                                                       "bind_secret_id": True}},
    })}
    head = copy.deepcopy(base)
    res = head["dev-nomad"]["resource"]
    res["nomad_job"]["myapp_1"]["jobspec"] = (
        f'job "myapp" {{\n  type = "service"\n  meta {{\n    t = "{TOKEN}"\n'
        f'    DB_PASSWORD = "hunter2-but-longer"\n  }}\n}}\n')
    res["vault_approle_auth_backend_role_secret_id"]["sid_1"]["secret_id"] = SECRET_ID
    res["vault_approle_auth_backend_role"]["role_1"]["bind_secret_id"] = False
    res["vault_approle_auth_backend_role"]["role_1"]["token_ttl"] = 60
    changes = diff_resources(base, head)
    text = repr(changes) + str(changes)
    assert TOKEN not in text and SECRET_ID not in text and "hunter2" not in text
    got = {(c.address, a.path): a for c in changes for a in c.attributes}
    assert got[("vault_approle_auth_backend_role_secret_id.sid_1", "secret_id")].after == (
        "(sensitive)")
    # Booleans and durations next to secret-named keys are not hidden.
    assert got[("vault_approle_auth_backend_role.role_1", "bind_secret_id")].after is False
    assert got[("vault_approle_auth_backend_role.role_1", "token_ttl")].after == 60
    jobspec = got[("nomad_job.myapp_1", "jobspec")].after
    assert 't = "(sensitive)"' in jobspec and 'DB_PASSWORD = "(sensitive)"' in jobspec
    assert 'type = "service"' in jobspec


def test_mask_private_keys_certificates_and_references():
    cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\nAAAA\n-----END CERTIFICATE-----\n"
    key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBase64Secret\n-----END EC PRIVATE KEY-----"
    shown = mask({"certificate": cert, "pem": key, "client_token": "${vault_token.t.client_token}",
                  "token": "literal", "password": 12345})
    assert "MIIBszCCAVmgAwIBAgIU" not in shown["certificate"]
    assert shown["certificate"].startswith("-----BEGIN CERTIFICATE----- (")
    assert "Base64Secret" not in shown["pem"] and "(sensitive)" in shown["pem"]
    assert shown["client_token"] == "${vault_token.t.client_token}"  # a reference, no secret
    assert shown["token"] == shown["password"] == "(sensitive)"
    assert mask(cert) != mask(cert.replace("AAAA", "BBBB"))  # a changed cert stays visible


def test_stable_order_by_environment_stack_address():
    def docs(order):
        out = {}
        for env in order:
            d = vault_doc(env)
            d["resource"] = dict(reversed(list(d["resource"].items())))
            out[f"{env}-vault"] = d
        return out

    base, head = docs(["prod", "dev"]), docs(["dev", "prod"])
    for d in head.values():
        d["resource"]["vault_audit"]["audit_4"]["path"] = "file2"
        del d["resource"]["vault_policy"]
        d["resource"]["vault_mount"]["pki_root_2"]["description"] = "x"
    got = diff_resources(base, head)
    keys = [(c.environment, c.stack, c.address) for c in got]
    assert keys == sorted(keys)
    assert [k[0] for k in keys] == ["dev"] * 3 + ["prod"] * 3
    assert got == diff_resources(dict(reversed(list(base.items()))), head)


def test_environment_from_metadata_or_stack_name():
    doc = vault_doc("staging")
    bare = {"resource": doc["resource"]}
    got = diff_resources({}, {"a-vault": doc, "qa-vault": bare})
    assert {c.environment for c in got if c.stack == "a-vault"} == {"staging"}
    assert {c.environment for c in got if c.stack == "qa-vault"} == {"qa"}
    assert {c.action for c in got} == {"create"}


def test_every_synthesized_resource_type_has_a_replace_table(shipped, tmp_path_factory):
    examples = {}
    for example in sorted((ROOT / "examples").iterdir()):
        out = tmp_path_factory.mktemp(f"{example.name}.out")
        examples.update(synth_environments(example, out))
    types = {t for synth in (shipped[1], examples)
             for doc in synth.values() for t in doc.get("resource", {})}
    assert types and types <= set(REPLACE_ON_CHANGE), types - set(REPLACE_ON_CHANGE)


def test_real_synth_output(shipped):
    _, synth = shipped
    assert diff_resources(synth, copy.deepcopy(synth)) == []
    head = json.loads(json.dumps(synth))
    res = head["prod-vault"]["resource"]
    (cert,) = res["vault_pki_secret_backend_root_cert"].values()
    cert["common_name"] = "Consul Connect Root CA G2"
    kv = next(n for n, b in res["vault_mount"].items() if b["path"] == "secret")
    del res["vault_mount"][kv]
    audit = next(iter(res["vault_audit"]))
    res["vault_audit"]["renamed_device_0000"] = res["vault_audit"].pop(audit)
    got = [(c.stack, c.address, c.action, c.renamed_from, c.renamed_to)
           for c in diff_resources(synth, head)]
    cert_address = f"vault_pki_secret_backend_root_cert.{cert['//']['metadata']['uniqueId']}"
    assert got == sorted([
        ("prod-vault", f"vault_audit.{audit}", "delete", None,
         "vault_audit.renamed_device_0000"),
        ("prod-vault", "vault_audit.renamed_device_0000", "create", f"vault_audit.{audit}",
         None),
        ("prod-vault", f"vault_mount.{kv}", "delete", None, None),
        ("prod-vault", cert_address, "replace", None, None),
    ], key=lambda g: g[1])
