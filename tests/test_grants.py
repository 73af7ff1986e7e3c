"""Grants (issue 11 §2): a `Grantable` (a policy, a JWT role, an AppRole or cert auth role)
with a default policy, `grant_*` returning a `Grant` that says what was
granted to whom, and a policy frozen once its text was rendered at synth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdktf import App, TerraformStack, Testing
from cdktf_cdktf_provider_nomad.provider import NomadProvider
from cdktf_cdktf_provider_vault.provider import VaultProvider

from hashistack._cdktf import ConstructError
from hashistack.nomad import NomadJob
from hashistack.nomad.jobspec import Group, Job, Task
from hashistack.vault import (
    AppRole,
    AppRoleBackend,
    CertAuthBackend,
    CertAuthRole,
    KvV2,
    NomadWorkloadIdentity,
    VaultPolicy,
)
from hashistack.vault.grants import Grant, Grantable, grant
from hashistack.vault.policy import PathRule, PolicyDocument

ROOT = Path(__file__).resolve().parent.parent
JWKS = "https://nomad.example:4646/.well-known/jwks.json"
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _stack(app: App | None = None) -> TerraformStack:
    s = TerraformStack(app or Testing.app(), "lab")
    VaultProvider(s, "vault", address="http://127.0.0.1:8200")
    NomadProvider(s, "nomad", address="http://127.0.0.1:4646")
    return s


def _job(s: TerraformStack, name: str = "web") -> NomadJob:
    task = Task(name=name, config={"image": f"{name}:1"})
    return NomadJob(s, f"job-{name}", job=Job(name=name, groups=[Group(name=name, tasks=[task])]))


def _rules(policy: VaultPolicy) -> dict[str, tuple[str, ...]]:
    return {r.path: r.capabilities for r in policy.document.rules}


def test_a_grant_to_a_policy_says_what_went_to_whom():
    s = _stack()
    kv, policy = KvV2(s, "kv"), VaultPolicy(s, "p", name="app-web")
    granted = kv.grant_read(policy, "web")
    assert granted == Grant(grantee="app-web", grantee_kind="policy", policy="app-web",
                            paths=("secret/data/web",), capabilities=("read",))
    assert policy.grants == (granted,)
    assert _rules(policy) == {"secret/data/web": ("read",)}
    assert str(granted) == "read on secret/data/web to policy 'app-web' (policy 'app-web')"


def test_a_grant_to_a_jwt_role_adds_to_its_default_policy():
    s = _stack()
    kv = KvV2(s, "kv")
    first, second = VaultPolicy(s, "p1", name="app-web"), VaultPolicy(s, "p2", name="extra")
    wi = NomadWorkloadIdentity(s, "wi", jwks_url=JWKS)
    role = wi.add_job_role("web-role", job="web", policies=[first, second])
    assert role.default_policy is first
    listed = kv.grant_list(role, "web")
    assert listed == Grant(grantee="web-role", grantee_kind="jwt-role", policy="app-web",
                           paths=("secret/metadata/web",), capabilities=("list", "read"))
    assert first.grants == (listed,) and second.grants == ()
    assert _rules(first) == {"secret/metadata/web": ("read", "list")}  # canonical order
    assert not second.document.rules


def test_a_grant_to_an_approle_role_adds_to_its_first_policy_object():
    s = _stack()
    kv, policy = KvV2(s, "kv"), VaultPolicy(s, "p", name="app-web")
    role = AppRole(s, "agent", backend=AppRoleBackend(s, "approle"), role="vault-agent-web",
                   token_policies=["default", policy])
    assert role.token_policies == ["default", "app-web"]  # names, as the resource holds them
    written = kv.grant_write(role, "web")
    assert written == Grant(grantee="vault-agent-web", grantee_kind="approle-role",
                            policy="app-web", paths=("secret/data/web",),
                            capabilities=("create", "update", "read"))
    assert policy.grants == (written,)
    doc = json.loads(Testing.synth(s))
    (resource,) = doc["resource"]["vault_approle_auth_backend_role"].values()
    assert resource["token_policies"] == ["default", "app-web"]


def test_an_approle_role_holding_policies_by_name_only_cannot_take_a_grant():
    s = _stack()
    role = AppRole(s, "agent", backend=AppRoleBackend(s, "approle"), role="vault-agent-web",
                   token_policies=["app-web"])
    with pytest.raises(ConstructError, match=r"lab/agent: role 'vault-agent-web' holds its "
                                             r"policies by name only \(app-web\)"):
        KvV2(s, "kv").grant_read(role, "web")


def _cert_role(s: TerraformStack, policies) -> CertAuthRole:
    return CertAuthRole(s, "startup", backend=CertAuthBackend(s, "cert"), name="nomad_startup",
                        certificate=CA_PEM, token_policies=policies)


def test_a_grant_to_a_cert_auth_role_adds_to_its_first_policy_object():
    s = _stack()
    startup = VaultPolicy(s, "p", name="nomad_startup")
    role = _cert_role(s, [startup, "nomad-server"])
    assert role.token_policies == ["nomad_startup", "nomad-server"]
    granted = grant(role, "auth/token/revoke-accessor", "update")
    assert granted == Grant(grantee="nomad_startup", grantee_kind="cert-role",
                            policy="nomad_startup", paths=("auth/token/revoke-accessor",),
                            capabilities=("update",))
    assert _rules(startup) == {"auth/token/revoke-accessor": ("update",)}
    doc = json.loads(Testing.synth(s))
    (resource,) = doc["resource"]["vault_cert_auth_backend_role"].values()
    assert resource["token_policies"] == ["nomad_startup", "nomad-server"]


def test_a_cert_auth_role_holding_policies_by_name_only_cannot_take_a_grant():
    s = _stack()
    role = _cert_role(s, ["nomad_startup"])
    with pytest.raises(ConstructError, match=r"lab/startup: role 'nomad_startup' holds its "
                                             r"policies by name only \(nomad_startup\)"):
        KvV2(s, "kv").grant_read(role, "web")


def test_the_grantees_are_grantable_for_the_type_checker():
    s = _stack()
    policy = VaultPolicy(s, "p", name="app-web")
    wi = NomadWorkloadIdentity(s, "wi", jwks_url=JWKS)
    grantees: list[Grantable] = [
        policy,
        wi.add_job_role("web", job="web", policies=[policy]),
        AppRole(s, "agent", backend=AppRoleBackend(s, "approle"), role="a",
                token_policies=[policy]),
        _cert_role(s, [policy]),
    ]
    assert [g.grantee_kind for g in grantees] == ["policy", "jwt-role", "approle-role",
                                                  "cert-role"]
    assert all(g.default_policy is policy for g in grantees)


def test_something_that_is_not_grantable_is_refused():
    with pytest.raises(TypeError, match="cannot grant to str: expected a Grantable"):
        grant("app-web", "secret/data/web", "read")  # type: ignore[arg-type]


def test_use_secret_with_a_role_records_the_grant_on_the_roles_default_policy():
    s = _stack()
    kv, policy = KvV2(s, "kv"), VaultPolicy(s, "p", name="app-web")
    role = NomadWorkloadIdentity(s, "wi", jwks_url=JWKS).add_job_role(
        "app-web", job="web", policies=[policy])
    job = _job(s)
    granted = job.use_secret(kv, "web", {"DB_PASS": "password"}, role=role)
    assert granted == Grant(grantee="app-web", grantee_kind="jwt-role", policy="app-web",
                            paths=("secret/data/web",), capabilities=("read",))
    assert job.grants == (granted,) and policy.grants == (granted,)


def test_use_secret_with_a_policy_grants_to_the_policy():
    s = _stack()
    kv, policy = KvV2(s, "kv"), VaultPolicy(s, "p", name="app-web")
    job = _job(s)
    granted = job.use_secret(kv, "web", {"DB_PASS": "password"}, policy=policy)
    assert (granted.grantee_kind, granted.policy) == ("policy", "app-web")
    assert job.grants == (granted,) == policy.grants


def test_two_grantees_of_one_policy_each_declare_their_read_and_it_renders_once():
    s = _stack()
    kv, policy = KvV2(s, "kv"), VaultPolicy(s, "p", name="app-web")
    agent = AppRole(s, "agent", backend=AppRoleBackend(s, "approle"), role="vault-agent-web",
                    token_policies=[policy])
    role = NomadWorkloadIdentity(s, "wi", jwks_url=JWKS).add_job_role(
        "app-web", job="web", policies=[policy])
    kv.grant_read(agent, "web")
    text = policy.document.to_hcl()
    _job(s).use_secret(kv, "web", {"DB_PASS": "password"}, role=role)
    assert policy.document.to_hcl() == text  # the same rule: the text is unchanged
    assert [(g.grantee_kind, g.grantee) for g in policy.grants] == [
        ("approle-role", "vault-agent-web"), ("jwt-role", "app-web")]


def test_a_grant_after_synth_raises_naming_the_policy(tmp_path):
    app = App(outdir=str(tmp_path))
    s = _stack(app)
    kv, policy = KvV2(s, "kv"), VaultPolicy(s, "p", name="app-web")
    kv.grant_read(policy, "web")
    assert not policy.frozen
    app.synth()
    assert policy.frozen and policy.document.frozen
    late = r"lab/p: policy 'app-web' was rendered at synth; a change to path 'secret/data/late'"
    with pytest.raises(ConstructError, match=late):
        kv.grant_read(policy, "late")
    with pytest.raises(ConstructError, match=late):
        policy.add("secret/data/late", "read")
    with pytest.raises(ConstructError, match=late):
        policy.document.add("secret/data/late", ["read"])  # behind the construct's back too
    with pytest.raises(ConstructError, match="lab/p: .* a change to the document"):
        policy.document = PolicyDocument([PathRule("secret/data/late", ("read",))])
    assert _rules(policy) == {"secret/data/web": ("read",)}
    assert len(policy.grants) == 1  # the refused grant is not recorded


def test_a_late_grant_through_a_role_or_use_secret_raises_and_changes_nothing(tmp_path):
    app = App(outdir=str(tmp_path))
    s = _stack(app)
    kv, policy = KvV2(s, "kv"), VaultPolicy(s, "p", name="app-web")
    role = NomadWorkloadIdentity(s, "wi", jwks_url=JWKS).add_job_role(
        "app-web", job="web", policies=[policy])
    job = _job(s)
    job.use_secret(kv, "web", {"DB_PASS": "password"}, role=role)
    app.synth()
    with pytest.raises(ConstructError, match="lab/p: policy 'app-web' was rendered at synth"):
        kv.grant_read(role, "other")
    templates = list(job.task()[1].templates)
    # The job's own jobspec was rendered at synth too: it refuses first.
    with pytest.raises(ConstructError, match="lab/job-web: job 'web' was rendered at synth; "
                                             "use_secret now would never reach"):
        job.use_secret(kv, "other", {"X": "x"}, role=role)
    with pytest.raises(ConstructError, match="lab/job-web: job 'web' was rendered at synth; "
                                             "use_dynamic_secret now"):
        job.use_dynamic_secret(None, "ro", role=role)  # type: ignore[arg-type]
    assert job.task()[1].templates == templates and len(job.grants) == 1


def test_the_shipped_agent_role_and_job_each_declare_their_read(tmp_path):
    from stacks import build
    from stacks.config import load

    app = App(outdir=str(tmp_path))
    vault, _, nomad, *_ = build(app, load(ROOT / "environments" / "staging.toml"))
    policy = vault.app_policies["myapp"]
    assert [(g.grantee_kind, g.grantee, g.paths) for g in policy.grants] == [
        ("approle-role", "vault-agent-myapp", ("secret/data/myapp",)),
        ("jwt-role", "app-myapp", ("secret/data/myapp",)),
    ]
    assert nomad.jobs["myapp"].grants == policy.grants[1:]
    assert _rules(policy) == {"secret/data/myapp": ("read",)}


def test_a_role_cannot_widen_the_shared_workload_identity_policy():
    """The backend's default policy is every job's default login: a grant through
    one job's role would reach all of them. Granting to the policy itself is explicit."""
    s = _stack()
    kv = KvV2(s, "kv")
    wi = NomadWorkloadIdentity(s, "wi", jwks_url="https://nomad:4646/.well-known/jwks.json")
    role = wi.add_job_role("app-web", job="web", policies=[wi.policy])
    before = wi.policy.document.to_hcl()
    with pytest.raises(ConstructError, match=r"policy 'nomad-workloads' refuses a grant to "
                                             r"jwt-role 'app-web', which would reach every job"):
        kv.grant_read(role, "web")
    assert wi.policy.document.to_hcl() == before
    with pytest.raises(ConstructError, match="which would reach every job"):
        _job(s).use_secret(kv, "web", {"DB_PASS": "password"}, role=role)
    assert kv.grant_read(wi.policy, "shared").policy == "nomad-workloads"  # on purpose


def test_role_policies_cannot_be_swapped_behind_a_grant():
    s = _stack()
    wi = NomadWorkloadIdentity(s, "wi", jwks_url="https://nomad:4646/.well-known/jwks.json")
    role = wi.add_job_role("app-web", job="web", policies=[VaultPolicy(s, "p", name="app-web")])
    assert isinstance(role.policies, tuple)
    with pytest.raises(AttributeError):
        role.policies.insert(0, wi.policy)  # type: ignore[attr-defined]
