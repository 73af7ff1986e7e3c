"""Each rule against small hand-made synth JSON: one clean base, one planted problem each."""

from __future__ import annotations

import copy

import pytest

from hashistack.checks import all_rules, run_checks
from hashistack.checks.facts.state import STATEFUL
from hashistack.vault import presets

JOBSPEC = """job "myapp" {
  namespace = "default"
  group "web" {
    task "app" {
      driver = "docker"
      config { image = "myapp:1" }
      template {
        data        = "{{ with secret \\"secret/data/myapp\\" }}P={{ .Data.data.pw }}{{ end }}"
        destination = "secrets/app.env"
        env         = true
      }
      %(vault)s
    }
  }
}
"""
ACCESSOR = "${vault_jwt_auth_backend.jwt.accessor}"
CA_CONFIG = ('{"Address": "https://vault:8200", "AuthMethod": {"Type": "approle", '
             '"MountPath": "approle", "Params": {"role_id_file_path": "/run/secrets/ca/r"}}, '
             '"RootPKIPath": "connect-root", "IntermediatePKIPath": "connect-intermediate", '
             '"LeafCertTTL": "24h", "IntermediateCertTTL": "2160h"}')
# Staging and prod agents have ACLs on (HS-NOMAD-010).
SERVER_HCL = 'server {\n  enabled = true\n}\nacl {\n  enabled = true\n}\n' \
             'vault {\n  enabled = true\n%s}\n'


def res(construct: str, **body) -> dict:
    return {"//": {"metadata": {"path": f"t-{construct}"}}, **body}


def base(tier: str = "prod", version: str = "1.10.0", integration: str = "workload-identity"):
    meta = {"hashistack": {"environment": "t", "tier": tier, "nomad_version": version,
                           "integration": integration, "suppressions": []}}
    vault = {
        "//": copy.deepcopy(meta),
        "provider": {"vault": [{"address": "https://vault:8200"}]},
        "resource": {
            "vault_audit": {"audit": res("vault/audit", type="file", path="file")},
            "vault_mount": {
                "root": res("vault/pki/root", path="connect-root", type="pki"),
                "int": res("vault/pki/int", path="connect-intermediate", type="pki"),
            },
            "vault_jwt_auth_backend": {"jwt": res(
                "vault/wi/backend", path="jwt-nomad", default_role="nomad-workloads",
                jwks_url="https://nomad:4646/.well-known/jwks.json")},
            "vault_jwt_auth_backend_role": {
                "app": res("vault/wi/role-app", backend="${vault_jwt_auth_backend.jwt.path}",
                           role_name="app-myapp", role_type="jwt", bound_audiences=["vault.io"],
                           bound_claims={"nomad_job_id": "myapp", "nomad_namespace": "default"},
                           claim_mappings={"nomad_job_id": "nomad_job_id"},
                           token_policies=["app-myapp"], token_period=1800,
                           token_explicit_max_ttl=0),
                "default": res("vault/wi/role", backend="${vault_jwt_auth_backend.jwt.path}",
                               role_name="nomad-workloads", role_type="jwt",
                               bound_audiences=["vault.io"],
                               claim_mappings={c: c for c in ("nomad_namespace", "nomad_job_id",
                                                              "nomad_task")},
                               token_policies=["nomad-workloads"], token_period=1800),
            },
            "vault_approle_auth_backend_role": {"ca": res(
                "vault/approle-ca", role_name="consul-connect-ca",
                token_policies=["consul-connect-ca"], token_period=259200,
                secret_id_bound_cidrs=["10.30.1.0/24"])},
            "vault_policy": {
                "app": res("vault/policy-app", name="app-myapp",
                           policy='path "secret/data/myapp" {\n  capabilities = ["read"]\n}\n'),
                "wl": res("vault/policy-wl", name="nomad-workloads",
                          policy=presets.nomad_workloads(ACCESSOR).to_hcl()),
                "ca": res("vault/policy-ca", name="consul-connect-ca",
                          policy=presets.connect_ca("connect-root",
                                                    "connect-intermediate").to_hcl()),
            },
        },
    }
    consul = {
        "//": copy.deepcopy(meta),
        "provider": {"consul": [{"address": "consul:8501", "scheme": "https"}]},
        "resource": {"consul_certificate_authority": {"ca": res(
            "consul/ca", connect_provider="vault", config_json=CA_CONFIG)}},
    }
    nomad = {
        "//": copy.deepcopy(meta),
        "provider": {"nomad": [{"address": "https://nomad:4646"}]},
        "resource": {"nomad_job": {"myapp": res(
            "nomad/job-myapp", jobspec=JOBSPEC % {"vault": 'vault {\n role = "app-myapp"\n }'})}},
    }
    synth = {"t-vault": vault, "t-consul": consul, "t-nomad": nomad}
    for doc in synth.values():  # guarded, as the constructs guard them in prod
        for kind in STATEFUL:
            for body in (doc["resource"].get(kind) or {}).values():
                body["lifecycle"] = {"prevent_destroy": True}
    rendered = {"t-nomad": {"nomad-server.hcl": SERVER_HCL % '  default_identity {\n'
                            '    aud = ["vault.io"]\n  }\n'}}
    return synth, rendered


