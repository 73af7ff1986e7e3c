#!/usr/bin/env python
"""Builds the app: every `environments/*.toml` (or HASHISTACK_ENV) → three stacks each.

    python main.py [--jobs N] [--progress | --quiet]

Config is validated before anything is built. Environments are independent,
so each is synthesized by its own App, in parallel worker processes (one
jsii runtime each) when there are several; the checks then run over each
environment's JSON. Everything goes to a scratch directory that replaces
`cdktf.out/` only when every environment succeeded, so bad input leaves the
previous output exactly as it was. One synth of an output directory runs at a
time (the next waits on `cdktf.out.lock`), and one killed at any point, even
mid-swap, leaves what the next synth makes whole again (see `_replace`).
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
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
    progress = args.progress if args.progress is not None else sys.stderr.isatty()
    try:
        with _synth_lock(target):  # a second synth of the same target waits here
            _recover(target)
            scratch = Path(tempfile.mkdtemp(prefix=_scratch_prefix(target), dir=target.parent))
            try:
                results = _synth(envs, scratch, jobs=args.jobs, progress=progress)
                _replace(target, scratch)
            except BaseException:
                shutil.rmtree(scratch, ignore_errors=True)
                with suppress(OSError):
                    _finish_swap(target)  # a swap that failed half-way: a whole output again
                raise
    except Exception as err:  # noqa: BLE001 - one message, no traceback, for any failure
        print(f"error: {err if isinstance(err, SynthError) else _message(err)}", file=sys.stderr)
        return 1
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

# The swap, safe wherever a synth is killed (kill -9 included). T is the target
# (cdktf.out), O is T + ".old", S is this synth's scratch folder, all in one
# parent directory, so every step below is one rename(2) or a delete.
#
#   1. T → O        (only if T exists)
#   2. S → T
#   3. each kept file: O/stacks/<s>/<kept> → T/stacks/<s>/<kept>
#   4. delete O (with the kept files of a stack the new output no longer has)
#
# Invariant: a kept file is never anywhere but in T or O, and
#   - O exists and T does not: O is the whole previous output (killed between 1 and 2);
#   - O and T exist: T is the whole new output, O holds what step 3 has not moved yet;
#   - no O: T (if any) is a whole output holding every kept file.
# So the next synth, under the lock, finishes it (`_finish_swap`): O back to T in the
# first case, steps 3 and 4 again in the second. Scratch folders hold no kept file
# (an older main.py moved them there first: those are brought back too) and are
# deleted under the lock as well.


def _old(target: Path) -> Path:
    return target.with_name(target.name + ".old")


def _scratch_prefix(target: Path) -> str:
    return f".{target.name}-"


def _stale_scratch(target: Path) -> list[Path]:
    """Scratch folders of this target that a killed synth left, newest first.

    They are ours: `.<target name>-` and tempfile's 8 random characters, next to
    the target (a target `a` cannot claim `a-b`'s). Every synth of this target
    makes its scratch folder while it holds the lock, so with the lock held every
    one there is a dead synth's."""
    name = re.compile(re.escape(_scratch_prefix(target)) + r"[a-z0-9_]{8}")
    found = [p for p in target.parent.iterdir() if name.fullmatch(p.name) and p.is_dir()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _move_kept(source: Path, target: Path) -> None:
    """Kept files of `source`'s stacks into the same stacks of `target`, where
    `target` has none of that name yet. One rename each: a kill leaves each
    either here or there."""
    if not (target / "stacks").is_dir() or not (source / "stacks").is_dir():
        return
    for stack in sorted((target / "stacks").iterdir()):
        for pattern in KEEP:
            for kept in sorted((source / "stacks" / stack.name).glob(pattern)):
                into = stack / kept.name
                if not into.exists() and not into.is_symlink():
                    kept.rename(into)


def _finish_swap(target: Path) -> None:
    """Back to a whole output at `target` holding every kept file, whatever step
    a killed or failed swap stopped at (see the invariant above)."""
    old = _old(target)
    if not old.exists():
        return
    if not target.exists():
        old.rename(target)
        return
    _move_kept(old, target)
    shutil.rmtree(old)


def _recover(target: Path) -> None:
    """What killed synths left, made whole; their scratch folders removed. Under the lock."""
    _finish_swap(target)
    for stale in _stale_scratch(target):
        _move_kept(stale, target)  # an older main.py had moved them there first
        shutil.rmtree(stale, ignore_errors=True)


def _replace(target: Path, scratch: Path) -> None:
    """The whole new output `scratch` becomes `target`, keeping the kept files."""
    _finish_swap(target)
    old = _old(target)
    if target.exists():
        target.rename(old)
    scratch.rename(target)
    _finish_swap(target)


@contextmanager
def _synth_lock(target: Path) -> Iterator[None]:
    """One synth of `target` at a time; the next waits, saying for whom.

    A POSIX lock (lockf) on `<target>.lock`: the kernel drops it when its process
    dies, however it dies, and forked environment workers do not inherit it. The
    holder deletes the file before letting go (nothing left behind); a waiter that
    then gets the lock on the deleted file sees so and tries again. Nothing else in
    this process may open the lock file: closing any descriptor of a file drops
    the process's POSIX locks on it."""
    path = target.with_name(target.name + ".lock")
    said = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                if err.errno not in (errno.EACCES, errno.EAGAIN):
                    raise
                if not said:
                    pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    print(f"waiting for another synth (pid {pid})...", file=sys.stderr,
                          flush=True)
                    said = True
                fcntl.lockf(fd, fcntl.LOCK_EX)
            try:
                now, held = os.stat(path), os.fstat(fd)
                if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
                    break
            except FileNotFoundError:
                pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)  # still locked: a waiter on it will see it gone
        os.close(fd)


if __name__ == "__main__":
    sys.exit(main())
