"""hashistack checks: what each token can really do, and what is wrong, before deploy.

Pure Python over synthesized JSON (no cdktf, jsii or Node), so the same rules
run at synth (hashistack.checks.synth) and from `python -m hashistack check`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from hashistack.checks.env import Env, group
from hashistack.checks.model import (
    ERROR,
    WARNING,
    Finding,
    Report,
    Rule,
    all_rules,
    apply_suppressions,
    run_rules,
    suppression_problem,
)

__all__ = [
    "ERROR", "WARNING", "CheckInputError", "Finding", "Report", "Rule", "all_rules",
    "check_environment", "declare_environment", "load_synth", "run_checks", "suppress",
]

TIERS = ("dev", "staging", "prod")


class CheckInputError(ValueError):
    """The synth output cannot be read (missing directory, bad JSON)."""


def check_environment(env: Env) -> tuple[list[Finding], list[Finding]]:
    """(active, suppressed) findings for one environment."""
    found = list(run_rules(env, all_rules().values()))
    return apply_suppressions(env, found)


def run_checks(synth: Mapping[str, dict], rendered: Mapping[str, Mapping[str, str]] | None = None,
               *, env: str | None = None, jobs: int = 1) -> Report:
    """Run every rule over `{stack: cdk.tf.json dict}` and `{stack: {file: text}}`.

    Environments are independent: with `jobs` > 1 they are checked in that many
    forked processes (where the platform forks; one at a time elsewhere).
    """
    envs = [e for e in group(synth, rendered) if env is None or e.name == env]
    report = Report()
    for e, (active, suppressed) in zip(envs, _check_each(envs, jobs), strict=True):
        report.findings += active
        report.suppressed += suppressed
        report.environments.append(e.name)
        report.stacks += sorted(e.stacks)
    return report


_FORKED: list[Env] = []  # what forked workers check, inherited rather than pickled


def _check_each(envs: list[Env], jobs: int) -> list[tuple[list[Finding], list[Finding]]]:
    import multiprocessing

    workers = min(jobs, len(envs))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [check_environment(e) for e in envs]
    from concurrent.futures import ProcessPoolExecutor

    _FORKED[:] = envs
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            return list(pool.map(_check_forked, range(len(envs))))
    finally:
        _FORKED.clear()


def _check_forked(index: int) -> tuple[list[Finding], list[Finding]]:
    return check_environment(_FORKED[index])


def load_synth(outdir: str | Path) -> tuple[dict[str, dict], dict[str, dict[str, str]]]:
    """Read `cdktf.out`: each stack's cdk.tf.json and its `rendered/` files."""
    root = Path(outdir)
    if not root.is_dir():
        raise CheckInputError(f"{root}: not a directory (run `make synth` first)")
    stack_files = _stack_files(root)
    hcl = [p for p in stack_files.values() if p.suffix == ".tf"]
    if hcl:
        raise CheckInputError(f"{hcl[0]}: synthesized as HCL (cdktf synth --hcl); the checks "
                              "read cdk.tf.json: synthesize without --hcl to check")
    if not stack_files:
        raise CheckInputError(f"{root}: no stacks/*/cdk.tf.json (is this a cdktf output dir?)")
    synth, rendered = {}, {}
    for name, path in stack_files.items():
        try:
            synth[name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise CheckInputError(f"{path}: cannot read: {err}") from None
        files = path.parent / "rendered"
        rendered[name] = {
            str(f.relative_to(files)): f.read_text(encoding="utf-8", errors="replace")
            for f in sorted(files.rglob("*")) if f.is_file()
        } if files.is_dir() else {}
    return synth, rendered


def _stack_files(root: Path) -> dict[str, Path]:
    manifest = root / "manifest.json"
    if manifest.is_file():
        try:
            stacks = json.loads(manifest.read_text(encoding="utf-8")).get("stacks", {})
        except ValueError as err:
            raise CheckInputError(f"{manifest}: bad JSON: {err}") from None
        return {name: root / s["synthesizedStackPath"] for name, s in sorted(stacks.items())
                if (root / s.get("synthesizedStackPath", "")).is_file()}
    return {p.parent.name: p for p in sorted(root.glob("stacks/*/cdk.tf.json"))}


def declare_environment(stack, *, environment: str, tier: str,
                        nomad_version: str | None = None, integration: str | None = None,
                        suppressions: list[dict] | None = None) -> None:
    """Say which environment and tier a stack belongs to, for the checks.

    Written into the stack's JSON (`"//".hashistack`), so `python -m hashistack
    check` reads it too. Stacks of one environment are checked together; the
    tier decides the staging and prod rules. A stack that declares nothing is
    checked as prod, with a warning (HS-CHECK-002). `suppressions` are
    `{"rule", "resource", "reason"}` entries; a refused one is an HS-CHECK-001 error.
    """
    if tier not in TIERS:
        raise ValueError(f"{stack.node.path}: tier must be one of {', '.join(TIERS)}, "
                         f"got {tier!r}")
    if not isinstance(environment, str) or not environment:
        raise ValueError(f"{stack.node.path}: environment must be a non-empty name")
    stack._hashistack_environment = environment  # for apply_checks, before any synth
    stack._hashistack_tier = tier  # stateful resources are guarded in prod
    stack.add_override("//.hashistack", {
        "environment": environment,
        "tier": tier,
        "nomad_version": nomad_version,
        "integration": integration,
        "suppressions": list(suppressions or []),
    })


def suppress(construct, rule_id: str, reason: str) -> None:
    """Suppress `rule_id` on a resource, or on every resource under a construct.

    Written into the resource's JSON as `"//".hashistack_suppressions`, so the CLI
    sees it too. The reason must say why (at least 10 characters).
    """
    problem = suppression_problem(rule_id, reason)
    if problem:
        raise ValueError(f"{construct.node.path}: {problem}")
    from cdktf import TerraformResource  # the bridge: only here, only when called

    targets = [c for c in construct.node.find_all() if isinstance(c, TerraformResource)]
    if not targets:
        raise ValueError(f"{construct.node.path}: no Terraform resource to suppress {rule_id} on")
    for res in targets:
        body = next(iter(next(iter(res.to_terraform()["resource"].values())).values()))
        entries = list(body.get("//", {}).get("hashistack_suppressions") or [])
        entries.append({"rule": rule_id, "reason": reason.strip()})
        res.add_override("//.hashistack_suppressions", entries)
