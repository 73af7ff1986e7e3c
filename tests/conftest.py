from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ROOT = Path(__file__).resolve().parent.parent


def synth_environments(directory: Path, outdir: Path) -> dict[str, dict]:
    """Synthesize every environment in `directory` with main.py's own code; {stack: json}."""
    from main import _synth
    from stacks.config import load_all

    _synth(load_all(directory), outdir)
    return {
        p.parent.name: json.loads(p.read_text())
        for p in sorted((outdir / "stacks").glob("*/cdk.tf.json"))
    }


@pytest.fixture(scope="session")
def shipped(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """The shipped environments, synthesized once per session."""
    out = tmp_path_factory.mktemp("cdktf.out")
    return out, synth_environments(ROOT / "environments", out)


@pytest.fixture(scope="session")
def legacy(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """The documented legacy (Nomad 1.9, seed 003) example environment."""
    out = tmp_path_factory.mktemp("legacy.out")
    return out, synth_environments(ROOT / "examples" / "legacy-nomad-1.9", out)
