"""HS-CHECK-003: what a rule could not read, named rather than skipped."""

from __future__ import annotations

from collections.abc import Iterable

from hashistack.checks.env import Env
from hashistack.checks.facts.connect_ca import vault_cas
from hashistack.checks.facts.consul import auth_method_configs
from hashistack.checks.facts.jobs import jobs
from hashistack.checks.rulekit import WARNING, Hit, rule


@rule(
    "HS-CHECK-003", WARNING, "cannot evaluate",
    explanation="A rule met something it cannot read (a jobspec that is a Terraform "
                "expression or not HCL, a rendered file that is not HCL, a config_json that "
                "is not JSON): what it holds is not checked. Said, never skipped silently.",
    fix="Give the checks literal text to read, or suppress with the reason it is safe.",
)
def cannot_evaluate(env: Env) -> Iterable[Hit]:
    jobs(env)  # the readers note what they skip; memoized, so no second read
    env.rendered_hcl  # noqa: B018
    list(vault_cas(env))
    auth_method_configs(env)
    for where, reason in env.unevaluated:
        yield Hit(where, reason)