def found(synth, rendered=None, level=None) -> set[tuple[str, str]]:
    report = run_checks(synth, rendered)
    return {(f.rule, f.resource) for f in report.findings if level in (None, f.level)}


def rules_of(synth, rendered=None) -> set[str]:
    return {r for r, _ in found(synth, rendered)}


def vault_res(synth, rtype, name):
    return synth["t-vault"]["resource"][rtype][name]


def set_job_vault(synth, block: str) -> None:
    synth["t-nomad"]["resource"]["nomad_job"]["myapp"]["jobspec"] = JOBSPEC % {"vault": block}


@pytest.mark.parametrize("tier", ["dev", "staging", "prod"])
def test_base_is_clean(tier):
    synth, rendered = base(tier)
    assert run_checks(synth, rendered).findings == []


def test_every_rule_is_documented():
    for r in all_rules().values():
        assert r.id.startswith("HS-") and r.level in ("error", "warning")
        assert len(r.explanation) > 40 and r.fix


# HS-VAULT-001 ------------------------------------------------------------------

def test_template_path_not_granted():
    synth, rendered = base()
    vault_res(synth, "vault_policy", "app")["policy"] = (
        'path "secret/data/other" {\n  capabilities = ["read"]\n}\n')
    report = run_checks(synth, rendered)
    [f] = report.findings
    assert (f.rule, f.resource, f.vault_path) == (
        "HS-VAULT-001", "nomad_job.myapp", "secret/data/myapp")
    assert "secrets/app.env" in f.message and "app-myapp" in f.message
    assert f.construct_path == "t-nomad/job-myapp"


def test_default_role_with_templated_policy_grants_own_path():
    synth, rendered = base()
    set_job_vault(synth, "vault {}")  # no role: the backend's default_role
    # nomad-workloads grants secret/data/<namespace>/<job>, not secret/data/myapp
    assert rules_of(synth, rendered) == {"HS-VAULT-001"}
    job = synth["t-nomad"]["resource"]["nomad_job"]["myapp"]
    job["jobspec"] = job["jobspec"].replace("secret/data/myapp", "secret/data/default/myapp")
    assert rules_of(synth, rendered) == set()


def test_task_without_vault_block():
    synth, rendered = base()
    set_job_vault(synth, "")
    assert rules_of(synth, rendered) == {"HS-VAULT-001"}


def test_unknown_role():
    synth, rendered = base()
    set_job_vault(synth, 'vault {\n role = "nope"\n }')
    assert rules_of(synth, rendered) == {"HS-VAULT-001"}


def test_legacy_policies():
    synth, rendered = base(version="1.9.7", integration="legacy")
    set_job_vault(synth, 'vault {\n policies = ["app-myapp"]\n }')
    assert rules_of(synth, rendered) == set()
    set_job_vault(synth, 'vault {\n policies = ["nomad-workloads"]\n }')
    assert rules_of(synth, rendered) == {"HS-VAULT-001"}  # templates never render for legacy


ALIAS_NAME = "{{identity.entity.aliases." + ACCESSOR + ".name}}"


@pytest.mark.parametrize("user_claim,pointer", [("/nomad_job_id", True), ("nomad_job_id", False)])
def test_alias_name_is_the_user_claim(user_claim, pointer):
    synth, rendered = base()
    role = vault_res(synth, "vault_jwt_auth_backend_role", "app")
    role.update(user_claim=user_claim, user_claim_json_pointer=pointer)
    vault_res(synth, "vault_policy", "app")["policy"] = (
        f'path "secret/data/{ALIAS_NAME}" {{\n  capabilities = ["read"]\n}}\n')
    assert found(synth, rendered) == set()  # the alias name is the job id: myapp
    role["user_claim"] = "/nomad_namespace" if pointer else "nomad_namespace"
    assert found(synth, rendered) == {("HS-VAULT-001", "nomad_job.myapp")}  # default != myapp


def test_alias_of_another_auth_mount_does_not_render():
    synth, rendered = base()
    vault_res(synth, "vault_jwt_auth_backend_role", "app").update(
        user_claim="/nomad_job_id", user_claim_json_pointer=True)
    synth["t-vault"]["resource"]["vault_jwt_auth_backend"]["humans"] = res(
        "vault/oidc", path="oidc", type="oidc", lifecycle={"prevent_destroy": True})
    other = ALIAS_NAME.replace("vault_jwt_auth_backend.jwt.", "vault_jwt_auth_backend.humans.")
    vault_res(synth, "vault_policy", "app")["policy"] = (
        f'path "secret/data/{other}" {{\n  capabilities = ["read"]\n}}\n')
    assert found(synth, rendered) == {("HS-VAULT-001", "nomad_job.myapp")}


def test_policy_named_by_reference():
    synth, rendered = base()
    role = vault_res(synth, "vault_jwt_auth_backend_role", "app")
    role["token_policies"] = ["${vault_policy.app.name}"]  # what cdktf writes for policy.name
    assert found(synth, rendered) == set()
    role["token_policies"] = ["${vault_policy.wl.name}"]
    report = run_checks(synth, rendered)
    [f] = report.findings
    assert f.rule == "HS-VAULT-001" and "[nomad-workloads]" in f.message


