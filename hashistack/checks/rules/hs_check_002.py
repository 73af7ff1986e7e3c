"""HS-CHECK-002: an environment whose stacks declare no tier."""

from __future__ import annotations

from collections.abc import Iterable

from hashistack.checks.env import Env
from hashistack.checks.rulekit import WARNING, Hit, rule


@rule(
    "HS-CHECK-002", WARNING, "no tier declared",  # or one that is not dev/staging/prod
    explanation="The rules for staging and prod (audit, TLS, broad globs) depend on the "
                "environment's tier, declared on its stacks. Stacks that declare none are "
                "checked as prod, the strictest.",
    fix="hashistack.checks.declare_environment(stack, environment=..., tier=...) on each "
        "stack (stacks/ does this from the environment file).",
)
def no_tier(env: Env) -> Iterable[Hit]:
    if env.declared_tier is None:
        said = env.tier_as_written
        what = f"declares tier {said!r}, not dev, staging or prod" if said else "declares no tier"
        yield Hit(env.stack_of("vault"), f"environment {env.name!r} {what}: checked as prod")
