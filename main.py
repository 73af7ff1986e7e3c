#!/usr/bin/env python
"""Builds the app: every `environments/*.toml` (or HASHISTACK_ENV) → three stacks each.

Config is validated before anything is built, and synth goes to a scratch
directory that replaces `cdktf.out/` only on success, so bad input leaves the
previous output exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# jsii's end-of-life banner for Node 20 would bury the one line that matters.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def main() -> int:
    from stacks.config import ConfigError, load_all

    try:
        envs = load_all(
            Path(os.environ.get("HASHISTACK_ENVIRONMENTS") or ROOT / "environments"),
            os.environ.get("HASHISTACK_ENV") or None,
        )
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    # `cdktf synth` hands us its own output directory; `make synth` does not.
    cli_outdir = os.environ.get("CDKTF_OUTDIR")
    target = (Path(cli_outdir) if cli_outdir else ROOT / "cdktf.out").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".cdktf.out-", dir=target.parent))
    try:
        _synth(envs, scratch)
    except Exception as err:  # noqa: BLE001 - one message, no traceback, for any failure
        shutil.rmtree(scratch, ignore_errors=True)
        print(f"error: {_message(err)}", file=sys.stderr)
        return 1
    _replace(target, scratch)
    for env in envs:
        print(f"synthesized {env.name}: {env.name}-vault, {env.name}-consul, {env.name}-nomad")
    return 0


def _synth(envs, outdir: Path) -> None:
    from cdktf import App

    from stacks import build, write_rendered

    app = App(outdir=str(outdir))
    stacks = [stack for env in envs for stack in build(app, env)]
    app.synth()
    for stack in stacks:
        write_rendered(outdir, stack)


def _message(err: Exception) -> str:
    text = str(err).strip()
    # jsii wraps JavaScript errors; keep the first paragraph that says what failed.
    return text.split("\n    at ")[0]


# What `cdktf deploy` leaves in a stack's folder and the next synth must keep:
# provider plugins and their lock (and state, if a backend path points there).
KEEP = (".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.backup")


def _replace(target: Path, scratch: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        for stack in (scratch / "stacks").iterdir():
            for pattern in KEEP:
                for kept in (target / "stacks" / stack.name).glob(pattern):
                    kept.rename(stack / kept.name)
        target.rename(old)
    scratch.rename(target)
    shutil.rmtree(old, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
