"""`npx cdktf synth` (through cdktf.json) gives the same output as `make synth`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

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
