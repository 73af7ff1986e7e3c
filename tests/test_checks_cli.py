"""`python -m hashistack check` on the real synth output of environments/*.toml."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Runs the CLI, then reports on stderr which Node-bridge modules got imported.
WRAPPER = """
import json, sys
from hashistack.__main__ import main
rc = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("jsii", "cdktf", "constructs")
               or m.startswith("cdktf_"))
print("MODULES=" + json.dumps(heavy), file=sys.stderr)
sys.exit(rc)
"""


@pytest.fixture(scope="module")
def synth_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "cdktf.out"
    env = {**os.environ, "CDKTF_OUTDIR": str(out),
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env.pop("HASHISTACK_ENV", None)
    done = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def out(synth_out, tmp_path) -> Path:
    copy = tmp_path / "cdktf.out"
    shutil.copytree(synth_out, copy)
    return copy


def run_cli(*args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-c", WRAPPER, "check", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    modules = [line for line in done.stderr.splitlines() if line.startswith("MODULES=")]
    assert modules, done.stderr
    assert json.loads(modules[0].removeprefix("MODULES=")) == []  # no cdktf, jsii or Node
    return done.returncode, done.stdout, done.stderr


def edit(out: Path, stack: str, change) -> None:
    path = out / "stacks" / stack / "cdk.tf.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def policy(doc: dict, name: str) -> dict:
    return next(p for p in doc["resource"]["vault_policy"].values() if p["name"] == name)


def test_shipped_environments_are_clean(synth_out):
    code, stdout, _ = run_cli(synth_out)
    assert code == 0, stdout
    assert stdout.strip().splitlines()[-1].startswith("0 error(s), 0 warning(s), 0 suppressed")


def test_planted_problems_fail_and_are_named(out):
    def vault(doc):
        policy(doc, "app-myapp")["policy"] = (
            'path "secret/data/other" {\n  capabilities = ["read"]\n}\n')
        policy(doc, "nomad-workloads")["policy"] += 'path "*" {\n  capabilities = ["sudo"]\n}\n'
        doc["provider"]["vault"][0]["skip_tls_verify"] = True

    edit(out, "prod-vault", vault)
    code, stdout, _ = run_cli(out)
    assert code == 1
    lines = stdout.splitlines()

    def line(rule: str) -> str:
        [found] = [x for x in lines if x.startswith(f"ERROR {rule} ")]
        return found

    assert line("HS-VAULT-001").startswith(
        "ERROR HS-VAULT-001 prod-nomad nomad_job.job-myapp_job_C38D5F47 "
        "(prod-nomad/job-myapp/job): ")
    assert "'secret/data/myapp'" in line("HS-VAULT-001")
    assert "prod-vault/workload-identity/policy/policy" in line("HS-VAULT-004")
    assert "'*'" in line("HS-VAULT-004")
    assert "provider.vault[0]" in line("HS-TLS-001")
    assert "fix:" in lines[lines.index(line("HS-TLS-001")) + 1]


def test_json_format_and_env_filter(out):
    edit(out, "prod-vault", lambda d: d["provider"]["vault"][0].update(skip_tls_verify=True))
    code, stdout, _ = run_cli(out, "--format", "json")
    report = json.loads(stdout)
    assert code == 1
    assert [(f["rule"], f["environment"], f["stack"], f["resource"]) for f in report["findings"]] \
        == [("HS-TLS-001", "prod", "prod-vault", "provider.vault[0]")]
    assert report["summary"]["errors"] == 1 and report["suppressed"] == []

    code, stdout, _ = run_cli(out, "--env", "dev", "--format", "json")
    report = json.loads(stdout)
    assert code == 0 and report["findings"] == []
    assert report["summary"]["environments"] == ["dev"]
    assert report["summary"]["stacks"] == ["dev-consul", "dev-nomad", "dev-vault"]


def test_staging_tls_is_a_warning(out):
    edit(out, "staging-vault", lambda d: d["provider"]["vault"][0].update(skip_tls_verify=True))
    code, stdout, _ = run_cli(out, "--env", "staging")
    assert code == 0
    assert stdout.startswith("WARNING HS-TLS-001 staging-vault provider.vault[0]")


def _suppress(out: Path, reason: str) -> None:
    def change(doc):
        doc["provider"]["vault"][0]["skip_tls_verify"] = True
        doc["//"]["hashistack"]["suppressions"] = [
            {"rule": "HS-TLS-001", "resource": "provider.vault[0]", "reason": reason}]
    edit(out, "prod-vault", change)


def test_suppression_with_short_reason_is_refused(out):
    _suppress(out, "trust me")
    code, stdout, _ = run_cli(out, "--env", "prod")
    assert code == 1
    assert any(x.startswith("ERROR HS-TLS-001 ") for x in stdout.splitlines())
    assert any(x.startswith("ERROR HS-CHECK-001 ") and "at least 10 characters" in x
               for x in stdout.splitlines())


def test_suppression_with_reason_is_listed(out):
    _suppress(out, "lab Vault behind a TLS-terminating proxy, INFRA-12")
    code, stdout, _ = run_cli(out, "--env", "prod")
    assert code == 0, stdout
    lines = stdout.splitlines()
    i = lines.index(next(x for x in lines if x.startswith("SUPPRESSED HS-TLS-001 prod-vault")))
    assert lines[i + 1].strip() == "reason: lab Vault behind a TLS-terminating proxy, INFRA-12"
    code, stdout, _ = run_cli(out, "--env", "prod", "--format", "json")
    [s] = json.loads(stdout)["suppressed"]
    assert s["suppressed_by"].startswith("lab Vault")


@pytest.mark.parametrize("args", [["/nonexistent/cdktf.out"], ["{tmp}"],
                                  ["{synth}", "--env", "qa"]])
def test_bad_input_exits_2(args, tmp_path, synth_out):
    args = [a.format(tmp=tmp_path, synth=synth_out) for a in args]
    code, stdout, stderr = run_cli(*args)
    assert code == 2 and stdout == ""
    assert [x for x in stderr.splitlines() if x.startswith("error: ")]


def _vault_agent_file(out: Path) -> Path:
    return out / "stacks" / "prod-nomad" / "rendered" / "vault-agent-myapp.hcl"


def test_vault_agent_template_is_checked_against_its_approle_role(out):
    path = _vault_agent_file(out)
    path.write_text(path.read_text().replace("secret/data/myapp", "secret/data/other"))
    code, stdout, _ = run_cli(out, "--env", "prod", "--format", "json")
    assert code == 1
    [f] = json.loads(stdout)["findings"]
    assert (f["rule"], f["stack"], f["resource"], f["vault_path"]) == (
        "HS-VAULT-011", "prod-nomad", "rendered/vault-agent-myapp.hcl", "secret/data/other")
    assert "'vault-agent-myapp'" in f["message"]


def test_policies_and_roles_named_by_reference(out):
    def vault(doc):
        [(name, _)] = [(n, p) for n, p in doc["resource"]["vault_policy"].items()
                       if p["name"] == "app-myapp"]
        for role in doc["resource"]["vault_jwt_auth_backend_role"].values():
            if role["role_name"] == "app-myapp":
                role["token_policies"] = [f"${{vault_policy.{name}.name}}"]

    edit(out, "prod-vault", vault)
    code, stdout, _ = run_cli(out, "--env", "prod")
    assert code == 0, stdout
    assert stdout.strip().splitlines()[-1].startswith("0 error(s), 0 warning(s)")


def test_consul_provider_without_scheme_is_plaintext(out):
    edit(out, "prod-consul", lambda d: d["provider"]["consul"][0].pop("scheme"))
    code, stdout, _ = run_cli(out, "--env", "prod")
    assert code == 1
    assert stdout.startswith("ERROR HS-TLS-001 prod-consul provider.consul[0]")
    assert "default scheme is http" in stdout.splitlines()[0]


def test_environments_checked_in_parallel_report_as_one_at_a_time(out):
    # Findings in every environment, so each worker has something to say.
    for env in ("dev", "staging", "prod"):
        edit(out, f"{env}-vault",
             lambda d: d["provider"]["vault"][0].update(skip_tls_verify=True))
        edit(out, f"{env}-vault", lambda d: policy(d, "app-myapp").update(
            policy='path "secret/data/other" {\n  capabilities = ["read"]\n}\n'))
    serial = run_cli(out, "--format", "json", "--jobs", "1")
    parallel = run_cli(out, "--format", "json", "--jobs", "3")
    assert serial[0] == parallel[0] == 1
    assert serial[1] == parallel[1]
    report = json.loads(serial[1])
    assert report["summary"]["environments"] == ["dev", "prod", "staging"]
    assert {f["environment"] for f in report["findings"]} == {"dev", "prod", "staging"}


def test_an_upstream_without_an_allow_intention_is_an_error(out):
    def drop_allow(doc):
        intentions = doc["resource"]["consul_config_entry_service_intentions"]
        for key in [k for k, v in intentions.items() if v["name"] == "myapp"]:
            del intentions[key]

    code, stdout, _ = run_cli(out, "--env", "staging")
    assert code == 0 and "HS-CONSUL-003" not in stdout  # web -> myapp is allowed
    edit(out, "staging-consul", drop_allow)
    code, stdout, _ = run_cli(out, "--env", "staging")
    assert code == 1
    [line] = [x for x in stdout.splitlines() if x.startswith("ERROR HS-CONSUL-003")]
    assert "staging-nomad" in line and "'web' lists upstream 'myapp'" in line


def test_prod_state_without_prevent_destroy_is_an_error(out):
    def drop_guard(doc):
        for body in doc["resource"]["vault_mount"].values():
            body.pop("lifecycle", None)

    edit(out, "prod-vault", drop_guard)
    code, stdout, _ = run_cli(out, "--env", "prod")
    assert code == 1
    lines = [x for x in stdout.splitlines() if x.startswith("ERROR HS-STATE-001")]
    assert len(lines) == 3  # the KV mount and both PKI mounts
    edit(out, "staging-vault", drop_guard)
    assert "HS-STATE-001" not in run_cli(out, "--env", "staging")[1]  # prod only
