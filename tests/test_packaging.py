"""The library installs with `pip install .` and ships its type marker."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_holds_the_library_and_py_typed(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
        cwd=tmp_path,
    )
    [wheel] = tmp_path.glob("hashistack-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "hashistack/py.typed" in names
    assert {"hashistack/hcl.py", "hashistack/vault/acl.py", "hashistack/nomad/job.py"} <= names
    # The deployment and the tests are this repository's, not the library's.
    assert not any(n.startswith(("stacks/", "tests/", "constructs/")) for n in names)
