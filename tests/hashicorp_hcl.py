"""HashiCorp's HCL2 parser (@cdktf/hcl2json from node_modules/) for tests.

One Node process parses a batch of files, so a test that checks every HCL
file of a synth output pays Node's start-up once.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "hcl2json.js"
PACKAGE = ROOT / "node_modules" / "@cdktf" / "hcl2json"


def available() -> bool:
    return PACKAGE.is_dir() and shutil.which("node") is not None


def parse_many(files: dict[str, str]) -> dict[str, dict]:
    """{name: text} -> {name: {"ok": parsed} | {"error": message}}."""
    if not available():
        pytest.skip("@cdktf/hcl2json is not installed in node_modules/ (run `make test`)")
    done = subprocess.run(
        ["node", str(TOOL)],
        input=json.dumps(files),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


def parse(text: str, name: str = "input.hcl") -> dict:
    """Parse one HCL text; fail the test with HashiCorp's message if invalid."""
    result = parse_many({name: text})[name]
    if "error" in result:
        pytest.fail(f"HashiCorp's HCL parser refused {name}: {result['error']}\n{text}")
    return result["ok"]