def test_role_named_by_reference():
    synth, rendered = base()
    set_job_vault(synth, 'vault {\n role = "${vault_jwt_auth_backend_role.app.role_name}"\n }')
    assert found(synth, rendered) == set()
    # Across stacks cdktf writes a remote-state output in the consumer stack.
    synth["t-vault"]["output"] = {"cross-stack-output-role": {
        "value": "${vault_jwt_auth_backend_role.app.role_name}", "sensitive": True}}
    set_job_vault(synth, 'vault {\n role = "${data.terraform_remote_state.'
                  'cross-stack-reference-input-t-vault.outputs.cross-stack-output-role}"\n }')
    assert found(synth, rendered) == set()
    vault_res(synth, "vault_policy", "app")["policy"] = (
        'path "secret/data/other" {\n  capabilities = ["read"]\n}\n')
    assert found(synth, rendered) == {("HS-VAULT-001", "nomad_job.myapp")}


# HS-VAULT-011 ------------------------------------------------------------------

AGENT_HCL = """vault {
  address = "https://vault:8200"
}

auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config     = {
      role_id_file_path = "/etc/vault-agent/myapp/role_id"
    }
  }
}

template {
  contents    = <<EOT
{{ with secret "secret/data/myapp" }}
DB_PASS={{ .Data.data.password }}
{{ end }}
EOT
  destination = "/etc/secrets/myapp.env"
}
"""
AGENT_EXEC_HCL = """auto_auth {
  method {
    type = "approle"
  }
}

env_template "DB_PASS" {
  contents = "{{ with secret \\"secret/data/myapp\\" }}{{ .Data.data.password }}{{ end }}"
}
"""


def agent_base(tier: str = "prod"):
    synth, rendered = base(tier)
    resources = synth["t-vault"]["resource"]
    resources["vault_auth_backend"] = {"approle": res("vault/approle", type="approle",
                                                       path="approle",
                                                       lifecycle={"prevent_destroy": True})}
    resources["vault_approle_auth_backend_role"]["agent"] = res(
        "vault/approle-agent", backend="${vault_auth_backend.approle.path}",
        role_name="vault-agent-myapp", token_policies=["app-myapp"],
        secret_id_bound_cidrs=["10.30.0.0/16"])
    rendered["t-nomad"]["vault-agent-myapp.hcl"] = AGENT_HCL
    rendered["t-nomad"]["vault-agent-myapp-exec.hcl"] = AGENT_EXEC_HCL
    return synth, rendered


def test_vault_agent_base_is_clean():
    synth, rendered = agent_base()
    assert run_checks(synth, rendered).findings == []


@pytest.mark.parametrize("fname", ["vault-agent-myapp.hcl", "vault-agent-myapp-exec.hcl"])
def test_vault_agent_template_not_granted(fname):
    synth, rendered = agent_base()
    rendered["t-nomad"][fname] = rendered["t-nomad"][fname].replace(
        "secret/data/myapp", "secret/data/other")
    report = run_checks(synth, rendered)
    [f] = report.findings
    assert (f.rule, f.level, f.resource, f.vault_path) == (
        "HS-VAULT-011", "error", f"rendered/{fname}", "secret/data/other")
    assert "'vault-agent-myapp'" in f.message and "[app-myapp]" in f.message


def test_vault_agent_policy_by_reference():
    synth, rendered = agent_base()
    role = vault_res(synth, "vault_approle_auth_backend_role", "agent")
    role["token_policies"] = ["${vault_policy.ca.name}"]
    assert {(f.rule, f.resource) for f in run_checks(synth, rendered).findings} == {
        ("HS-VAULT-011", "rendered/vault-agent-myapp.hcl"),
        ("HS-VAULT-011", "rendered/vault-agent-myapp-exec.hcl")}
    role["token_policies"] = ["${vault_policy.app.name}"]
    assert run_checks(synth, rendered).findings == []


@pytest.mark.parametrize("plant", [
    lambda s, r: vault_res(s, "vault_approle_auth_backend_role", "agent").update(
        role_name="agent-myapp"),
    lambda s, r: vault_res(s, "vault_auth_backend", "approle").update(path="other"),
    lambda s, r: r["t-nomad"].update({"vault-agent-myapp.hcl": AGENT_HCL.replace(
        'method "approle"', 'method "cert"')}),
])
def test_vault_agent_login_unresolved_is_a_warning(plant):
    synth, rendered = agent_base()
    plant(synth, rendered)
    report = run_checks(synth, rendered)
    assert {f.rule for f in report.findings} == {"HS-VAULT-011"}
    assert {f.level for f in report.findings} == {"warning"} and report.exit_code == 0
    assert all("cannot resolve its login" in f.message for f in report.findings)


# HS-VAULT-002 ------------------------------------------------------------------

def test_role_bound_to_another_job():
    synth, rendered = base()
    vault_res(synth, "vault_jwt_auth_backend_role", "app")["bound_claims"]["nomad_job_id"] = "x"
    report = run_checks(synth, rendered)
    assert [(f.rule, f.resource) for f in report.findings] == [
        ("HS-VAULT-002", "nomad_job.myapp")]
    assert "nomad_job_id=x" in report.findings[0].message


# HS-VAULT-003/004/005/010 -----------------------------------------------------

def test_root_policy():
    synth, rendered = base()
    vault_res(synth, "vault_jwt_auth_backend_role", "app")["token_policies"].append("root")
    assert found(synth, rendered) == {
        ("HS-VAULT-003", "vault_jwt_auth_backend_role.app")}


