"""The checks as cdktf validations: `app.synth()` fails on errors, naming the construct."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from cdktf import App, TerraformStack  # noqa: E402
from cdktf_cdktf_provider_vault.policy import Policy  # noqa: E402
from cdktf_cdktf_provider_vault.provider import VaultProvider  # noqa: E402

from hashistack.checks import suppress  # noqa: E402
from hashistack.checks.synth import apply_checks  # noqa: E402

SUDO_SYS = 'path "sys/*" {\n  capabilities = ["sudo"]\n}\n'
FINE = 'path "secret/data/app" {\n  capabilities = ["read"]\n}\n'


def _app(tmp_path, policy: str, tier: str = "dev", address: str = "https://vault:8200"):
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "lab-vault")
    VaultProvider(stack, "vault", address=address)
    pol = Policy(stack, "ops", name="ops", policy=policy)
    stack.add_override("//.hashistack", {"environment": "lab", "tier": tier})
    return app, pol


def test_planted_error_fails_synth_naming_the_construct(tmp_path):
    app, _ = _app(tmp_path, SUDO_SYS)
    apply_checks(app)
    with pytest.raises(Exception, match=r"\[HS-VAULT-004\] lab-vault/ops: policy 'ops'"):
        app.synth()


def test_clean_stack_synthesizes(tmp_path):
    app, _ = _app(tmp_path, FINE)
    apply_checks(app)
    app.synth()
    assert (tmp_path / "stacks" / "lab-vault" / "cdk.tf.json").is_file()


def test_suppress_from_code(tmp_path):
    app, pol = _app(tmp_path, SUDO_SYS)
    suppress(pol, "HS-VAULT-004", "break-glass policy, reviewed in SEC-42")
    apply_checks(app)
    app.synth()
    text = (tmp_path / "stacks" / "lab-vault" / "cdk.tf.json").read_text()
    assert "break-glass policy, reviewed in SEC-42" in text  # the CLI sees it too


def test_suppress_needs_a_reason(tmp_path):
    _, pol = _app(tmp_path, SUDO_SYS)
    with pytest.raises(ValueError, match="at least 10 characters"):
        suppress(pol, "HS-VAULT-004", "ok")
    with pytest.raises(ValueError, match="unknown rule"):
        suppress(pol, "HS-NOPE-001", "a reason long enough")


def test_suppress_a_scope_covers_every_resource_under_it(tmp_path):
    app, pol = _app(tmp_path, SUDO_SYS)
    stack = pol.node.scope
    Policy(stack, "ops2", name="ops2", policy=SUDO_SYS)
    suppress(stack, "HS-VAULT-004", "lab only; torn down nightly")
    suppress(stack, "HS-VAULT-004", "second entry appends, not replaces")
    apply_checks(app)
    app.synth()
    text = (tmp_path / "stacks" / "lab-vault" / "cdk.tf.json").read_text()
    assert text.count("lab only; torn down nightly") == 2
    assert text.count("second entry appends") == 2


def test_warnings_do_not_fail_synth(tmp_path):
    # staging: plaintext is a warning (HS-TLS-001), a missing audit device an error
    app, _ = _app(tmp_path, FINE, tier="staging", address="http://vault:8200")
    apply_checks(app)
    with pytest.raises(Exception, match="HS-VAULT-009") as err:
        app.synth()
    assert "HS-TLS-001" not in str(err.value)
    app, _ = _app(tmp_path / "prod", FINE, tier="prod", address="http://vault:8200")
    apply_checks(app)
    with pytest.raises(Exception, match=r"\[HS-TLS-001\] lab-vault: Vault provider address"):
        app.synth()


JOB = """job "app" {
  group "app" {
    task "app" {
      driver = "docker"
      template {
        data        = "{{ with secret \\"secret/data/app\\" }}{{ .Data.data.pw }}{{ end }}"
        destination = "secrets/app.env"
      }
      vault {
        role = "%s"
      }
    }
  }
}
"""


def test_policy_and_role_passed_as_construct_attributes(tmp_path):
    """`token_policies=[policy.name]` and `role=role.role_name` synthesize as references."""
    from cdktf_cdktf_provider_nomad.job import Job
    from cdktf_cdktf_provider_nomad.provider import NomadProvider
    from cdktf_cdktf_provider_vault.jwt_auth_backend import JwtAuthBackend
    from cdktf_cdktf_provider_vault.jwt_auth_backend_role import JwtAuthBackendRole

    app, pol = _app(tmp_path, FINE)
    stack = pol.node.scope
    backend = JwtAuthBackend(stack, "jwt", path="jwt-nomad",
                             jwks_url="https://nomad:4646/.well-known/jwks.json")
    role = JwtAuthBackendRole(stack, "role", backend=backend.path, role_name="app",
                              role_type="jwt", bound_audiences=["vault.io"],
                              user_claim="/nomad_job_id", user_claim_json_pointer=True,
                              token_policies=[pol.name])
    NomadProvider(stack, "nomad", address="https://nomad:4646")
    Job(stack, "job", jobspec=JOB % role.role_name)
    apply_checks(app)
    app.synth()  # before: HS-VAULT-001, policy `${vault_policy.ops.name}` "not defined"
    text = (tmp_path / "stacks" / "lab-vault" / "cdk.tf.json").read_text()
    assert "${vault_policy.ops.name}" in text
    assert "${vault_jwt_auth_backend_role.role.role_name}" in text


def test_undeclared_stacks_are_checked_as_prod_with_a_warning(tmp_path):
    """A user's own `prod-vault` over http, no audit device, no tier declared:
    not waved through as dev."""
    from hashistack.checks import load_synth, run_checks

    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "prod-vault")
    VaultProvider(stack, "vault", address="http://vault:8200", skip_tls_verify=True)
    Policy(stack, "ops", name="ops", policy=FINE)
    app.synth()
    report = run_checks(*load_synth(tmp_path))
    rules = {(f.rule, f.level) for f in report.findings}
    assert ("HS-CHECK-002", "warning") in rules
    assert ("HS-TLS-001", "error") in rules and ("HS-VAULT-009", "error") in rules


def test_declare_environment_is_library_api(tmp_path):
    from hashistack.checks import declare_environment

    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "lab-vault")
    VaultProvider(stack, "vault", address="http://127.0.0.1:8200")
    Policy(stack, "ops", name="ops", policy=SUDO_SYS)
    declare_environment(stack, environment="lab", tier="dev")
    apply_checks(app)
    with pytest.raises(Exception, match=r"\[HS-VAULT-004\] lab-vault/ops"):
        app.synth()
    with pytest.raises(ValueError, match="tier must be one of dev, staging, prod"):
        declare_environment(stack, environment="lab", tier="qa")
