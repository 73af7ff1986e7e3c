"""HS-NOMAD-012: a Nomad token Vault leases must not submit jobs in every namespace."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule
from hashistack.errors import FieldError
from hashistack.hcl_read import HclSyntaxError, read
from hashistack.nomad.acl_policy import decode

# What lets a token change what runs: submit-job (in `policy = "write"`), and its
# finer-grained parts (NMD acl/policy.go).
_SUBMIT = {"submit-job", "register-job"}


@rule(
    "HS-NOMAD-012", WARNING, "a leased Nomad token can submit jobs in every namespace",
    explanation="Vault's Nomad secrets engine hands its roles' tokens to whoever may read "
                "<mount>/creds/<role>: CI and operators. A policy whose namespace rule is a "
                "glob (namespace \"*\") with policy \"write\" or submit-job lets such a "
                "token run anything in every namespace, including ones made later "
                "(NMD acl-policy.mdx, namespace rules: globs match any namespace); a "
                "`management` role bypasses every policy. An error in prod.",
    fix="Name the namespaces (the ci-deploy and operator presets list "
        "nomad.namespaces), or give the role a policy without submit-job on the glob; "
        "use client tokens only.",
)
def broad_leased_tokens(env: Env) -> Iterator[Hit]:
    if env.tier == "dev":
        return
    level = ERROR if env.tier == "prod" else None
    rules = {res.value("name"): res for res in env.resources("nomad_acl_policy")
             if isinstance(res.value("name"), str)}
    for role in env.resources("vault_nomad_secret_role"):
        name = role.value("role")
        if role.value("type") == "management":
            yield Hit(role, f"Nomad secrets role {name!r} issues management tokens",
                      level=level)
            continue
        for policy in role.names("policies"):
            found = rules.get(policy)
            if found is None or not isinstance(found.value("rules_hcl"), str):
                continue  # written elsewhere, or a reference: nothing to read here
            try:
                parsed = decode(policy, read(found.value("rules_hcl")))
            except (HclSyntaxError, FieldError) as err:
                env.cannot_evaluate(found, f"Nomad ACL policy {policy!r}: {err}")
                continue
            for glob in (r for r in parsed.rules if r.kind == "namespace" and "*" in r.name):
                if glob.granted() & _SUBMIT and "deny" not in glob.granted():
                    yield Hit(role, f"Nomad secrets role {name!r} holds policy {policy!r}, "
                                    f'whose namespace "{glob.name}" rule can submit jobs',
                              level=level)
