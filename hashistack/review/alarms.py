"""What a reviewer must see before anything else: lost state, lost guards,
weaker transport, new privilege, new check findings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hashistack.checks import Finding, run_checks
from hashistack.checks.core import JsonObject
from hashistack.checks.env import as_object, environment_of
from hashistack.checks.facts.state import STATEFUL
from hashistack.checks.jsonattr import json_attribute
from hashistack.review.model import AccessChange, Alarm, ResourceChange

# Findings that are alarms in their own right when HEAD adds them (the access diff
# raises the same alarms from what identities gain, suppressed or not).
PRIVILEGE_RULES = ("HS-VAULT-003", "HS-VAULT-004")


def resource_alarms(changes: Iterable[ResourceChange]) -> list[Alarm]:
    """Destroy or replace of state that cannot be recreated; prevent_destroy removed."""
    alarms = []
    for c in changes:
        if c.type not in STATEFUL or c.deposed:
            continue  # a deposed object is an old copy; the live one is not touched
        where = dict(environment=c.environment, stack=c.stack, address=c.address)
        if c.action == "delete":
            moved = f" (renamed to {c.renamed_to} without a moved block)" if c.renamed_to else ""
            alarms.append(Alarm(kind="stateful-destroy", message=f"{c.address} is destroyed"
                                f"{moved}: {_what(c.type)} is lost", **where))
        elif c.action == "replace":
            forced = ", ".join(a.path for a in c.attributes if a.forces_replacement)
            lost = ("Consul rotates to a new CA (the provider's delete only forgets it)"
                    if c.type == "consul_certificate_authority" else f"{_what(c.type)} is lost")
            alarms.append(Alarm(kind="stateful-replace", message=f"{c.address} is replaced "
                                f"(destroy, then create) by a change to {forced or 'it'}: "
                                f"{lost}", **where))
        for a in c.attributes:
            if a.path == "lifecycle.prevent_destroy" and a.before is True and a.after is not True:
                alarms.append(Alarm(kind="protection-removed", message=f"{c.address}: "
                                    "lifecycle.prevent_destroy removed", **where))
    return alarms


def _what(rtype: str) -> str:
    return {
        "vault_mount": "the mount and everything in it (secrets, keys)",
        "vault_pki_secret_backend_root_cert": "the root CA's key (every certificate it signed "
                                              "chains to a CA that no longer exists)",
        "vault_pki_secret_backend_intermediate_set_signed": "the signed intermediate",
        "vault_auth_backend": "the auth method with its roles and issued secret IDs",
        "vault_jwt_auth_backend": "the auth method with its roles",
        "vault_audit": "the audit device (requests go unaudited until it is back)",
        "consul_certificate_authority": "Consul's CA settings",
        "consul_acl_auth_method": "the login method and its binding rules",
    }.get(rtype, "its state")


def transport_alarms(base: Mapping[str, JsonObject], head: Mapping[str, JsonObject]) -> list[Alarm]:
    """TLS turned off or verification skipped where BASE had it, on any tier."""
    before = dict(_transport(base))
    alarms = []
    for key, (weak, environment) in sorted(_transport(head)):
        stack, where, what = key
        if weak and not before.get(key, (True, ""))[0]:
            alarms.append(Alarm(environment, stack, "tls", f"{where}: {what}", where))
    return alarms


Setting = tuple[tuple[str, str, str], tuple[bool, str]]


def _transport(synth: Mapping[str, JsonObject]) -> Iterable[Setting]:
    """((stack, where, what), (weak, environment)) for each transport setting."""
    for stack, doc in sorted(synth.items()):
        environment = environment_of(stack, doc)
        providers = as_object(doc.get("provider"))
        for kind, blocks in sorted(providers.items()):
            for i, p in enumerate(blocks if isinstance(blocks, list) else [blocks]):
                if not isinstance(p, Mapping):
                    continue
                where = f"provider.{kind}[{i}]"
                address, scheme = str(p.get("address") or ""), p.get("scheme")
                plain = address.startswith("http://") or scheme == "http"
                yield (stack, where, "uses plaintext http"), (plain, environment)
                for flag in ("skip_tls_verify", "skip_verify", "insecure_https"):
                    yield ((stack, where, f"{flag} = true: the server's certificate is not "
                            "verified"), (p.get(flag) is True, environment))
        cas = as_object(as_object(doc.get("resource")).get("consul_certificate_authority"))
        for name, body in sorted(cas.items()):
            config = json_attribute(body.get("config_json")) if isinstance(body, Mapping) else None
            if isinstance(config, dict):
                where = f"consul_certificate_authority.{name}"
                plain = str(config.get("Address", "")).startswith("http://")
                yield (stack, where, "Consul reaches Vault over plaintext http"), (
                    plain, environment)
                yield (stack, where, "TLSSkipVerify: Consul does not verify Vault"), (
                    config.get("TLSSkipVerify") is True, environment)


def finding_alarms(base_findings: Iterable[Finding], head_findings: Iterable[Finding]
                   ) -> tuple[list[Alarm], list[Finding]]:
    """(alarms, new findings): findings of `python -m hashistack check` new in HEAD;
    privilege findings (root policy, sudo or globs on *, sys/, auth/) are alarms."""
    seen = {_key(f) for f in base_findings}
    new = [f for f in head_findings if _key(f) not in seen]
    alarms = [Alarm(f.environment, f.stack, "privilege" if f.rule in PRIVILEGE_RULES
                    else "finding", f"[{f.rule}] {f.message}", f.resource)
              for f in new if f.level == "error" or f.rule in PRIVILEGE_RULES]
    return alarms, new


def _key(f: Finding) -> tuple[str, str, str, str, str]:
    return (f.rule, f.environment, f.stack, f.resource, f.message)


def check_both(base: tuple[Mapping[str, JsonObject], Mapping[str, Mapping[str, str]]],
               head: tuple[Mapping[str, JsonObject], Mapping[str, Mapping[str, str]]]
               ) -> tuple[list[Finding], list[Finding]]:
    """Every finding of the checks on each side."""
    return run_checks(*base).findings, run_checks(*head).findings



def access_alarms(access: Iterable[AccessChange]) -> list[Alarm]:
    """New `sudo` anywhere, or a new grant through a glob on `*`, `sys/` or `auth/`:
    from the access each identity really gains, so a suppression cannot hide it."""
    alarms = []
    for a in access:
        if not a.gained:
            continue
        globbed = any(g in a.path for g in ("*", "+", "{any}"))
        privileged = a.path.startswith(("sys/", "auth/", "*", "+", "{any}"))
        if "sudo" in a.gained or (globbed and privileged):
            what = "sudo" if "sudo" in a.gained else "a grant through a glob"
            alarms.append(Alarm(a.environment, f"{a.environment}-vault", "privilege",
                                f"{a.identity} gains {what} on {a.path}: "
                                f"{', '.join(a.gained)}"))
    return alarms


def suppression_alarms(base: Mapping[str, JsonObject], head: Mapping[str, JsonObject]
                       ) -> list[Alarm]:
    """A suppression HEAD adds hides findings from every later check: show it."""
    before = set(_suppressions(base))
    return [Alarm(environment, stack, "suppression",
                  f"new suppression of {rule} on {where}: {reason!r}", where)
            for environment, stack, where, rule, reason in sorted(_suppressions(head))
            if (environment, stack, where, rule, reason) not in before]


def _suppressions(synth: Mapping[str, JsonObject]) -> Iterable[tuple[str, str, str, str, str]]:
    for stack, doc in sorted(synth.items()):
        if not isinstance(doc, Mapping):
            continue
        environment = environment_of(stack, doc)
        declared = as_object(as_object(doc.get("//")).get("hashistack"))
        for s in declared.get("suppressions") or []:
            if isinstance(s, Mapping):
                yield (environment, stack, str(s.get("resource") or stack), str(s.get("rule")),
                       str(s.get("reason")))
        for rtype, items in as_object(doc.get("resource")).items():
            for name, body in as_object(items).items():
                entries = as_object(as_object(body).get("//")).get("hashistack_suppressions")
                for s in entries or []:
                    if isinstance(s, Mapping):
                        yield (environment, stack, f"{rtype}.{name}", str(s.get("rule")),
                               str(s.get("reason")))
