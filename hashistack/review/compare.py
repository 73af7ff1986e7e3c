"""Compare two synth outputs (directories, or git refs synthesized on the fly)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from hashistack.checks import load_synth
from hashistack.checks.core import JsonObject
from hashistack.checks.env import environment_of
from hashistack.errors import HashistackError
from hashistack.review import alarms as alarm
from hashistack.review.model import ResourceChange, Review


class ReviewInputError(HashistackError):
    """BASE, HEAD or a plan cannot be read: one message naming it (exit 2); `path`
    is the file or directory at fault where one is known."""


def review(base_dir: Path, head_dir: Path, plans: Mapping[str, Path] | None = None) -> Review:
    """Everything a reviewer needs between two synth outputs."""
    from hashistack.review.access import diff_access
    from hashistack.review.resources import diff_resources

    base, head = _load(base_dir, "BASE"), _load(head_dir, "HEAD")
    resources = diff_resources(base[0], head[0])
    if plans:
        resources = _with_plans(resources, head[0], plans)
    access, policies = diff_access(base[0], head[0], base[1], head[1])
    found_alarms, new = alarm.finding_alarms(*alarm.check_both(base, head))
    environments = sorted({environment_of(s, d) for s, d in {**base[0], **head[0]}.items()})
    return Review(
        resources=resources, access=access, policies=policies,
        alarms=[*alarm.resource_alarms(resources), *alarm.transport_alarms(base[0], head[0]),
                *alarm.access_alarms(access), *alarm.suppression_alarms(base[0], head[0]),
                *found_alarms],
        findings=new, environments=environments,
    )


def _load(directory: Path, what: str) -> tuple[dict[str, JsonObject], dict[str, dict[str, str]]]:
    from hashistack.checks import CheckInputError

    try:
        return load_synth(directory)
    except CheckInputError as err:
        raise ReviewInputError(f"{what}: {err}", path=err.path or directory) from None


def _with_plans(resources: list[ResourceChange], head: Mapping[str, JsonObject],
                plans: Mapping[str, Path]) -> list[ResourceChange]:
    """A real plan is exact (drift, provider-forced replacements): it replaces the
    synth-derived view of its stack."""
    from hashistack.review.plan import PlanError, read_plan

    out = [c for c in resources if c.stack not in plans]
    for stack, path in sorted(plans.items()):
        if stack not in head:
            raise ReviewInputError(f"--plan {stack}={path}: HEAD has no stack {stack!r}",
                                   path=path)
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            out += read_plan(stack, environment_of(stack, head[stack]), data)
        except (OSError, UnicodeDecodeError, ValueError, PlanError) as err:
            raise ReviewInputError(f"--plan {stack}={path}: {err}", path=path) from None
    return sorted(out, key=lambda c: (c.environment, c.stack, c.address))


@contextmanager
def synth_output(source: str, repo: Path | None = None) -> Iterator[Path]:
    """`source` as a synth output directory: itself, or a git ref synthesized by that
    ref's own main.py and environments into a temporary directory."""
    path = Path(source)
    if path.is_dir():
        yield path
        return
    repo = repo or _repo_root()
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{source}^{{commit}}")
    if commit is None:
        raise ReviewInputError(f"{source}: neither a synth output directory nor a git ref "
                               f"of {repo}", path=source)
    with tempfile.TemporaryDirectory(prefix="hashistack-review-") as tmp:
        yield _synth_ref(repo, commit.strip(), Path(tmp))


def _synth_ref(repo: Path, commit: str, tmp: Path) -> Path:
    src, out = tmp / "src", tmp / "cdktf.out"
    src.mkdir()
    archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", commit],
                             capture_output=True)
    unpack = subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout,
                            capture_output=True) if archive.returncode == 0 else archive
    if unpack.returncode != 0:
        why = unpack.stderr.decode(errors="replace").strip().splitlines() or ["(no message)"]
        raise ReviewInputError(f"{commit[:12]}: cannot unpack the ref: {why[-1]}")
    _warn_if_installs_differ(repo, commit)
    # The ref's code with the installs at hand: the repository's, else those of
    # the checkout this module runs from (a fresh clone has none of its own).
    here = Path(__file__).resolve().parents[2]
    for shared in ("node_modules", ".venv"):
        found = next((d / shared for d in (repo, here) if (d / shared).exists()), None)
        if found is not None and not (src / shared).exists():
            (src / shared).symlink_to(found)
    env = {k: v for k, v in os.environ.items() if k != "HASHISTACK_ENVIRONMENTS"}
    env.update(CDKTF_OUTDIR=str(out), JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
               CHECKPOINT_DISABLE="1")
    try:
        done = subprocess.run([sys.executable, "main.py", "--quiet"], cwd=src, env=env,
                              capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        raise ReviewInputError(f"{commit[:12]}: synth took over 30 minutes") from None
    if done.returncode != 0:
        # Its own error lines ("error: ...", "checks failed:" and the findings), with
        # the temporary checkout's path taken out: they name the ref's files.
        lines = [ln.replace(f"{src}/", "") for ln in done.stderr.strip().splitlines()]
        said = [ln for ln in lines if ln.startswith(("error:", "  "))][:8] or lines[-1:]
        raise ReviewInputError(f"{commit[:12]}: synth failed (exit {done.returncode}): "
                               + "\n".join(said or ["(no message)"]))
    shutil.rmtree(src, ignore_errors=True)
    return out


def _warn_if_installs_differ(repo: Path, commit: str) -> None:
    """The ref runs with this checkout's .venv and node_modules: say so when its
    lock files pin something else (a dependency bump would not show)."""
    for lock in ("Pipfile.lock", "package-lock.json"):
        theirs = _git(repo, "show", f"{commit}:{lock}")
        path = repo / lock
        if theirs is not None and path.is_file() and theirs != path.read_text(encoding="utf-8"):
            print(f"warning: {commit[:12]} is synthesized with this checkout's installs; its "
                  f"{lock} differs", file=sys.stderr)


def _repo_root() -> Path:
    top = _git(Path.cwd(), "rev-parse", "--show-toplevel")
    if top is None:
        raise ReviewInputError(f"{Path.cwd()}: not inside a git repository, and BASE/HEAD "
                               "are not directories")
    return Path(top.strip())


def _git(repo: Path, *args: str) -> str | None:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None
