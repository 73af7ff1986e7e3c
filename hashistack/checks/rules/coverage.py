"""What the checks could not see: an undeclared tier, a text no rule can read, a
rendered agent config that does not parse, a rule that failed on its input."""

from __future__ import annotations

from collections.abc import Iterable

from hashistack.checks.env import Env
from hashistack.checks.model import ERROR, WARNING, Hit, rule
from hashistack.checks.rules._jobs import jobs
from hashistack.checks.rules.consul_connect_ca import vault_cas
from hashistack.checks.rules.tls import auth_method_configs


@rule(
    "HS-CHECK-002", WARNING, "no tier declared",  # or one that is not dev/staging/prod
    explanation="The rules for staging and prod (audit, TLS, broad globs) depend on the "
                "environment's tier, declared on its stacks. Stacks that declare none are "
                "checked as prod, the strictest.",
    fix="hashistack.checks.declare_environment(stack, environment=..., tier=...) on each "
        "stack (stacks/ does this from the environment file).",
)
def _no_tier(env: Env) -> Iterable[Hit]:
    if env.declared_tier is None:
        said = env.tier_as_written
        what = f"declares tier {said!r}, not dev, staging or prod" if said else "declares no tier"
        yield Hit(env.stack_of("vault"), f"environment {env.name!r} {what}: checked as prod")


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


@rule(
    "HS-CHECK-004", ERROR, "rendered agent config does not parse",
    explanation="Nomad and Vault Agent read their config files as HCL and refuse to start "
                "on one that does not parse; an empty one starts the agent with defaults "
                "only. A rendered `nomad-*.hcl` or `vault-agent-*.hcl` that is empty or not "
                "HCL is a broken deploy, and no rule can check what it says.",
    fix="Re-synthesize (a truncated or hand-edited cdktf.out?), or fix the config model "
        "that rendered it.",
)
def _agent_config_unreadable(env: Env) -> Iterable[Hit]:
    for where, problem in env.unreadable_agent_configs:
        yield Hit(where, f"stacks/{where.stack}/{where.address} {problem}")


@rule(
    "HS-CHECK-005", ERROR, "rule failed on its input",
    explanation="A rule met input shaped unlike anything it expects and could not finish; "
                "what it checks is not checked. Reported as an error so that a broken input "
                "never passes as clean.",
    fix="Look at the named stacks' JSON for a value of an unexpected type (re-synthesize "
        "if it was edited by hand), and report the rule's failure as a bug.",
)
def _rule_failed(env: Env) -> Iterable[Hit]:
    return ()  # hashistack.checks.check_environment reports these; registered for its texts