@pytest.mark.parametrize("path,caps", [("*", ["read"]), ("sys/*", ["read"]),
                                       ("auth/token/create", ["update", "sudo"]),
                                       ("auth/token/*", ["sudo"])])
def test_privileged_grants(path, caps):
    synth, rendered = base()
    vault_res(synth, "vault_policy", "app")["policy"] += (
        f'path "{path}" {{\n  capabilities = {caps!r}\n}}\n'.replace("'", '"'))
    assert found(synth, rendered) == {("HS-VAULT-004", "vault_policy.app")}


def test_documented_sudo_is_allowed():
    synth, rendered = base()
    vault_res(synth, "vault_policy", "app")["policy"] += presets.nomad_startup().to_hcl()
    assert found(synth, rendered) == set()


def test_broad_glob_warns_in_prod_only():
    synth, rendered = base("prod")
    vault_res(synth, "vault_policy", "app")["policy"] += (
        'path "secret/*" {\n  capabilities = ["read"]\n}\n')
    assert found(synth, rendered, level="warning") == {("HS-VAULT-005", "vault_policy.app")}
    assert run_checks(synth, rendered).exit_code == 0
    for doc in synth.values():
        doc["//"]["hashistack"]["tier"] = "staging"
    assert found(synth, rendered) == set()


@pytest.mark.parametrize("path,rule", [("secret*", "HS-VAULT-005"), ("secret/da*", "HS-VAULT-005"),
                                       ("s*", "HS-VAULT-004")])
def test_glob_inside_the_mount_segment(path, rule):
    synth, rendered = base("prod")
    vault_res(synth, "vault_policy", "app")["policy"] += (
        f'path "{path}" {{\n  capabilities = ["read"]\n}}\n')
    assert found(synth, rendered) == {(rule, "vault_policy.app")}


def test_unparsable_policy():
    synth, rendered = base()
    vault_res(synth, "vault_policy", "ca")["policy"] = 'path "a" {\n capabilities = ["fly"]\n}'
    assert ("HS-VAULT-010", "vault_policy.ca") in found(synth, rendered)


# HS-VAULT-006/007/008 -----------------------------------------------------------

def _token_role(**over) -> dict:
    body = dict(role_name="nomad-cluster", renewable=True, token_explicit_max_ttl=0,
                token_period=259200, disallowed_policies=["nomad-server"], orphan=True)
    return res("vault/token-role", **{**body, **over})


@pytest.mark.parametrize("over", [{"renewable": False}, {"token_explicit_max_ttl": 3600},
                                  {"token_period": 0}, {"disallowed_policies": []}])
def test_nomad_token_role(over):
    synth, rendered = base(version="1.9.7", integration="legacy")
    set_job_vault(synth, 'vault {\n policies = ["app-myapp"]\n }')
    roles = synth["t-vault"]["resource"].setdefault("vault_token_auth_backend_role", {})
    roles["nc"] = _token_role()
    assert found(synth, rendered) == set()
    roles["nc"] = _token_role(**over)
    assert "HS-VAULT-006" in rules_of(synth, rendered)


def test_create_from_role_names_the_token_role():
    synth, rendered = base(version="1.9.7", integration="legacy")
    set_job_vault(synth, 'vault {\n policies = ["app-myapp"]\n }')
    roles = synth["t-vault"]["resource"].setdefault("vault_token_auth_backend_role", {})
    roles["other"] = _token_role(role_name="tasks", renewable=False)
    assert found(synth, rendered) == set()  # not Nomad's
    rendered["t-nomad"]["nomad-server.hcl"] = SERVER_HCL % '  create_from_role = "tasks"\n'
    assert rules_of(synth, rendered) == {"HS-VAULT-006"}


def test_jwt_role_without_audiences():
    synth, rendered = base()
    del vault_res(synth, "vault_jwt_auth_backend_role", "default")["bound_audiences"]
    assert found(synth, rendered) == {("HS-VAULT-007", "vault_jwt_auth_backend_role.default")}


@pytest.mark.parametrize("role", ["app", "default"])  # a job's vault.role; the default_role
def test_role_nomad_uses_needs_role_type_jwt(role):
    synth, rendered = base()
    body = vault_res(synth, "vault_jwt_auth_backend_role", role)
    del body["role_type"]  # Vault's default: oidc
    report = run_checks(synth, rendered)
    [f] = report.findings
    assert (f.rule, f.level, f.resource) == (
        "HS-VAULT-007", "error", f"vault_jwt_auth_backend_role.{role}")
    assert "oidc" in f.message
    body["role_type"] = "oidc"
    assert found(synth, rendered) == {("HS-VAULT-007", f"vault_jwt_auth_backend_role.{role}")}


def test_oidc_role_nomad_does_not_use():
    synth, rendered = base()
    vault_res(synth, "vault_jwt_auth_backend", "jwt")["default_role"] = "humans"
    set_job_vault(synth, 'vault {\n role = "app-myapp"\n }')
    default = vault_res(synth, "vault_jwt_auth_backend_role", "default")
    default.update(role_name="humans")
    del default["role_type"], default["bound_audiences"]
    assert {r for r, _ in found(synth, rendered)} == {"HS-VAULT-007"}  # the default_role
    vault_res(synth, "vault_jwt_auth_backend", "jwt")["default_role"] = "app-myapp"
    assert found(synth, rendered) == set()  # an oidc role for people: no audience needed


