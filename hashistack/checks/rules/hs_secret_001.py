"""HS-SECRET-001: secret-looking literals in what is deployed: jobspecs, CA config,
rendered files, providers, and the unmistakable shapes everywhere else."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, Resource
from hashistack.checks.facts.secrets import (
    PROVIDER_SECRETS,
    SHAPES,
    is_reference,
    literals,
    strings,
)
from hashistack.checks.rulekit import ERROR, Hit, rule


def _sources(env: Env) -> Iterator[tuple[Resource, str, str]]:
    for res in env.resources("nomad_job"):
        if isinstance(res.get("jobspec"), str):
            yield res, "jobspec", res.get("jobspec")
    for res in env.resources("consul_certificate_authority"):
        if isinstance(res.get("config_json"), str):
            yield res, "config_json", res.get("config_json")
    for where, text in env.rendered_files():
        yield where, "file", text


@rule(
    "HS-SECRET-001", ERROR, "secret-looking literal",
    explanation=(
        "A literal token, key or password in a jobspec, CA config or rendered file ends up "
        "in Terraform state, in Nomad's job history and on disk, readable by anyone who can "
        "read those. Nomad templates and Vault Agent read secrets at run time instead "
        "(NMD job-specification/template.mdx)."
    ),
    fix="Store the value in Vault and read it with a template ({{ with secret ... }}), or "
        "pass it through the environment (VAULT_TOKEN) at run time.",
)
def secret_literals(env: Env) -> Iterator[Hit]:
    for where, field, text in _sources(env):
        for line, what in literals(text):
            yield Hit(where, f"{what} in {field} line {line}")
    # Everywhere else (a cert role's `certificate`, a description, a provider block,
    # outputs, locals, variable defaults, the backend): the unmistakable shapes
    # only; key = value guesses would flag policy paths.
    scanned = {"nomad_job", "consul_certificate_authority"}
    for res in env.resources():
        if res.type not in scanned:
            yield from _shapes(res, res.body, "")
    for stack, doc in sorted(env.stacks.items()):
        if isinstance(doc, dict):
            rest = {k: v for k, v in doc.items() if k not in ("resource", "//")}
            yield from _shapes(stack, rest, "")
    for kind, keys in PROVIDER_SECRETS.items():
        for p in env.providers(kind):
            for key in keys:
                value = p.get(key)
                if isinstance(value, str) and not is_reference(value):
                    yield Hit(p, f"{kind} provider {key} is a literal")


def _shapes(where: Resource | str, body: object, at: str) -> Iterator[Hit]:
    for field, text in strings(body, at):
        shapes = sorted({what for what, pattern in SHAPES if pattern.search(text)})
        if shapes:
            yield Hit(where, f"{' and '.join(shapes)} in {field}")
