"""The README's library example runs as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_example_synthesizes(tmp_path):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Using the library in your own cdktf app", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace("app = App()", f"app = App(outdir={str(tmp_path / 'out')!r})")
    script = tmp_path / "example.py"
    script.write_text(code)
    subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        check=True,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    stack = json.loads((tmp_path / "out" / "stacks" / "platform" / "cdk.tf.json").read_text())
    policy = {p["name"]: p["policy"] for p in stack["resource"]["vault_policy"].values()}
    assert policy["app-myapp"] == 'path "secret/data/myapp" {\n  capabilities = ["read"]\n}\n'
    [job] = stack["resource"]["nomad_job"].values()
    assert 'with secret "secret/data/myapp"' in job["jobspec"]
    assert 'role         = "app-myapp"' in job["jobspec"]


def test_readme_whole_stack_example_synthesizes_and_renders(tmp_path):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Using the library in your own cdktf app", 1)[1]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[1]
    code = code.replace("app = App()", f"app = App(outdir={str(tmp_path / 'out')!r})")
    script = tmp_path / "example.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, check=True,
                          timeout=300, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    stack = json.loads((tmp_path / "out" / "stacks" / "tokens" / "cdk.tf.json").read_text())
    res = stack["resource"]
    [acl] = res["nomad_acl_policy"].values()
    assert acl["name"] == "ci-deploy" and "submit-job" in acl["rules_hcl"]
    [role] = res["vault_nomad_secret_role"].values()
    assert (role["role"], role["policies"]) == ("ci-deploy", ["ci-deploy"])
    [engine] = res["vault_nomad_secret_backend"].values()
    assert engine["token"] == "${var.nomad_secrets_token}"
    assert stack["variable"]["nomad_secrets_token"]["sensitive"] is True
    ci = {p["name"]: p["policy"] for p in res["vault_policy"].values()}["ci"]
    assert ci == 'path "nomad/creds/ci-deploy" {\n  capabilities = ["read"]\n}\n'
    out = done.stdout
    assert 'seal "awskms"' in out and 'storage "raft"' in out
    assert "auto_encrypt" in out and "job_name: nomad" in out


def test_readme_lists_every_rule():
    from hashistack.checks import all_rules

    readme = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| (HS-[A-Z]+-\d{3}) \|", readme, re.M))
    assert listed == set(all_rules())
