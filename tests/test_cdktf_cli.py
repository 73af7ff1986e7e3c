"""`npx cdktf synth` (through cdktf.json) gives the same output as `make synth`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import hashicorp_hcl

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "node_modules" / ".bin" / "cdktf"


@pytest.mark.skipif(not CLI.exists(), reason="cdktf-cli is not in node_modules/ (run make test)")
def test_cdktf_cli_synth_matches(shipped, tmp_path):
    out, stacks = shipped
    env = dict(os.environ, CHECKPOINT_DISABLE="1", CI="1")
    env.pop("CDKTF_OUTDIR", None)
    subprocess.run(
        [str(CLI), "synth", "--output", str(tmp_path / "cli.out")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    cli = tmp_path / "cli.out" / "stacks"
    assert sorted(p.name for p in cli.iterdir()) == sorted(stacks)
    for name, expected in stacks.items():
        assert json.loads((cli / name / "cdk.tf.json").read_text()) == expected
        ours = sorted((out / "stacks" / name).glob("rendered/*"))
        theirs = sorted((cli / name).glob("rendered/*"))
        assert [p.name for p in theirs] == [p.name for p in ours]
        assert all(a.read_text() == b.read_text() for a, b in zip(ours, theirs, strict=True))


@pytest.mark.skipif(not CLI.exists(), reason="cdktf-cli is not in node_modules/ (run make test)")
def test_hcl_exit_ramp_is_terraform_fmt_clean_and_parses(tmp_path):
    """`cdktf synth --hcl`, HashiCorp's advice for leaving cdktf: every stack's cdk.tf
    passes `terraform fmt -check` and HashiCorp's HCL parser. `terraform validate`
    needs the providers, which cannot be downloaded here."""
    env = dict(os.environ, CHECKPOINT_DISABLE="1", CI="1")
    env.pop("CDKTF_OUTDIR", None)
    subprocess.run([str(CLI), "synth", "--hcl", "--output", str(tmp_path / "hcl.out")],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    files = sorted((tmp_path / "hcl.out" / "stacks").glob("*/cdk.tf"))
    # vault, consul, nomad per environment, and nomad-acl where Vault leases Nomad tokens
    assert len(files) == 11
    parsed = hashicorp_hcl.parse_many({f.parent.name: f.read_text() for f in files})
    assert {n: r["error"] for n, r in parsed.items() if "error" in r} == {}
    # A Vault CA token and Nomad's JWKS CA file are references: jsonencode() escapes them.
    assert "jsonencode(" in (tmp_path / "hcl.out/stacks/dev-consul/cdk.tf").read_text()
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH: fmt -check not run")
    done = subprocess.run(["terraform", "fmt", "-check", *map(str, files)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
