"""hashistack.review.access: who gains and loses what between two synth outputs."""

from __future__ import annotations

import copy
import json

import pytest

from hashistack.checks import load_synth, run_checks
from hashistack.checks.env import group
from hashistack.review.access import diff_access, holders, sample, view
from hashistack.review.model import AccessChange, PolicyTextChange
from hashistack.vault import presets
from tests.test_checks_rules import ACCESSOR, JOBSPEC, base, res, set_job_vault, vault_res

ROLE = "JWT role app-myapp (auth/jwt-nomad)"
WORKLOADS = "JWT role nomad-workloads (auth/jwt-nomad)"
JOB = "Nomad job default/myapp (task app)"
CA = "AppRole consul-connect-ca (auth/approle)"


def policy(*rules: tuple[str, list[str]]) -> str:
    return "".join(f'path "{p}" {{\n  capabilities = {json.dumps(c)}\n}}\n\n' for p, c in rules)


def set_policy(synth, name: str, text: str) -> None:
    vault_res(synth, "vault_policy", name)["policy"] = text


def pair():
    synth, rendered = base()
    return synth, copy.deepcopy(synth), rendered


def by_identity(changes: list[AccessChange]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for c in changes:
        out.setdefault(c.identity, []).append((c.path, c.gained, c.lost, c.broadening))
    return out


def test_identical_inputs_have_no_changes():
    synth, rendered = base()
    assert diff_access(synth, copy.deepcopy(synth), rendered, rendered) == ([], [])


def test_identities_are_named_readably():
    synth, rendered = base()
    vault = synth["t-vault"]["resource"]
    vault["vault_token_auth_backend_role"] = {"nc": res(
        "vault/token-role", role_name="nomad-cluster", allowed_policies=["app-myapp"])}
    vault["vault_auth_backend"] = {"cert": res("vault/cert", type="cert", path="cert")}
    vault["vault_cert_auth_backend_role"] = {"startup": res(
        "vault/cert-role", name="nomad_startup", backend="${vault_auth_backend.cert.path}",
        token_policies=["consul-connect-ca"])}
    [env] = group(synth, rendered)
    assert [(h.kind, h.name, h.policies) for h in holders(env)] == [
        ("jwt_role", ROLE, ("app-myapp",)),
        ("jwt_role", WORKLOADS, ("nomad-workloads",)),
        ("approle_role", CA, ("consul-connect-ca",)),
        ("token_role", "token role nomad-cluster", ("app-myapp",)),
        ("cert_role", "cert role nomad_startup (auth/cert)", ("consul-connect-ca",)),
        ("nomad_job", JOB, ("app-myapp",)),
    ]


def test_sample_paths():
    assert sample("secret/data/*") == "secret/data/{any}"
    assert sample("secret/+/x") == "secret/{any}/x"
    assert sample("secret/+/app*") == "secret/{any}/app{any}"


def test_widened_policy_is_a_wider_glob():
    before, after, rendered = pair()
    set_policy(after, "app", policy(("secret/data/*", ["read"])))
    access, policies = diff_access(before, after, rendered, rendered)
    widened = [("secret/data/*", ("read",), (), ("new path", "wider glob"))]
    # Every identity holding app-myapp: its JWT role and the job's task token.
    assert by_identity(access) == {ROLE: widened, JOB: widened}
    assert all(a.environment == "t" for a in access)
    assert {a.kind for a in access} == {"jwt_role", "nomad_job"}
    assert policies == [PolicyTextChange("t", "app-myapp", True, held_by=(ROLE, JOB))]


def test_segment_wildcard_widening():
    before, after, rendered = pair()
    set_policy(after, "app", policy(("secret/data/myapp", ["read"]), ("secret/+/myapp", ["read"])))
    access, _ = diff_access(before, after, rendered, rendered)
    assert by_identity(access)[ROLE] == [
        ("secret/+/myapp", ("read",), (), ("new path", "wider glob"))]


def test_narrowed_policy_only_loses():
    before, after, rendered = pair()
    set_policy(before, "app", policy(("secret/data/*", ["read", "list"])))
    set_policy(after, "app", policy(("secret/data/myapp", ["read"])))
    access, policies = diff_access(before, after, rendered, rendered)
    assert access and all(a.lost and not a.gained and not a.broadening for a in access)
    assert by_identity(access)[ROLE] == [
        ("secret/data/*", (), ("read", "list"), ()),
        ("secret/data/myapp", (), ("list",), ()),  # the glob granted list there too
    ]
    assert policies == [PolicyTextChange("t", "app-myapp", True, held_by=(ROLE, JOB))]


def test_new_sudo_and_new_capability():
    before, after, rendered = pair()
    set_policy(after, "app", policy(("secret/data/myapp", ["read", "sudo"])))
    access, _ = diff_access(before, after, rendered, rendered)
    assert by_identity(access)[ROLE] == [("secret/data/myapp", ("sudo",), (), ("sudo",))]
    set_policy(after, "app", policy(("secret/data/myapp", ["read", "update", "sudo"])))
    access, _ = diff_access(before, after, rendered, rendered)
    assert by_identity(access)[ROLE] == [
        ("secret/data/myapp", ("update", "sudo"), (), ("new capability", "sudo"))]


def test_same_glob_more_capabilities_is_not_a_wider_glob():
    before, after, rendered = pair()
    set_policy(before, "app", policy(("secret/data/*", ["read"])))
    set_policy(after, "app", policy(("secret/data/*", ["read", "list"])))
    access, _ = diff_access(before, after, rendered, rendered)
    assert by_identity(access)[ROLE] == [
        ("secret/data/*", ("list",), (), ("new capability",))]


def test_new_app_is_a_new_identity():
    before, after, rendered = pair()
    vault = after["t-vault"]["resource"]
    vault["vault_policy"]["other"] = res("vault/policy-other", name="app-other",
                                         policy=policy(("secret/data/other", ["read"])))
    vault["vault_jwt_auth_backend_role"]["other"] = res(
        "vault/wi/role-other", backend="${vault_jwt_auth_backend.jwt.path}",
        role_name="app-other", role_type="jwt", bound_audiences=["vault.io"],
        bound_claims={"nomad_job_id": "other", "nomad_namespace": "default"},
        token_policies=["app-other"])
    after["t-nomad"]["resource"]["nomad_job"]["other"] = res(
        "nomad/job-other", jobspec=(JOBSPEC % {"vault": 'vault {\n role = "app-other"\n }'})
        .replace('"myapp"', '"other"').replace("secret/data/myapp", "secret/data/other"))
    access, policies = diff_access(before, after, rendered, rendered)
    new = [("secret/data/other", ("read",), (), ("new identity", "new path"))]
    assert by_identity(access) == {"JWT role app-other (auth/jwt-nomad)": new,
                                   "Nomad job default/other (task app)": new}
    assert policies == []  # a new policy is not a text change
    # ... and gone again: losses only.
    access, _ = diff_access(after, before, rendered, rendered)
    assert {a.identity for a in access} == {"JWT role app-other (auth/jwt-nomad)",
                                            "Nomad job default/other (task app)"}
    assert all(a.lost == ("read",) and not a.gained and not a.broadening for a in access)


def test_reformatted_policy_changes_no_access():
    before, after, rendered = pair()
    doc = presets.nomad_workloads(ACCESSOR)
    rules = list(reversed(doc.rules))
    text = "\n".join(  # reordered, HCL written another way, a redundant block split in two
        f'path "{r.path}" {{ capabilities = [{", ".join(repr(c).replace(chr(39), chr(34)) for c in r.capabilities)}] }}'  # noqa: E501
        for r in rules)
    first = rules[0]
    text += f'\n# split\npath "{first.path}" {{\n capabilities = ["{first.capabilities[0]}"]\n}}\n'
    set_policy(after, "wl", text)
    assert vault_res(before, "vault_policy", "wl")["policy"] != text
    access, policies = diff_access(before, after, rendered, rendered)
    assert access == []
    assert policies == [PolicyTextChange("t", "nomad-workloads", False, held_by=(WORKLOADS,))]


def test_text_change_masked_by_another_policy_is_not_effective():
    # The role's second policy already grants what the change adds: nobody's access moves.
    before, after, rendered = pair()
    for synth in (before, after):
        vault_res(synth, "vault_jwt_auth_backend_role", "app")["token_policies"] = [
            "app-myapp", "nomad-workloads"]
        set_job_vault(synth, 'vault {\n role = "app-myapp"\n }')
    set_policy(after, "app", policy(("secret/data/myapp", ["read"]),
                                    ("secret/metadata/*", ["list"])))
    access, policies = diff_access(before, after, rendered, rendered)
    assert access == []
    assert policies == [PolicyTextChange("t", "app-myapp", False, held_by=(ROLE, JOB))]


def test_unheld_policy_compares_its_own_rules():
    before, after, rendered = pair()
    for synth in (before, after):
        synth["t-vault"]["resource"]["vault_policy"]["srv"] = res(
            "vault/policy-srv", name="nomad-server", policy=policy(("auth/token/lookup", ["read"])))
    set_policy(after, "srv", policy(("auth/token/lookup", ["read", "update"])))
    _, policies = diff_access(before, after, rendered, rendered)
    assert policies == [PolicyTextChange("t", "nomad-server", True)]
    set_policy(after, "srv", '\n\npath "auth/token/lookup" {capabilities=["read"]}')
    _, policies = diff_access(before, after, rendered, rendered)
    assert policies == [PolicyTextChange("t", "nomad-server", False)]


def test_templated_paths_render_for_the_job_and_the_role():
    before, after, rendered = pair()
    for synth in (before, after):
        set_job_vault(synth, "vault {}")  # the backend's default_role: nomad-workloads
    ns_job = (f"{{{{identity.entity.aliases.{ACCESSOR}.metadata.nomad_namespace}}}}/"
              f"{{{{identity.entity.aliases.{ACCESSOR}.metadata.nomad_job_id}}}}")
    set_policy(after, "wl", presets.nomad_workloads(ACCESSOR).to_hcl()
               + policy((f"secret/data/{ns_job}/config", ["read", "update"])))
    access, policies = diff_access(before, after, rendered, rendered)
    grows = ("update",)
    assert by_identity(access) == {
        # For the role, claims it does not pin are placeholders.
        WORKLOADS: [("secret/data/{nomad_namespace}/{nomad_job_id}/config", grows, (),
                     ("new capability",))],
        # For the job, its own namespace and id.
        "Nomad job default/myapp (task app)": [
            ("secret/data/default/myapp/config", grows, (), ("new capability",))],
    }
    assert policies == [PolicyTextChange("t", "nomad-workloads", True, held_by=(WORKLOADS, JOB))]


def test_role_bound_to_another_job_gives_the_task_nothing():
    before, after, rendered = pair()
    vault_res(after, "vault_jwt_auth_backend_role", "app")["bound_claims"] = {
        "nomad_job_id": "elsewhere", "nomad_namespace": "default"}
    access, _ = diff_access(before, after, rendered, rendered)
    assert by_identity(access) == {JOB: [("secret/data/myapp", (), ("read",), ())]}


def test_template_moved_to_an_unreadable_path():
    # A checks finding (HS-VAULT-001), not an access change: the grants did not move.
    before, after, rendered = pair()
    job = after["t-nomad"]["resource"]["nomad_job"]["myapp"]
    job["jobspec"] = job["jobspec"].replace("secret/data/myapp", "secret/data/elsewhere")
    assert diff_access(before, after, rendered, rendered) == ([], [])
    assert {f.rule for f in run_checks(after, rendered).findings} == {"HS-VAULT-001"}
    [env] = group(after, rendered)
    [task] = [h for h in holders(env) if h.kind == "nomad_job"]
    acl = view(env, task).acl
    assert acl.allows("secret/data/myapp", "read")
    assert not acl.allows("secret/data/elsewhere", "read")


def test_unparsable_and_odd_input_do_not_crash():
    before, after, rendered = pair()
    set_policy(after, "app", 'path "secret/data/myapp" { capabilities = [')
    vault_res(after, "vault_jwt_auth_backend_role", "app")["token_policies"] = "app-myapp, nope"
    after["t-nomad"]["resource"]["nomad_job"]["myapp"]["jobspec"] = "${file(\"x.hcl\")}"
    access, policies = diff_access(before, after, rendered, rendered)
    # The policy Vault would refuse grants nothing (HS-VAULT-010 says so); the
    # job whose jobspec cannot be read is no longer an identity here.
    assert by_identity(access) == {
        ROLE: [("secret/data/myapp", (), ("read",), ())],
        JOB: [("secret/data/myapp", (), ("read",), ())],
    }
    assert policies == [PolicyTextChange("t", "app-myapp", True, held_by=(ROLE,))]


def test_environment_only_in_head_is_all_new():
    synth, rendered = base()
    access, policies = diff_access({}, synth, None, rendered)
    assert access and all("new identity" in a.broadening for a in access)
    assert {a.identity for a in access} == {ROLE, WORKLOADS, CA, JOB}
    assert policies == []


def test_order_is_stable():
    before, after, rendered = pair()
    set_policy(after, "app", policy(("secret/data/*", ["read"])))
    set_policy(after, "ca", policy(("connect-root/*", ["read"])))
    one, _ = diff_access(before, after, rendered, rendered)
    two, _ = diff_access(copy.deepcopy(before), copy.deepcopy(after), rendered, rendered)
    assert one == two
    kinds = [a.kind for a in one]
    assert kinds == sorted(kinds, key=["jwt_role", "approle_role", "nomad_job"].index)


# Real synth output ------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shipped):
    out, _ = shipped
    return load_synth(out)


def test_real_synth_unchanged_and_widened(real):
    synth, rendered = real
    assert diff_access(synth, synth, rendered, rendered) == ([], [])
    head = copy.deepcopy(synth)
    [app] = [b for b in head["prod-vault"]["resource"]["vault_policy"].values()
             if b["name"] == "app-myapp"]
    assert 'path "secret/data/myapp"' in app["policy"]
    app["policy"] = app["policy"].replace('"secret/data/myapp"', '"secret/data/*"')
    access, policies = diff_access(synth, head, rendered, rendered)
    assert {a.environment for a in access} == {"prod"}
    got = {(a.identity, a.path, a.gained, a.lost, a.broadening) for a in access}
    widened = (("read",), (), ("new path", "wider glob"))
    holders_of_app = {"JWT role app-myapp (auth/jwt-nomad)",
                      "AppRole vault-agent-myapp (auth/approle)",
                      "Nomad job default/myapp (task myapp)"}
    assert got == {(who, "secret/data/*", *widened) for who in holders_of_app}  # myapp kept
    assert [(p.environment, p.policy, p.effective, set(p.held_by)) for p in policies] == [
        ("prod", "app-myapp", True, holders_of_app)]


def test_real_synth_reformatted_policy(real):
    synth, rendered = real
    head = copy.deepcopy(synth)
    [wl] = [b for b in head["staging-vault"]["resource"]["vault_policy"].values()
            if b["name"] == "nomad-workloads"]
    blocks = [b for b in wl["policy"].split("\n\n") if b.strip()]
    wl["policy"] = "\n".join(reversed(blocks)).replace("  capabilities", "capabilities")
    access, policies = diff_access(synth, head, rendered, rendered)
    assert access == []
    assert [(p.environment, p.policy, p.effective) for p in policies] == [
        ("staging", "nomad-workloads", False)]


def test_role_bound_to_one_job_renders_its_claims():
    before, after, rendered = pair()
    ns_job = (f"{{{{identity.entity.aliases.{ACCESSOR}.metadata.nomad_namespace}}}}/"
              f"{{{{identity.entity.aliases.{ACCESSOR}.metadata.nomad_job_id}}}}")
    for synth in (before, after):
        vault_res(synth, "vault_jwt_auth_backend_role", "app")["claim_mappings"] = {
            "nomad_job_id": "nomad_job_id", "nomad_namespace": "nomad_namespace"}
    set_policy(after, "app", policy(("secret/data/myapp", ["read"]),
                                    (f"secret/kv/{ns_job}", ["read"])))
    access, _ = diff_access(before, after, rendered, rendered)
    # bound_claims pin the namespace and job: the role's view is the job's.
    new = [("secret/kv/default/myapp", ("read",), (), ("new path",))]
    assert by_identity(access) == {ROLE: new, JOB: new}


def test_globs_are_evaluated_at_the_pattern_and_at_a_path_it_covers():
    synth, rendered = base()
    set_policy(synth, "app", policy(("secret/+/myapp", ["read"]), ("secret/data/*", ["list"])))
    [env] = group(synth, rendered)
    [role] = [h for h in holders(env) if h.name == ROLE]
    assert sorted(view(env, role).paths) == [
        "secret/+/myapp", "secret/data/*", "secret/data/{any}", "secret/{any}/myapp"]


def test_new_glob_inside_an_old_one_is_not_wider():
    before, after, rendered = pair()
    set_policy(before, "app", policy(("secret/*", ["read"])))
    set_policy(after, "app", policy(("secret/*", ["read"]), ("secret/data/*", ["read", "update"])))
    access, _ = diff_access(before, after, rendered, rendered)
    assert by_identity(access)[ROLE] == [("secret/data/*", ("update",), (), ("new capability",))]
