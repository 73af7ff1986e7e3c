"""Vault policies that grant too much: root, sudo on sys/ and auth/, whole trees."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.model import ERROR, WARNING, Hit, rule
from hashistack.checks.rules._jobs import jobs
from hashistack.vault import presets
from hashistack.vault.policy import PathRule, PolicyDocument

PRIVILEGED = ("sys/", "auth/")
# Documented sudo grants (hashistack/vault/presets.py cites each source).
DOCUMENTED_SUDO = {r.path: set(r.capabilities) for r in presets.nomad_startup().rules}
POLICY_LISTS = ("token_policies", "allowed_policies", "policies")


def _literal(rule: PathRule) -> str:
    """The part of the path before any glob, `+` or template."""
    return re.split(r"[*+]|\{\{", rule.path, maxsplit=1)[0]


def _grants(rule: PathRule) -> set[str]:
    return set(rule.capabilities) - {"deny"}


@rule(
    "HS-VAULT-003", ERROR, "root policy in use",
    explanation=(
        "The root policy can do anything in Vault and cannot be limited; Vault's "
        "policies concept page: root tokens should be revoked once no longer needed. "
        "No integration flow needs it (Nomad vault-integration.mdx, Consul Connect CA vault.mdx)."
    ),
    fix="Name a policy with only the paths the role needs (see hashistack.vault.presets).",
)
def root_policy(env: Env) -> Iterator[Hit]:
    for res in env.resources():
        if not res.type.startswith("vault_"):
            continue
        for key in POLICY_LISTS:
            if "root" in res.names(key):
                yield Hit(res, f"{key} includes the root policy")
    for job in jobs(env):
        for (group, task), vb in sorted(job.vaults.items()):
            if vb is not None and "root" in (vb.policies or ()):
                yield Hit(job.resource, f"job {job.name!r} task {group}/{task}: "
                          "jobspec vault.policies includes root")


@rule(
    "HS-VAULT-004", ERROR, "sudo or whole-tree grant on *, sys/ or auth/",
    explanation=(
        "sys/ and auth/ control Vault itself (mounts, policies, tokens); a glob over "
        "them, or over everything, or sudo there gives root-equivalent power (Vault "
        "policies concept page: sudo paths). Only the documented presets need sudo: "
        "nomad_startup() on auth/token/create-orphan (hashicorp/vault vault/token_store.go)."
    ),
    fix="Grant the exact paths the documented presets list, without sudo.",
)
def privileged_grants(env: Env) -> Iterator[Hit]:
    for res in env.policies.values():
        doc = env.policy_doc(res)
        for r in doc.rules if doc else ():
            caps, literal = _grants(r), _literal(r)
            if not caps:
                continue
            wildcard = r.is_glob or r.has_segment_wildcard or r.is_templated
            tree = wildcard and any(p.startswith(literal) for p in PRIVILEGED)
            sudo = "sudo" in caps and (literal == "" or literal.startswith(PRIVILEGED))
            if sudo and not wildcard and caps <= DOCUMENTED_SUDO.get(r.path, set()):
                sudo = False
            if tree or sudo:
                what = f"all of {literal or '(everything)'}*" if tree else "sudo"
                yield Hit(res, f"policy {res.get('name')!r} grants {sorted(caps)} on "
                          f"{r.path!r}: {what}", vault_path=r.path)


def _connect_ca_documented(env: Env, r: PathRule) -> bool:
    """Within the documented Connect CA set for a CA in this env (its `<int>/*` CRUDL)."""
    from hashistack.checks.rules.consul_connect_ca import vault_cas

    for _, config in vault_cas(env):
        root, inter = (str(config.get(k, "")).strip("/") for k in ("RootPKIPath",
                                                                   "IntermediatePKIPath"))
        if root and inter and not presets.connect_ca_excess(
                PolicyDocument([r]), root, inter, managed_by="consul"):
            return True
    return False


@rule(
    "HS-VAULT-005", WARNING, "broad glob under a mount in prod",
    explanation=(
        "A glob directly under a mount (`secret/*`, or KV v2 `secret/data/*`) reaches "
        "every secret there, now and later, and one inside the mount's name (`secret*`) "
        "every mount so named (Vault policies concept page: glob). Listing "
        "metadata is exempt: Nomad's own nomad-workloads policy grants list on "
        "`secret/metadata/*` (NMD integrations/vault/acl.mdx), and so is the documented "
        "Connect CA set (CRUDL on `<intermediate_pki_path>/*`, WUD consul "
        "secure-mesh/certificate/vault.mdx)."
    ),
    fix="Grant per-app paths, or a templated path per job (presets.nomad_workloads).",
)
def broad_globs(env: Env) -> Iterator[Hit]:
    if env.tier != "prod":
        return
    for res in env.policies.values():
        doc = env.policy_doc(res)
        for r in doc.rules if doc else ():
            caps = _grants(r)
            if not r.is_glob or r.is_templated or not caps or caps == {"list"}:
                continue
            literal = _literal(r)
            parts = literal.split("/")
            if parts[0] + "/" in PRIVILEGED or any(p.startswith(literal) for p in PRIVILEGED):
                continue  # HS-VAULT-004's business (`*`, `s*`, `sys/...`)
            # `secret*` (a glob inside the mount segment) spans whole mounts; `secret/*`
            # and KV v2 `secret/data/*` every secret of one.
            if (len(parts) <= 2 or (len(parts) == 3 and parts[1] == "data")) \
                    and not _connect_ca_documented(env, r):
                what = "mount whose name starts with" if len(parts) == 1 else "secret under"
                yield Hit(res, f"policy {res.get('name')!r} grants {sorted(caps)} on every "
                          f"{what} {literal if len(parts) == 1 else r.path!r}",
                          vault_path=r.path)


@rule(
    "HS-VAULT-010", ERROR, "policy Vault would refuse",
    explanation=(
        "Vault parses a policy when it is written (hashicorp/vault vault/policy.go); a "
        "policy it refuses fails the apply, and a rule that can never match grants nothing."
    ),
    fix="Build the policy with hashistack.vault.policy.PolicyDocument.",
)
def unparsable_policy(env: Env) -> Iterator[Hit]:
    for res in env.policies.values():
        if env.policy_doc(res) is None:
            yield Hit(res, env.policy_error(res) or "policy does not parse")
