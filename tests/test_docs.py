"""`make docs` (tools/docs.py): the API reference builds from the docstrings.

Built here with `--pure` (no cdktf, no Node: a few seconds); `make docs` adds
the construct packages.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _docs_tool():
    spec = importlib.util.spec_from_file_location("hashistack_docs", ROOT / "tools" / "docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pure_reference_builds_without_warnings(tmp_path):
    out = tmp_path / "docs"
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "docs.py"), str(out), "--pure"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "docs:" not in done.stderr  # a pdoc warning (an unresolved name) fails the build
    assert (out / "index.html").is_file()
    errors = (out / "hashistack" / "errors.html").read_text()
    assert "HashistackError" in errors
    assert "One hierarchy for bad input" in errors  # the module docstring, rendered
    policy = (out / "hashistack" / "vault" / "policy.html").read_text()
    assert "PolicyDocument" in policy
    assert (out / "hashistack" / "review" / "compare.html").is_file()  # a package's submodule


def test_the_reference_lists_the_public_modules():
    tool = _docs_tool()
    listed = set(tool.PURE) | set(tool.CONSTRUCTS)
    for module in ("hashistack.vault", "hashistack.consul", "hashistack.nomad",
                   "hashistack.checks", "hashistack.review", "hashistack.hcl",
                   "hashistack.vault.policy", "hashistack.vault.acl", "hashistack.errors",
                   "hashistack.nomad.jobspec", "hashistack.nomad.agent_config",
                   "hashistack.nomad.vault_agent", "hashistack.nomad.bootstrap"):
        assert module in listed
    for module in tool.PURE:  # each one a module that exists
        assert importlib.util.find_spec(module) is not None, module
