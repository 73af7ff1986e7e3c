"""hashistack checks: what each token can really do, and what is wrong, before deploy.

Pure Python over synthesized JSON (no cdktf, jsii or Node), so the same rules
run at synth (hashistack.checks.synth) and from `python -m hashistack check`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from hashistack.checks.core import ERROR, WARNING, Finding, Report
from hashistack.checks.env import Env, group
from hashistack.checks.load import CheckInputError, load_synth
from hashistack.checks.pack import DEFAULT_PACK, all_rules, pack_of
from hashistack.checks.rulekit import Hit, Rule, finding, run_rules
from hashistack.checks.suppressions import apply_suppressions, suppression_problem

if TYPE_CHECKING:  # annotations only: this package never imports cdktf at run time
    from cdktf import TerraformStack
    from constructs import IConstruct

__all__ = [
    "DEFAULT_PACK", "ERROR", "WARNING", "CheckInputError", "Finding", "Report", "Rule",
    "all_rules",
    "check_environment", "pack_of", "declare_environment", "load_synth", "run_checks", "suppress",
]

TIERS = ("dev", "staging", "prod")


RULE_FAILED = "HS-CHECK-005"


def check_environment(env: Env, rules: Mapping[str, Rule] | None = None
                      ) -> tuple[list[Finding], list[Finding]]:
    """(active, suppressed) findings for one environment, by the rules of `rules`
    (a `pack_of` result; default: the default pack)."""
    pack = all_rules() if rules is None else rules
    found = [f for r in pack.values() for f in _run_rule(env, r)]
    return apply_suppressions(env, found, pack)


def _run_rule(env: Env, rule: Rule) -> Iterator[Finding]:
    """The rule's findings; if it fails on input it did not expect, an HS-CHECK-005
    error saying so (what it found before failing is kept), never a traceback."""
    found: list[Finding] = []
    try:
        found.extend(run_rules(env, [rule]))
    except Exception as err:  # noqa: BLE001 - any rule bug on odd input becomes a finding
        files = ", ".join(f"stacks/{s}/cdk.tf.json" for s in sorted(env.stacks))
        reason = f"{type(err).__name__}: {err}"[:200]
        found.append(finding(env, all_rules()[RULE_FAILED], Hit(
            env.stack_of("vault"),
            f"rule {rule.id} ({rule.title}) failed on this environment's input ({reason}); "
            f"what it checks is not checked. Input: {files}")))
    yield from found


def run_checks(synth: Mapping[str, Mapping[str, object]],
               rendered: Mapping[str, Mapping[str, str]] | None = None,
               *, env: str | None = None, jobs: int = 1,
               rules: Iterable[Rule] | None = None) -> Report:
    """Run the rules over `{stack: cdk.tf.json dict}` and `{stack: {file: text}}`.

    `rules` is the pack: None for the default pack, or your own list (e.g.
    `[*DEFAULT_PACK, my_rule]`; the checks' own HS-CHECK rules always run, see
    `pack_of`). Only the environment named `env` is checked, if given.
    Environments are independent: with `jobs` > 1 they are checked in that many
    forked processes (where the platform forks; one at a time elsewhere).
    """
    pack = pack_of(rules)
    docs = {stack: doc if isinstance(doc, dict) else dict(doc) for stack, doc in synth.items()}
    envs = [e for e in group(docs, rendered) if env is None or e.name == env]
    report = Report()
    for e, (active, suppressed) in zip(envs, _check_each(envs, jobs, pack), strict=True):
        report.findings += active
        report.suppressed += suppressed
        report.environments.append(e.name)
        report.stacks += sorted(e.stacks)
    return report


# What forked workers check and with which rules, inherited rather than pickled.
_FORKED: list[Env] = []
_FORKED_PACK: list[Mapping[str, Rule]] = []


def _check_each(envs: list[Env], jobs: int, pack: Mapping[str, Rule]
                ) -> list[tuple[list[Finding], list[Finding]]]:
    import multiprocessing

    workers = min(jobs, len(envs))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [check_environment(e, pack) for e in envs]
    from concurrent.futures import ProcessPoolExecutor

    _FORKED[:] = envs
    _FORKED_PACK[:] = [pack]
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            return list(pool.map(_check_forked, range(len(envs))))
    finally:
        _FORKED.clear()
        _FORKED_PACK.clear()


def _check_forked(index: int) -> tuple[list[Finding], list[Finding]]:
    return check_environment(_FORKED[index], _FORKED_PACK[0])


def declare_environment(stack: TerraformStack, *, environment: str, tier: str,
                        nomad_version: str | None = None, integration: str | None = None,
                        suppressions: Sequence[Mapping[str, str]] | None = None) -> None:
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
    # Read before any synth: the environment by apply_checks, the tier by the stack's
    # settle (prod guards stateful resources). Attributes TerraformStack does not declare.
    stack._hashistack_environment = environment  # type: ignore[attr-defined]
    stack._hashistack_tier = tier  # type: ignore[attr-defined]
    stack.add_override("//.hashistack", {
        "environment": environment,
        "tier": tier,
        "nomad_version": nomad_version,
        "integration": integration,
        "suppressions": [dict(entry) for entry in suppressions or []],
    })


def suppress(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Suppress `rule_id` on a resource, or on every resource under a construct.

    `rule_id` may name one finding's detail, as `"HS-VAULT-004[sys/*]"` (its
    vault_path), or a rule of your own pack (`ACME-VAULT-001`; checked against
    the pack when the checks run). Written into the resource's JSON as
    `"//".hashistack_suppressions` (with the construct's path as its scope), so
    the CLI sees it too. The reason must say why (at least 10 characters); one
    that matches no finding is an HS-CHECK-006 warning.
    """
    problem = suppression_problem(rule_id, reason, user_rules=True)
    if problem:
        raise ValueError(f"{construct.node.path}: {problem}")
    from cdktf import TerraformResource  # the bridge: only here, only when called

    targets = [c for c in construct.node.find_all() if isinstance(c, TerraformResource)]
    if not targets:
        raise ValueError(f"{construct.node.path}: no Terraform resource to suppress {rule_id} on")
    for res in targets:
        body = next(iter(next(iter(res.to_terraform()["resource"].values())).values()))
        entries = list(body.get("//", {}).get("hashistack_suppressions") or [])
        entries.append({"rule": rule_id, "reason": reason.strip(), "scope": construct.node.path})
        res.add_override("//.hashistack_suppressions", entries)