def test_periodic_with_explicit_max_ttl():
    synth, rendered = base()
    vault_res(synth, "vault_approle_auth_backend_role", "ca")["token_explicit_max_ttl"] = 86400
    assert found(synth, rendered) == {("HS-VAULT-008", "vault_approle_auth_backend_role.ca")}


# HS-VAULT-009 ----------------------------------------------------------------------

@pytest.mark.parametrize("tier,fails", [("dev", False), ("staging", True), ("prod", True)])
def test_audit_device(tier, fails):
    synth, rendered = base(tier)
    del synth["t-vault"]["resource"]["vault_audit"]
    assert (("HS-VAULT-009", "") in found(synth, rendered)) is fails


# HS-CONSUL-001/002 --------------------------------------------------------------------

def _ca(synth) -> dict:
    return synth["t-consul"]["resource"]["consul_certificate_authority"]["ca"]


def test_ca_ttls():
    synth, rendered = base()
    _ca(synth)["config_json"] = CA_CONFIG.replace('"24h"', '"30m"')
    assert found(synth, rendered) == {("HS-CONSUL-001", "consul_certificate_authority.ca")}


def test_ca_config_written_as_jsonencode_is_checked_too():
    synth, rendered = base()
    _ca(synth)["config_json"] = (
        '${jsonencode({"Address" = "https://vault:8200", "LeafCertTTL" = "30m", '
        '"IntermediateCertTTL" = "2160h", "RootPKIPath" = "connect-root", '
        '"IntermediatePKIPath" = "connect-intermediate", '
        '"Token" = data.terraform_remote_state.v.outputs.ca_token})}')
    assert found(synth, rendered) == {("HS-CONSUL-001", "consul_certificate_authority.ca"),
                                      ("HS-CONSUL-004", "consul_certificate_authority.ca")}


def test_ca_login_files_outside_consuls_directories():
    synth, rendered = base()
    _ca(synth)["config_json"] = CA_CONFIG.replace("/run/secrets/ca/r", "/etc/consul.d/r")
    report = run_checks(synth, rendered)
    [f] = report.findings
    assert f.rule == "HS-CONSUL-001" and "AuthMethod.Params.role_id_file_path" in f.message
    assert "hashicorp/consul#23249" in f.message


def test_ca_policy_beyond_documented():
    synth, rendered = base()
    vault_res(synth, "vault_policy", "ca")["policy"] += (
        'path "secret/data/*" {\n  capabilities = ["read"]\n}\n')
    report = run_checks(synth, rendered)
    assert {(f.rule, f.vault_path) for f in report.findings if f.level == "error"} == {
        ("HS-CONSUL-002", "secret/data/*")}


def test_ca_policy_found_through_pki_access():
    synth, rendered = base()
    role = vault_res(synth, "vault_approle_auth_backend_role", "ca")
    role["role_name"] = "ca-login"  # not the documented name: found by its PKI policy
    vault_res(synth, "vault_policy", "ca")["policy"] += (
        'path "sys/mounts/connect-root/tune" {\n  capabilities = ["update"]\n}\n')
    assert found(synth, rendered) == {("HS-CONSUL-002", "vault_policy.ca")}


# HS-TLS-001 -----------------------------------------------------------------------------

@pytest.mark.parametrize("tier,level", [("dev", None), ("staging", "warning"), ("prod", "error")])
def test_tls_verification_off(tier, level):
    synth, rendered = base(tier)
    synth["t-vault"]["provider"]["vault"][0]["skip_tls_verify"] = True
    report = run_checks(synth, rendered)
    assert [(f.rule, f.resource, f.level) for f in report.findings] == (
        [("HS-TLS-001", "provider.vault[0]", level)] if level else [])


@pytest.mark.parametrize("plant", [
    lambda s, r: s["t-consul"]["provider"]["consul"][0].update(scheme="http"),
    lambda s, r: s["t-nomad"]["provider"]["nomad"][0].update(address="http://nomad:4646"),
    lambda s, r: _ca(s).update(config_json=CA_CONFIG.replace("https://", "http://")),
    lambda s, r: vault_res(s, "vault_jwt_auth_backend", "jwt").update(jwks_url="http://n/j"),
    lambda s, r: r["t-nomad"].update({"nomad-client.hcl": 'client {\n enabled = true\n}\n'
                                      'acl {\n enabled = true\n}\n'
                                      'vault {\n address = "http://vault:8200"\n}\n'}),
    lambda s, r: s["t-consul"]["provider"]["consul"][0].pop("scheme"),  # default: http
    lambda s, r: s["t-consul"]["provider"]["consul"][0].update(address="http://consul:8500"),
    lambda s, r: s["t-consul"]["provider"]["consul"][0].update(scheme=None),
])
def test_plaintext_in_prod(plant):
    synth, rendered = base("prod")
    plant(synth, rendered)
    assert rules_of(synth, rendered) == {"HS-TLS-001"}


@pytest.mark.parametrize("provider", [{"address": "https://consul:8501"},
                                      {"address": "${var.consul_address}"},
                                      {"address": "consul:8501", "scheme": "https"}])
def test_consul_https_in_prod(provider):
    synth, rendered = base("prod")
    synth["t-consul"]["provider"]["consul"] = [provider]
    assert found(synth, rendered) == set()


