"""What Terraform evaluates is what the environment file says.

Each config string that reaches synthesized JSON is fed, as synthesized, through
a provider-free configuration (outputs only) with the real `terraform`: the value
Terraform computes must be the literal the user wrote. Template syntax itself is
refused at load (tests/test_config_input.py); these literals hold everything else
Terraform's template language could trip on: `$`, `%`, braces, quotes, backslashes.
Jobspec strings go one layer further, through Nomad's HCL2 (HashiCorp's parser).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import synth_environments
from tests.hashicorp_hcl import parse_many

ROOT = Path(__file__).resolve().parent.parent
PEM = (ROOT / "examples" / "legacy-nomad-1.9" / "nomad_startup_ca.pem").read_text()
MARK = "Zq"  # in every literal below, and in nothing hashistack writes itself

LITERALS = {
    "vault.pki.common_name": 'Zq1 $HOME 100% {ca} "x" \\ é',
    "vault.workload_identity.audience": "Zq2$a%b{c}~",
    "vault.tls.ca_file": "/etc/Zq3 $d%e{f}.pem",
    "consul.tls.ca_file": "/etc/Zq4%x{y}$z.pem",
    "nomad.tls.ca_file": "/etc/Zq5$%.pem",
    "vault.audit.file_path": "/var/log/Zq6$x%y{z}/audit.log",
    "backend.path": "state Zq7$x%y",
    "vault.cert_auth.allowed_common_names": 'Zq8 $x%y{z} "q" \\',
}
STRICT = """
[consul]
address = "https://consul.example.internal:8501"
tls = {{ ca_file = {consul_ca} }}
[nomad]
address = "https://nomad.example.internal:4646"
tls = {{ ca_file = {nomad_ca} }}
{nomad_extra}
[nomad.agent_tls]
ca_file = "/etc/nomad.d/tls/ca.pem"
cert_file = "/etc/nomad.d/tls/agent.pem"
key_file = "/etc/nomad.d/tls/agent-key.pem"
[backend]
path = {backend}
"""


def _q(value: str) -> str:
    return json.dumps(value)  # a TOML basic string is a JSON string for these


def _environments(directory: Path) -> None:
    common = dict(consul_ca=_q(LITERALS["consul.tls.ca_file"]),
                  nomad_ca=_q(LITERALS["nomad.tls.ca_file"]),
                  backend=_q(LITERALS["backend.path"]))
    (directory / "staging.toml").write_text(f"""tier = "staging"
[vault]
address = "https://vault.example.internal:8200"
tls = {{ ca_file = {_q(LITERALS["vault.tls.ca_file"])} }}
[vault.audit]
file_path = {_q(LITERALS["vault.audit.file_path"])}
[vault.pki]
common_name = {_q(LITERALS["vault.pki.common_name"])}
[vault.workload_identity]
audience = {_q(LITERALS["vault.workload_identity.audience"])}
[[apps]]
name = "web"
image = "registry.example.internal/web:1.0"
secrets = {{ DB_PASS = "password" }}
""" + STRICT.format(nomad_extra="", **common))
    (directory / "legacy.toml").write_text(f"""tier = "staging"
[vault]
address = "https://vault.example.internal:8200"
tls = {{ ca_file = "/etc/ssl/ca.pem" }}
[vault.cert_auth]
ca_pem = {_q(PEM)}
allowed_common_names = [{_q(LITERALS["vault.cert_auth.allowed_common_names"])}]
""" + STRICT.format(nomad_extra='version = "1.9.7"\nintegration = "legacy"', **common))


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _evaluate(values: list[str], workdir: Path) -> list[object]:
    """Terraform's value of each JSON string, as an output of a provider-free config."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = {"output": {f"o{i}": {"value": v} for i, v in enumerate(values)}}
    (workdir / "main.tf.json").write_text(json.dumps(config))
    return _evaluate_native(workdir, [f"o{i}" for i in range(len(values))])


def _evaluate_native(workdir: Path, names: list[str]) -> list[object]:
    """`terraform init` + `apply` in workdir (outputs only); the outputs' values."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH: the evaluation needs the real binary")
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
           "TF_DATA_DIR": str(workdir / ".terraform")}
    for args in (["init", "-input=false", "-no-color"],
                 ["apply", "-auto-approve", "-input=false", "-no-color"]):
        done = subprocess.run([terraform, *args], cwd=workdir, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr or done.stdout
    out = subprocess.run([terraform, "output", "-json"], cwd=workdir, env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    outputs = json.loads(out.stdout)
    return [outputs[name]["value"] for name in names]


def _leaves(value: object) -> list[str]:
    """An evaluated string, or the strings inside it when it is JSON (config_json)."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            return list(_strings(json.loads(value)))
        except ValueError:
            pass
    return list(_strings(value))


def test_config_literals_evaluate_to_themselves_in_terraform(tmp_path):
    envs = tmp_path / "environments"
    envs.mkdir()
    _environments(envs)
    stacks = synth_environments(envs, tmp_path / "out")
    synthesized = [s for doc in stacks.values() for s in _strings(doc) if MARK in s]
    evaluated = _evaluate(synthesized, tmp_path)
    leaves = [leaf for value in evaluated for leaf in _leaves(value) if MARK in leaf]
    for field, literal in LITERALS.items():
        assert any(literal in leaf for leaf in leaves), f"{field}: {literal!r} not in {leaves}"
    # Nothing that carries a literal was altered on the way: each holds one whole.
    for leaf in leaves:
        assert any(literal in leaf for literal in LITERALS.values()), leaf


_ENV_LINE = re.compile(r'^\s*([A-Z_]+)\s*=\s*(".*")\s*$', re.M)


def test_jobspec_strings_reach_nomad_as_written(tmp_path):
    """Terraform evaluates the nomad_job's jobspec; Nomad's HCL2 then parses that
    text: every string must come out as the literal, nothing evaluated on the way."""
    from cdktf import TerraformStack, Testing

    from hashistack.nomad.job import NomadJob
    from hashistack.nomad.jobspec import Group, Job, Task

    env = {"HOST": 'Zq ${file("/etc/hostname")}', "IF": "Zq %{ if true }x%{ endif }",
           "RUNTIME": "Zq ${NOMAD_ALLOC_DIR}/data", "ESCAPED": "Zq $${already} %%{x}"}
    stack = TerraformStack(Testing.app(), "s")
    task = Task(name="web", driver="docker", config={"image": "web:1"}, env=dict(env))
    NomadJob(stack, "job", job=Job(name="web", groups=[Group(name="web", tasks=[task])]))
    doc = json.loads(Testing.synth(stack))
    (jobspec,) = [r["jobspec"] for r in doc["resource"]["nomad_job"].values()]
    (text,) = _evaluate([jobspec], tmp_path / "deploy")
    assert "ok" in parse_many({"job.nomad.hcl": text})["job.nomad.hcl"]
    # Nomad's jobspec2 and Terraform's native syntax are the same HCL2 templates:
    # Terraform evaluates each env value exactly as written in the jobspec.
    written = dict(_ENV_LINE.findall(text))
    assert set(written) == set(env)
    native = tmp_path / "hcl2"
    native.mkdir()
    (native / "main.tf").write_text("".join(
        f"output \"{k}\" {{\n  value = {v}\n}}\n" for k, v in written.items()))
    assert dict(zip(written, _evaluate_native(native, list(written)), strict=True)) == env
