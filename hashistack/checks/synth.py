"""The cdktf bridge: run the checks as construct validations at `app.synth()`.

Each stack gets a validation that checks every stack of its environment
(rules cross stacks: a job's template in `<env>-nomad`, its policy in
`<env>-vault`) and fails synth with the errors found in that stack, each
naming the construct path. Warnings become construct annotations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from cdktf import Annotations, App, TerraformStack
from constructs import Construct, IConstruct

from hashistack._cdktf import add_stack_validation, settle
from hashistack.checks import check_environment
from hashistack.checks.core import ERROR, Finding
from hashistack.checks.env import Env, environment_of
from hashistack.checks.pack import pack_of
from hashistack.checks.rulekit import Rule


def _stacks(app_or_stacks: App | Construct | Iterable[TerraformStack]) -> list[TerraformStack]:
    if isinstance(app_or_stacks, Construct):
        return [c for c in app_or_stacks.node.find_all() if isinstance(c, TerraformStack)]
    return list(app_or_stacks)


def _env_findings(stacks: list[TerraformStack], pack: Mapping[str, Rule]) -> list[Finding]:
    for s in stacks:  # its own validation reports what settling finds
        settle(s)
    docs = {s.node.id: s.to_terraform() for s in stacks}
    name = environment_of(stacks[0].node.id, docs[stacks[0].node.id])
    rendered = {s.node.id: dict(getattr(s, "rendered", None) or {}) for s in stacks}
    active, _ = check_environment(Env(name, docs, rendered), pack)
    return active


def _construct(stack: TerraformStack, path: str) -> IConstruct:
    for c in stack.node.find_all():
        if c.node.path == path:
            return c
    return stack


def apply_checks(app_or_stacks: App | Construct | Iterable[TerraformStack], *,
                 rules: Iterable[Rule] | None = None) -> None:
    """Add the checks to each stack (of an App, or the given stacks) as validations.

    `rules` is the pack, as for `run_checks`: None for the default pack, or your
    own list (`[*DEFAULT_PACK, my_rule]`)."""
    pack = pack_of(rules)
    stacks = _stacks(app_or_stacks)
    by_env: dict[str, list[TerraformStack]] = {}
    for s in stacks:
        declared = getattr(s, "_hashistack_environment", None)  # declare_environment's
        by_env.setdefault(declared or environment_of(s.node.id, {}), []).append(s)
    for members in by_env.values():
        cache: list[list[Finding]] = []

        def findings(members: list[TerraformStack] = members,
                     cache: list[list[Finding]] = cache) -> list[Finding]:
            if not cache:  # once per environment, at synth, after every override is in
                cache.append(_env_findings(members, pack))
            return cache[0]

        for stack in members:
            add_stack_validation(stack, _validator(stack, findings))


def _validator(stack: TerraformStack, findings: Callable[[], list[Finding]]
               ) -> Callable[[], list[str]]:
    def validate() -> list[str]:
        errors: list[str] = []
        for f in findings():
            if f.stack != stack.node.id:
                continue
            if f.level == ERROR:
                errors.append(f"[{f.rule}] {f.construct_path}: {f.message}")
            else:
                Annotations.of(_construct(stack, f.construct_path)).add_warning(
                    f"[{f.rule}] {f.message}")
        return errors

    return validate
