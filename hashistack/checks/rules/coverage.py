"""What the checks could not see: an undeclared tier, a text no rule can read."""

from __future__ import annotations

from collections.abc import Iterable

from hashistack.checks.env import Env
from hashistack.checks.model import WARNING, Hit, rule
from hashistack.checks.rules._jobs import jobs
from hashistack.checks.rules.consul_connect_ca import vault_cas
from hashistack.checks.rules.tls import auth_method_configs


@rule(
    "HS-CHECK-002", WARNING, "no tier declared",
    explanation="The rules for staging and prod (audit, TLS, broad globs) depend on the "
                "environment's tier, declared on its stacks. Stacks that declare none are "
                "checked as prod, the strictest.",
    fix="hashistack.checks.declare_environment(stack, environment=..., tier=...) on each "
        "stack (stacks/ does this from the environment file).",
)
def _no_tier(env: Env) -> Iterable[Hit]:
    if env.declared_tier is None:
        yield Hit(env.stack_of("vault"), f"environment {env.name!r} declares no tier: "
                  "checked as prod")


@rule(
    "HS-CHECK-003", WARNING, "cannot evaluate",
    explanation="A rule met something it cannot read (a jobspec that is a Terraform "
                "expression or not HCL, a rendered file that is not HCL, a config_json that "
                "is not JSON): what it holds is not checked. Said, never skipped silently.",
    fix="Give the checks literal text to read, or suppress with the reason it is safe.",
)
def _cannot_evaluate(env: Env) -> Iterable[Hit]:
    jobs(env)  # the readers note what they skip; memoized, so no second read
    env.rendered_hcl  # noqa: B018
    list(vault_cas(env))
    auth_method_configs(env)
    for where, reason in env.unevaluated:
        yield Hit(where, reason)
