"""main.py's environments in parallel: the same output as one at a time,
one failing environment fails the whole synth, progress on request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Loads (host:port), fails the checks at synth: HS-NOMAD-002, Consul through DNS.
BAD_CONSUL = """
[nomad.consul]
address = "consul.service.consul:8500"
"""


def run_main(envs: Path, outdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HASHISTACK_ENVIRONMENTS": str(envs), "CDKTF_OUTDIR": str(outdir)}
    env.pop("HASHISTACK_ENV", None)
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_parallel_output_is_identical_to_serial(tmp_path):
    serial = run_main(ROOT / "environments", tmp_path / "serial", "--jobs", "1")
    parallel = run_main(ROOT / "environments", tmp_path / "parallel", "--jobs", "3")
    assert serial.returncode == 0, serial.stderr
    assert parallel.returncode == 0, parallel.stderr
    assert serial.stdout == parallel.stdout
    one, many = files(tmp_path / "serial"), files(tmp_path / "parallel")
    assert len(one) > 20 and "manifest.json" in one
    assert one == many


def test_one_failing_environment_fails_the_synth_and_keeps_the_output(tmp_path):
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "dev.toml").write_text("")
    (envs / "bad.toml").write_text(BAD_CONSUL)
    out = tmp_path / "cdktf.out"
    (out / "stacks").mkdir(parents=True)
    (out / "manifest.json").write_text('{"previous": true}')
    done = run_main(envs, out, "--jobs", "2")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "bad: checks failed" in done.stderr and "HS-NOMAD-002" in done.stderr
    assert "consul.service.consul:8500 is a Consul DNS name" in done.stderr
    assert "dev:" not in done.stderr  # the good environment has nothing to say
    assert (out / "manifest.json").read_text() == '{"previous": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "envs"]


def test_progress_lines_on_request_and_quiet_otherwise(tmp_path):
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "dev.toml").write_text("")
    shown = run_main(envs, tmp_path / "a", "--progress")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stderr.strip().splitlines()
    assert lines[0] == "synth dev: 0 app(s)..."
    assert lines[1].startswith("synth dev: 3 stacks, ") and lines[1].endswith(" s")
    quiet = run_main(envs, tmp_path / "b")  # stderr is a pipe here: not a terminal
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_jobs_must_be_positive(tmp_path):
    done = run_main(ROOT / "environments", tmp_path / "out", "--jobs", "0")
    assert done.returncode == 2 and "--jobs must be at least 1" in done.stderr