# HS-SECRET-001 -----------------------------------------------------------------------------

@pytest.mark.parametrize("literal", [
    'env {\n VAULT_TOKEN = "hvs.CAESIJlU3pvNmZ4bXJ2Y2VfZ2tmUjd0WmNm"\n }',
    'env {\n T = "s.abcdefghijklmnopqrstuvwx"\n }',
    'env {\n AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n }',
    'env {\n DB_PASSWORD = "hunter22"\n }',
    'config {\n token = "abc123"\n }',
])
def test_secret_literal_in_jobspec(literal):
    synth, rendered = base()
    set_job_vault(synth, 'vault {\n role = "app-myapp"\n }\n' + literal)
    report = run_checks(synth, rendered)
    assert [(f.rule, f.resource) for f in report.findings] == [
        ("HS-SECRET-001", "nomad_job.myapp")]
    assert "hunter22" not in report.findings[0].message  # never echo the secret


TEMPLATE = 'template {\n data = "%s"\n destination = "local/x.env"\n }'


@pytest.mark.parametrize("literal", [
    TEMPLATE % "DB_PASSWORD=hunter2hunter2\\n",
    TEMPLATE % "X=1\\nAPI_KEY=hunter2hunter2\\n",
    "template {\n data = <<EOT\nexport GITHUB_CLIENT_SECRET=hunter2hunter2\nEOT\n }",
    "env {\n DB_PASSWORD = 'hunter2hunter2'\n }",
    'env {\n AWS_SECRET_ACCESS_KEY = "hunter2hunter2/K7MDENG"\n }',
    'env {\n STRIPE_KEY = "hunter2hunter2"\n }',
    'env {\n APP_SECRET = "hunter2hunter2"\n }',
    'meta {\n api_key = "hunter2hunter2"\n }',
])
def test_secret_literal_shapes(literal):
    synth, rendered = base()
    set_job_vault(synth, 'vault {\n role = "app-myapp"\n }\n' + literal)
    report = run_checks(synth, rendered)
    # Single quotes are not HCL: the jobspec is unreadable, and said so (HS-CHECK-003).
    unreadable = "'" in literal.split("\n")[1] and "=" in literal and "EOT" not in literal
    assert {(f.rule, f.resource) for f in report.findings} == {
        ("HS-SECRET-001", "nomad_job.myapp")} | (
        {("HS-CHECK-003", "nomad_job.myapp")} if unreadable else set())
    assert all("hunter2" not in f.message for f in report.findings)


@pytest.mark.parametrize("text", [
    "DB_PASSWORD=hunter2hunter2\n",
    "export DB_PASSWORD='hunter2hunter2'\n",
    "password: hunter2hunter2\n",
    "STRIPE_KEY=hunter2hunter2 ./run\n",
])
def test_secret_literal_in_rendered_env_file(text):
    synth, rendered = base()
    rendered["t-nomad"]["app.env"] = "# app settings\nLOG_LEVEL=info\n" + text
    report = run_checks(synth, rendered)
    [f] = report.findings
    assert (f.rule, f.resource) == ("HS-SECRET-001", "rendered/app.env")
    assert "line 3" in f.message and "hunter2" not in f.message


def test_non_secret_values_are_not_secrets():
    synth, rendered = base()
    rendered["t-nomad"]["app.env"] = (
        "DB_PASSWORD={{ with secret \"secret/data/myapp\" }}{{ .Data.data.pw }}{{ end }}\n"
        "VAULT_TOKEN=${VAULT_TOKEN}\nCONSUL_TOKEN=$CONSUL_TOKEN\n"
        "TLS_PRIVATE_KEY=/etc/ssl/private/app.key\nSSH_KEY=~/.ssh/id_ed25519\n"
        "TOKEN_RENEW=true\nAPI_KEY=\nSESSION_SECRET=false\nDB_PASSWORD_MIN=12\n"
        "TOKEN=3600\n")
    rendered["t-nomad"]["agent.hcl"] = (
        'token = var.token\ntoken_file = "/run/token"\napi_key = file("/etc/key")\n'
        'cache_key = "users"\nsecret_id_ttl = "6h"\n')
    set_job_vault(synth, 'vault {\n role = "app-myapp"\n }\n' + TEMPLATE % (
        "DB_PASS={{ .Data.data.pw }}\\nKEY_PATH=/secrets/k\\n"))
    # `var.token` and `file(...)` are HCL2 expressions, not HCL1: said, not skipped.
    assert found(synth, rendered) == {("HS-CHECK-003", "rendered/agent.hcl")}


def test_templates_are_not_secrets():
    synth, rendered = base()
    set_job_vault(synth, 'vault {\n role = "app-myapp"\n }\n'
                  'env {\n DB_PASSWORD = "{{ .Data.data.password }}"\n'
                  ' VAULT_TOKEN = "${NOMAD_SECRET}"\n }')
    assert found(synth, rendered) == set()


def test_private_key_in_rendered_file():
    synth, rendered = base()
    rendered["t-nomad"]["tls.pem"] = "-----BEGIN EC PRIVATE KEY-----\nMHc\n"
    assert found(synth, rendered) == {("HS-SECRET-001", "rendered/tls.pem")}


# HS-NOMAD-001 -------------------------------------------------------------------------------

