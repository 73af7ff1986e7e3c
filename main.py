#!/usr/bin/env python
"""Builds the app: every `environments/*.toml` (or HASHISTACK_ENV) → three stacks each.

    python main.py [--jobs N] [--progress | --quiet]

Config is validated before anything is built. Environments are independent,
so each is synthesized by its own App, in parallel worker processes (one
jsii runtime each) when there are several; the checks then run over each
environment's JSON. Everything goes to a scratch directory that replaces
`cdktf.out/` only when every environment succeeded, so bad input leaves the
previous output exactly as it was.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# jsii's end-of-life banner for Node 20 would bury the one line that matters.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ENVS_DIR = ".environments"  # each environment's own App output, inside the scratch dir


class SynthError(Exception):
    """An environment failed to synthesize or has check errors."""


@dataclass
class Result:
    environment: str
    stacks: list[str] = field(default_factory=list)
    resources: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
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
    progress = args.progress if args.progress is not None else sys.stderr.isatty()
    try:
        results = _synth(envs, scratch, jobs=args.jobs, progress=progress)
    except Exception as err:  # noqa: BLE001 - one message, no traceback, for any failure
        shutil.rmtree(scratch, ignore_errors=True)
        print(f"error: {err if isinstance(err, SynthError) else _message(err)}", file=sys.stderr)
        return 1
    _replace(target, scratch)
    for r in results:
        print(f"synthesized {r.environment}: {', '.join(r.stacks)}")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Synthesize every environment.")
    parser.add_argument(
        "--jobs", type=int, default=int(os.environ.get("HASHISTACK_JOBS") or 0) or None,
        help="environments synthesized at once, each in its own process "
             "(default: the number of CPUs; 1: all in this process)",
    )
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--progress", action="store_true", default=None,
                       help="a line per environment on stderr (default: when it is a terminal)")
    shown.add_argument("--quiet", dest="progress", action="store_false")
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def _synth(envs, outdir: Path, *, jobs: int | None = 1, progress: bool = False) -> list[Result]:
    """Synthesize `envs` into `outdir` (one manifest, every stack); SynthError if any fails."""
    workers = min(jobs or os.cpu_count() or 1, len(envs))
    parts = outdir / ENVS_DIR
    outdirs = [parts / env.name for env in envs]
    if workers <= 1:
        results = [_synth_environment(e, o, progress) for e, o in zip(envs, outdirs, strict=True)]
    else:
        # fork is cheapest, but not once this process talks to a jsii runtime.
        method = "spawn" if "jsii" in sys.modules else "fork"
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
            results = list(pool.map(_synth_environment, envs, outdirs, repeat(progress)))
    for r in results:
        for warning in r.warnings:
            print(f"warning: {r.environment}: {warning}", file=sys.stderr)
    failed = [r for r in results if r.error]
    if failed:
        raise SynthError("\n".join(f"{r.environment}: {r.error}" for r in failed))
    _merge(outdir, outdirs)
    shutil.rmtree(parts)
    _format_hcl(outdir)
    return results


def _format_hcl(outdir: Path) -> None:
    """`cdktf synth --hcl` writes valid HCL that is not `terraform fmt`'s layout
    (`"${x}"` for `x`, no blank lines between blocks): format it when Terraform is here."""
    hcl = sorted(outdir.glob("stacks/*/cdk.tf"))
    terraform = shutil.which("terraform")
    if not hcl or terraform is None:
        return
    done = subprocess.run([terraform, "fmt", "-list=false", *map(str, hcl)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "CHECKPOINT_DISABLE": "1"})
    if done.returncode != 0:
        raise SynthError(f"terraform fmt refused the HCL output: {done.stderr.strip()}")


def _synth_environment(env, outdir: Path, progress: bool) -> Result:
    """One environment: its App, its rendered files, then the checks over its JSON."""
    start, result = time.perf_counter(), Result(env.name)
    if progress:
        print(f"synth {env.name}: {len(env.apps)} app(s)...", file=sys.stderr, flush=True)
    try:
        from cdktf import App

        from hashistack.checks import load_synth, run_checks
        from hashistack.checks.model import ERROR
        from stacks import build, write_rendered

        outdir.mkdir(parents=True, exist_ok=True)
        app = App(outdir=str(outdir))
        stacks = build(app, env)
        app.synth()
        for stack in stacks:
            write_rendered(outdir, stack)
        if any(outdir.glob("stacks/*/cdk.tf.json")):
            synth, rendered = load_synth(outdir)
        else:  # `cdktf synth --hcl` wrote HCL: the checks read the stacks' JSON from cdktf
            synth = {s.node.id: s.to_terraform() for s in stacks}
            rendered = {s.node.id: dict(getattr(s, "rendered", {})) for s in stacks}
        report = run_checks(synth, rendered)
    except Exception as err:  # noqa: BLE001 - one message, no traceback, for any failure
        result.error = _message(err)
        return result
    line = "[{0.rule}] {0.construct_path}: {0.message}".format
    result.warnings = [line(f) for f in report.findings if f.level != ERROR]
    errors = [line(f) for f in report.findings if f.level == ERROR]
    if errors:
        result.error = "\n  ".join(["checks failed:", *errors])
        return result
    result.stacks = [s.node.id for s in stacks]
    result.resources = sum(len(items) for doc in synth.values()
                           for items in (doc.get("resource") or {}).values())
    result.seconds = time.perf_counter() - start
    if progress:
        print(f"synth {env.name}: {len(result.stacks)} stacks, {result.resources} resources, "
              f"{result.seconds:.1f} s", file=sys.stderr, flush=True)
    return result


def _merge(outdir: Path, parts: list[Path]) -> None:
    """One cdktf output from each environment's: their stacks, one manifest."""
    manifest: dict = {"stacks": {}}
    (outdir / "stacks").mkdir(parents=True, exist_ok=True)
    for part in parts:
        own = json.loads((part / "manifest.json").read_text(encoding="utf-8"))
        manifest["version"] = own["version"]
        manifest["stacks"].update(own["stacks"])
        for stack in sorted((part / "stacks").iterdir()):
            stack.rename(outdir / "stacks" / stack.name)
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (outdir / "manifest.json").write_text(text, encoding="utf-8")


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
