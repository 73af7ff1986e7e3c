from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ROOT = Path(__file__).resolve().parent.parent


def synth_environments(directory: Path, outdir: Path) -> dict[str, dict]:
    """Synthesize every environment in `directory` as main.py does; {stack: json}."""
    from cdktf import App

    from stacks import build, write_rendered
    from stacks.config import load_all

    app = App(outdir=str(outdir))
    stacks = [s for env in load_all(directory) for s in build(app, env)]
    app.synth()
    for stack in stacks:
        write_rendered(outdir, stack)
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