def test_jobspec_policies_with_nomad_1_10():
    synth, rendered = base(integration="workload-identity")
    set_job_vault(synth, 'vault {\n role = "app-myapp"\n }')
    job = synth["t-nomad"]["resource"]["nomad_job"]["myapp"]
    job["jobspec"] = job["jobspec"].replace(
        'namespace = "default"', 'namespace = "default"\n vault {\n policies = ["a"]\n }')
    report = run_checks(synth, rendered)
    [f] = report.findings
    assert f.rule == "HS-NOMAD-001"
    assert "Nomad 1.10.0 removes the previously deprecated" in f.message
    for doc in synth.values():
        doc["//"]["hashistack"]["nomad_version"] = "1.9.7"
    assert found(synth, rendered) == set()


@pytest.mark.parametrize("vault_body", ['  allow_unauthenticated = false\n',
                                        '  task_token_ttl = "72h"\n',
                                        '  create_from_role = "nomad-cluster"\n'])
def test_legacy_agent_settings_with_nomad_1_10(vault_body):
    synth, rendered = base()
    rendered["t-nomad"]["nomad-server.hcl"] = SERVER_HCL % vault_body
    assert found(synth, rendered) == {("HS-NOMAD-001", "rendered/nomad-server.hcl")}


def test_token_role_with_nomad_1_10():
    synth, rendered = base()
    synth["t-vault"]["resource"]["vault_token_auth_backend_role"] = {"nc": _token_role()}
    assert found(synth, rendered) == {("HS-NOMAD-001", "vault_token_auth_backend_role.nc")}


# Suppressions ----------------------------------------------------------------------------------

def _plant_sudo(synth) -> None:
    vault_res(synth, "vault_policy", "app")["policy"] += (
        'path "sys/*" {\n  capabilities = ["sudo"]\n}\n')


@pytest.mark.parametrize("target", ["t-vault/policy-app", "vault_policy.app", "t-vault"])
def test_config_suppression(target):
    synth, rendered = base()
    _plant_sudo(synth)
    synth["t-vault"]["//"]["hashistack"]["suppressions"] = [
        {"rule": "HS-VAULT-004", "resource": target, "reason": "break-glass, ticket SEC-42"}]
    report = run_checks(synth, rendered)
    assert report.findings == [] and report.exit_code == 0
    [s] = report.suppressed
    assert (s.rule, s.suppressed_by) == ("HS-VAULT-004", "break-glass, ticket SEC-42")


@pytest.mark.parametrize("entry", [
    {"rule": "HS-VAULT-004", "resource": "vault_policy.app", "reason": "because"},
    {"rule": "HS-VAULT-999", "resource": "vault_policy.app", "reason": "a long enough reason"},
])
def test_bad_config_suppression_is_refused(entry):
    synth, rendered = base()
    _plant_sudo(synth)
    synth["t-vault"]["//"]["hashistack"]["suppressions"] = [entry]
    report = run_checks(synth, rendered)
    assert {f.rule for f in report.findings} == {"HS-VAULT-004", "HS-CHECK-001"}
    assert report.suppressed == []


def test_suppression_of_another_resource_does_not_apply():
    synth, rendered = base()
    _plant_sudo(synth)
    synth["t-vault"]["//"]["hashistack"]["suppressions"] = [
        {"rule": "HS-VAULT-004", "resource": "t-vault/policy-ap", "reason": "prefix is by segment"}]
    # ... and the suppression, matching nothing, is said to (HS-CHECK-006).
    assert rules_of(synth, rendered) == {"HS-VAULT-004", "HS-CHECK-006"}


def test_resource_suppression_from_code():
    synth, rendered = base()
    _plant_sudo(synth)
    meta = vault_res(synth, "vault_policy", "app")["//"]
    meta["hashistack_suppressions"] = [{"rule": "HS-VAULT-004", "reason": "short"}]
    assert rules_of(synth, rendered) == {"HS-VAULT-004", "HS-CHECK-001"}
    meta["hashistack_suppressions"] = [{"rule": "HS-VAULT-004", "reason": "reviewed in SEC-7"}]
    report = run_checks(synth, rendered)
    assert report.findings == [] and len(report.suppressed) == 1


# HS-NOMAD-002 -------------------------------------------------------------------------------

CLIENT_HCL = 'client {\n  enabled = true\n}\nacl {\n  enabled = true\n}\n' \
             'consul {\n  address = "%s"\n%s}\n'


@pytest.mark.parametrize("address, grpc", [
    ("consul:8501", ""),  # the provider's host: the servers
    ("127.0.0.1:8501", '  grpc_address = "consul:8503"\n'),
    ("consul.service.consul:8501", ""),  # through DNS
])
def test_nomad_agent_talks_to_the_consul_servers(address, grpc):
    synth, rendered = base()
    rendered["t-nomad"]["nomad-client.hcl"] = CLIENT_HCL % (address, grpc)
    assert found(synth, rendered) == {("HS-NOMAD-002", "rendered/nomad-client.hcl")}


@pytest.mark.parametrize("address", ["127.0.0.1:8501", "localhost:8500", "[::1]:8501",
                                     "unix:///run/consul/consul.sock"])
