"""Suppressions that name one finding (`HS-VAULT-004[sys/*]`, as cdk-nag's
`IAM5[Action::s3:*]`), and the HS-CHECK-006 warning for one that matches nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hashistack.checks import run_checks
from hashistack.checks.model import suppression_problem
from hashistack.checks.pack import all_rules
from hashistack.checks.suppressions import DETAIL_RULES
from tests.test_checks_rules import base, vault_res

TWO_GRANTS = ('path "sys/*" {\n  capabilities = ["sudo"]\n}\n'
              'path "auth/*" {\n  capabilities = ["update"]\n}\n')
REASON = "break-glass, ticket SEC-42"


def _plant(synth) -> None:
    vault_res(synth, "vault_policy", "app")["policy"] += TWO_GRANTS


def _config(synth, *entries) -> None:
    synth["t-vault"]["//"]["hashistack"]["suppressions"] = list(entries)


def _on_resource(synth, *entries) -> None:
    vault_res(synth, "vault_policy", "app")["//"]["hashistack_suppressions"] = list(entries)


def _seen(report) -> tuple[set, set]:
    return ({(f.rule, f.vault_path) for f in report.findings},
            {(f.rule, f.vault_path) for f in report.suppressed})


def test_both_grants_are_found_first():
    synth, rendered = base()
    _plant(synth)
    assert _seen(run_checks(synth, rendered))[0] == {
        ("HS-VAULT-004", "sys/*"), ("HS-VAULT-004", "auth/*")}


@pytest.mark.parametrize("where", ["config", "resource"])
def test_a_detail_suppresses_only_that_finding(where):
    synth, rendered = base()
    _plant(synth)
    entry = {"rule": "HS-VAULT-004[sys/*]", "reason": REASON}
    if where == "config":
        _config(synth, {**entry, "resource": "vault_policy.app"})
    else:
        _on_resource(synth, entry)
    report = run_checks(synth, rendered)
    assert _seen(report) == ({("HS-VAULT-004", "auth/*")}, {("HS-VAULT-004", "sys/*")})
    [s] = report.suppressed
    assert s.rule == "HS-VAULT-004" and s.suppressed_by == REASON


def test_a_plain_rule_id_still_suppresses_every_finding_of_the_rule():
    synth, rendered = base()
    _plant(synth)
    _config(synth, {"rule": "HS-VAULT-004", "resource": "vault_policy.app", "reason": REASON})
    assert _seen(run_checks(synth, rendered)) == (
        set(), {("HS-VAULT-004", "sys/*"), ("HS-VAULT-004", "auth/*")})


def test_a_detail_no_finding_has_is_a_warning_and_suppresses_nothing():
    synth, rendered = base()
    _plant(synth)
    _config(synth, {"rule": "HS-VAULT-004[sys/**]", "resource": "vault_policy.app",
                    "reason": REASON})
    report = run_checks(synth, rendered)
    assert report.suppressed == []
    [w] = [f for f in report.findings if f.rule == "HS-CHECK-006"]
    assert (w.level, w.stack, w.resource) == ("warning", "t-vault", "")
    assert "suppression of HS-VAULT-004[sys/**] on 'vault_policy.app'" in w.message
    assert "matches no finding" in w.message and REASON in w.message
    assert report.exit_code == 1  # the two HS-VAULT-004 errors stand


@pytest.mark.parametrize("rule_id, problem", [
    ("HS-VAULT-004[sys/*]", None),
    ("HS-VAULT-004[]", "empty detail"),
    ("HS-VAULT-004[ ]", "empty detail"),
    ("HS-VAULT-999[sys/*]", "unknown rule"),
    ("HS-VAULT-004[sys/*", "unknown rule"),
    ("[sys/*]", "unknown rule"),
    ("HS-VAULT-004", None),
    ("HS-TLS-001[sys/*]", "findings have none to match"),
    ("HS-TLS-001", None),
])
def test_suppression_problem_reads_the_detail_form(rule_id, problem):
    said = suppression_problem(rule_id, REASON)
    assert (said is None) if problem is None else (problem in said)


def test_a_detail_suppression_still_needs_a_reason():
    assert "at least 10 characters" in suppression_problem("HS-VAULT-004[sys/*]", "short")


def test_a_refused_detail_suppression_is_an_error_not_a_warning():
    synth, rendered = base()
    _plant(synth)
    _config(synth, {"rule": "HS-VAULT-004[]", "resource": "vault_policy.app", "reason": REASON})
    rules = {f.rule for f in run_checks(synth, rendered).findings}
    assert rules == {"HS-VAULT-004", "HS-CHECK-001"}


def test_a_stale_suppression_on_a_clean_base_warns_once():
    synth, rendered = base()
    _config(synth, {"rule": "HS-TLS-001", "resource": "provider.vault[0]", "reason": REASON})
    report = run_checks(synth, rendered)
    [w] = report.findings
    assert (w.rule, w.level, report.exit_code) == ("HS-CHECK-006", "warning", 0)


def test_a_used_suppression_does_not_warn():
    synth, rendered = base()
    _plant(synth)
    _on_resource(synth, {"rule": "HS-VAULT-004", "reason": REASON})
    report = run_checks(synth, rendered)
    assert report.findings == [] and len(report.suppressed) == 2


def test_one_suppress_call_over_many_resources_is_one_suppression():
    """suppress(construct, ...) writes its entry, with the construct's path as scope,
    on every resource under it: used on one, none of the copies warns; used on none,
    one warning."""
    synth, rendered = base()
    _plant(synth)
    entry = {"rule": "HS-VAULT-004", "reason": REASON, "scope": "t-vault"}
    resources = [b for bodies in synth["t-vault"]["resource"].values() for b in bodies.values()]
    for body in resources:
        body["//"]["hashistack_suppressions"] = [entry]
    report = run_checks(synth, rendered)
    assert report.findings == [] and len(report.suppressed) == 2
    vault_res(synth, "vault_policy", "app")["policy"] = vault_res(
        synth, "vault_policy", "app")["policy"].replace(TWO_GRANTS, "")
    [w] = run_checks(synth, rendered).findings
    assert w.rule == "HS-CHECK-006" and "on 't-vault'" in w.message


def test_copies_without_a_scope_each_warn():
    synth, rendered = base()
    entry = {"rule": "HS-VAULT-004", "reason": REASON}
    vault_res(synth, "vault_policy", "app")["//"]["hashistack_suppressions"] = [entry]
    vault_res(synth, "vault_audit", "audit")["//"]["hashistack_suppressions"] = [entry]
    found = run_checks(synth, rendered).findings
    assert sorted(f.resource for f in found if f.rule == "HS-CHECK-006") == [
        "vault_audit.audit", "vault_policy.app"]
    assert all("on this resource" in f.message for f in found)


def test_the_warning_itself_can_be_suppressed():
    synth, rendered = base()
    _config(synth,
            {"rule": "HS-TLS-001", "resource": "provider.vault[0]", "reason": REASON},
            {"rule": "HS-CHECK-006", "resource": "t-vault", "reason": "kept for the lab env"})
    report = run_checks(synth, rendered)
    assert report.findings == []
    assert [f.rule for f in report.suppressed] == ["HS-CHECK-006"]


RULES_DIR = Path(__file__).resolve().parents[1] / "hashistack" / "checks" / "rules"


def _rules_with_a_detail() -> set[str]:
    """The ids of the rule files that yield a `Hit` with a vault_path (as a keyword,
    or the third positional argument)."""
    found = set()
    for path in sorted(RULES_DIR.glob("*.py")):
        tree = ast.parse(path.read_text())
        ids = [d.args[0].value for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
               for d in node.decorator_list
               if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "rule"
               and d.args and isinstance(d.args[0], ast.Constant)]
        sets_path = any(
            isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Hit"
            and (len(node.args) >= 3 or any(k.arg == "vault_path" for k in node.keywords))
            for node in ast.walk(tree))
        if sets_path:
            assert len(ids) == 1, (path.name, ids)  # one rule to a file
            found.update(ids)
    return found


def test_detail_rules_are_the_rules_that_set_a_vault_path():
    found = _rules_with_a_detail()
    assert "HS-VAULT-004" in found  # the scan sees the rules it must
    assert set(DETAIL_RULES) == found
    assert set(DETAIL_RULES) <= set(all_rules())


def test_a_detail_on_a_rule_without_details_is_refused_as_an_error():
    synth, rendered = base()
    _config(synth, {"rule": "HS-TLS-001[sys/*]", "resource": "provider.vault[0]",
                    "reason": REASON})
    [f] = run_checks(synth, rendered).findings
    assert (f.rule, f.level) == ("HS-CHECK-001", "error")
    assert "HS-TLS-001's findings have none to match: write HS-TLS-001" in f.message