def test_nomad_agent_talks_to_its_local_agent(address):
    synth, rendered = base()
    rendered["t-nomad"]["nomad-client.hcl"] = CLIENT_HCL % (address, "")
    assert found(synth, rendered) == set()


def test_a_loopback_consul_provider_is_not_a_server_address():
    synth, rendered = base(tier="dev")  # dev: one machine runs everything
    synth["t-consul"]["provider"]["consul"][0]["address"] = "127.0.0.1:8500"
    rendered["t-nomad"]["nomad-client.hcl"] = CLIENT_HCL % ("127.0.0.1:8500", "")
    assert ("HS-NOMAD-002", "rendered/nomad-client.hcl") not in found(synth, rendered)


def test_intention_precedence_exact_before_wildcard():
    from hashistack.checks.facts.consul import decision

    intentions = {"*": {"*": "deny"}, "db": {"api": "allow", "*": "deny"}, "cache": {"*": "allow"}}
    assert decision(intentions, "api", "db") == "allow"
    assert decision(intentions, "web", "db") == "deny"
    assert decision(intentions, "web", "cache") == "allow"
    assert decision(intentions, "web", "search") == "deny"
    assert decision({}, "web", "search") is None


def test_an_unreadable_auth_method_config_is_said():
    synth, rendered = base()
    synth["t-consul"]["resource"]["consul_acl_auth_method"] = {
        "m": res("consul/m", name="nomad", type="jwt", config_json="${file(\"x.json\")}")}
    assert ("HS-CHECK-003", "consul_acl_auth_method.m") in found(synth, rendered)


# HS-VAULT-012 ------------------------------------------------------------------

@pytest.mark.parametrize("tier,level", [("prod", "error"), ("staging", "warning")])
def test_non_expiring_secret_id_must_be_bound(tier, level):
    synth, rendered = base(tier)
    role = vault_res(synth, "vault_approle_auth_backend_role", "ca")
    del role["secret_id_bound_cidrs"]
    assert found(synth, rendered, level) == {
        ("HS-VAULT-012", "vault_approle_auth_backend_role.ca")}
    role["secret_id_ttl"] = 86400  # expires: something renews it, the risk is bounded
    assert found(synth, rendered) == set()
    role["secret_id_ttl"] = 0
    assert rules_of(synth, rendered) == {"HS-VAULT-012"}
    synth_dev, rendered_dev = base("dev")
    del vault_res(synth_dev, "vault_approle_auth_backend_role", "ca")["secret_id_bound_cidrs"]
    assert found(synth_dev, rendered_dev) == set()  # a loopback dev server


# HS-CONSUL-004 -----------------------------------------------------------------

@pytest.mark.parametrize("tier,level", [("prod", "error"), ("staging", "warning")])
def test_connect_ca_token_in_state(tier, level):
    synth, rendered = base(tier)
    ca = synth["t-consul"]["resource"]["consul_certificate_authority"]["ca"]
    ca["config_json"] = ('${jsonencode({"Address" = "https://vault:8200", '
                         '"RootPKIPath" = "connect-root", '
                         '"IntermediatePKIPath" = "connect-intermediate", '
                         '"LeafCertTTL" = "24h", "IntermediateCertTTL" = "2160h", '
                         '"Token" = vault_token.ca.client_token})}')
    synth["t-vault"]["resource"]["vault_token"] = {"ca": res(
        "vault/token-ca", policies=["consul-connect-ca"], period="72h")}
    assert ("HS-CONSUL-004", "consul_certificate_authority.ca") in found(synth, rendered, level)


# HS-SECRET-001 beyond jobspecs and rendered files ---------------------------------

def test_secret_shapes_anywhere_in_a_resource():
    synth, rendered = base()
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n"
    synth["t-vault"]["resource"]["vault_cert_auth_backend_role"] = {"startup": res(
        "vault/cert-role", name="nomad_startup", token_policies=["nomad_startup"],
        certificate="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
                    "VAULT_TOKEN=hvs.CAESIJ0abcdefghijklmnopqrstuvwx\n" + key)}
    report = run_checks(synth, rendered)
    [f] = [f for f in report.findings if f.rule == "HS-SECRET-001"]
    assert f.resource == "vault_cert_auth_backend_role.startup"
    assert "a PEM private key and a Vault token in certificate" in f.message
    assert "hvs.CAES" not in f.message and "b3Bl" not in f.message


def test_a_tier_that_is_not_one_counts_as_undeclared():
    synth, rendered = base("staging")
    for doc in synth.values():
        doc["//"]["hashistack"]["tier"] = "Prod "
    report = run_checks(synth, rendered)
    [f] = [f for f in report.findings if f.rule == "HS-CHECK-002"]
    assert "declares tier 'Prod ', not dev, staging or prod: checked as prod" in f.message


def test_secret_shapes_in_outputs_locals_and_the_backend():
    synth, rendered = base()
    vault = synth["t-vault"]
    vault["output"] = {"leak": {"value": "hvs.CAESIJ0abcdefghijklmnopqrstuvwx"}}
    vault["terraform"] = {"backend": {"s3": {"access_key": "AKIAABCDEFGHIJKLMNOP"}}}
    report = run_checks(synth, rendered)
    messages = sorted(f.message for f in report.findings if f.rule == "HS-SECRET-001")
    assert messages == ["a Vault token in output.leak.value",
                        "an AWS access key id in terraform.backend.s3.access_key"]
