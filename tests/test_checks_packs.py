"""Rule packs of your own: `run_checks(rules=...)`, `apply_checks(rules=...)` and
`python -m hashistack check --rules MODULE:NAME`."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from hashistack.checks import DEFAULT_PACK, pack_of, run_checks  # noqa: E402
from hashistack.checks.rulekit import ERROR, Hit, rule  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RULE_SOURCE = '''
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule("ACME-VAULT-001", ERROR, "policy names carry the team prefix",
      explanation="ACME's Vault is shared: every policy name starts with the team.",
      fix="Name the policy team-<name>.")
def team_prefix(env):
    for res in env.resources("vault_policy"):
        if not str(res.body.get("name", "")).startswith("team-"):
            yield Hit(res, f"policy {res.body.get('name')!r} has no team- prefix")
'''


@rule("ACME-VAULT-001", ERROR, "policy names carry the team prefix",
      explanation="ACME's Vault is shared: every policy name starts with the team.",
      fix="Name the policy team-<name>.")
def team_prefix(env):
    for res in env.resources("vault_policy"):
        if not str(res.body.get("name", "")).startswith("team-"):
            yield Hit(res, f"policy {res.body.get('name')!r} has no team- prefix")


def _prod(shipped) -> dict:
    return {k: v for k, v in shipped[1].items() if k.startswith("prod-")}


def test_the_default_pack_does_not_run_a_rule_of_your_own(shipped):
    report = run_checks(_prod(shipped))
    assert not [f for f in report.findings if f.rule == "ACME-VAULT-001"]


def test_your_rule_runs_beside_the_default_pack(shipped):
    report = run_checks(_prod(shipped), rules=[*DEFAULT_PACK, team_prefix])
    mine = [f for f in report.findings if f.rule == "ACME-VAULT-001"]
    names = {p["name"]
             for p in shipped[1]["prod-vault"]["resource"]["vault_policy"].values()}
    assert len(mine) == len(names) and all(f.level == "error" for f in mine)
    assert report.exit_code == 1


def test_only_your_rules_and_the_checks_own(shipped):
    synth = copy.deepcopy(_prod(shipped))
    report = run_checks(synth, rules=[team_prefix])
    assert {f.rule for f in report.findings} == {"ACME-VAULT-001"}
    # A suppression of a default rule the pack does not run is refused (HS-CHECK-001).
    (body,) = list(synth["prod-vault"]["resource"]["vault_policy"].values())[:1]
    body.setdefault("//", {})["hashistack_suppressions"] = [
        {"rule": "HS-VAULT-004", "reason": "not in this pack, reviewed"}]
    refused = run_checks(synth, rules=[team_prefix])
    assert any(f.rule == "HS-CHECK-001" and "unknown rule 'HS-VAULT-004'" in f.message
               for f in refused.findings)


def test_a_suppression_of_your_rule_works_and_is_unknown_to_the_default_pack(shipped):
    synth = copy.deepcopy(_prod(shipped))
    policies = synth["prod-vault"]["resource"]["vault_policy"]
    for body in policies.values():
        body.setdefault("//", {})["hashistack_suppressions"] = [
            {"rule": "ACME-VAULT-001", "reason": "platform policies, exempt by SEC-7"}]
    mine = run_checks(synth, rules=[*DEFAULT_PACK, team_prefix])
    assert not [f for f in mine.findings if f.rule == "ACME-VAULT-001"]
    assert len([f for f in mine.suppressed if f.rule == "ACME-VAULT-001"]) == len(policies)
    default = run_checks(synth)
    assert any(f.rule == "HS-CHECK-001" and "unknown rule 'ACME-VAULT-001'" in f.message
               for f in default.findings)


@pytest.mark.parametrize(("rules", "message"), [
    ([team_prefix, team_prefix], "lists ACME-VAULT-001 twice"),
    ([rule("HS-VAULT-004", ERROR, "t", explanation="e", fix="f")(lambda env: [])],
     "HS- ids are hashistack's own"),
    ([rule("acme-1", ERROR, "t", explanation="e", fix="f")(lambda env: [])],
     "upper-case words"),
    (["ACME-VAULT-001"], "Rule objects"),
])
def test_a_bad_pack_is_one_clear_error(rules, message):
    with pytest.raises(ValueError, match=message):
        pack_of(rules)


def test_suppress_in_code_takes_your_rule_ids_but_not_unknown_hs_ones(tmp_path):
    from cdktf import App, TerraformStack
    from cdktf_cdktf_provider_vault.policy import Policy
    from cdktf_cdktf_provider_vault.provider import VaultProvider

    from hashistack.checks import suppress
    from hashistack.checks.synth import apply_checks

    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "lab-vault")
    VaultProvider(stack, "vault", address="https://vault:8200")
    ops = Policy(stack, "ops", name="ops", policy='path "a" {\n  capabilities = ["read"]\n}\n')
    stack.add_override("//.hashistack", {"environment": "lab", "tier": "dev"})
    with pytest.raises(ValueError, match="unknown rule 'HS-VAULT-999'"):
        suppress(ops, "HS-VAULT-999", "a reason long enough")
    apply_checks(app, rules=[*DEFAULT_PACK, team_prefix])
    with pytest.raises(Exception, match=r"\[ACME-VAULT-001\] lab-vault/ops: policy 'ops'"):
        app.synth()
    suppress(ops, "ACME-VAULT-001", "the ops policy predates the prefix")
    app2 = App(outdir=str(tmp_path / "again"))
    stack2 = TerraformStack(app2, "lab-vault")
    VaultProvider(stack2, "vault", address="https://vault:8200")
    ops2 = Policy(stack2, "ops", name="ops", policy='path "a" {\n  capabilities = ["read"]\n}\n')
    stack2.add_override("//.hashistack", {"environment": "lab", "tier": "dev"})
    suppress(ops2, "ACME-VAULT-001", "the ops policy predates the prefix")
    apply_checks(app2, rules=[*DEFAULT_PACK, team_prefix])
    app2.synth()
    assert "ACME-VAULT-001" in (tmp_path / "again" / "stacks" / "lab-vault"
                                / "cdk.tf.json").read_text()


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "hashistack", "check", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def test_cli_runs_a_pack_from_your_module(shipped, tmp_path):
    out, _ = shipped
    (tmp_path / "acme_checks.py").write_text(
        RULE_SOURCE + "\nfrom hashistack.checks import DEFAULT_PACK\n"
        "PACK = [*DEFAULT_PACK, team_prefix]\nNOT_A_PACK = 42\n")
    done = _cli(tmp_path, str(out), "--env", "prod", "--rules", "acme_checks:PACK")
    assert done.returncode == 1, done.stderr
    assert "ACME-VAULT-001" in done.stdout and "no team- prefix" in done.stdout
    plain = _cli(tmp_path, str(out), "--env", "prod")
    assert plain.returncode == 0 and "ACME-VAULT-001" not in plain.stdout
    for spec, message in (("acme_checks", "write MODULE:NAME"),
                          ("no_such_module:PACK", "cannot import no_such_module"),
                          ("acme_checks:NOT_A_PACK", "is not a list of rules")):
        bad = _cli(tmp_path, str(out), "--rules", spec)
        assert bad.returncode == 2, (spec, bad.stderr)
        assert message in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_the_readme_rules_table_lists_every_rule_of_the_default_pack():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Checks", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip() for line in table.splitlines()
            if line.startswith("| HS-")}
    assert rows == {r.id for r in DEFAULT_PACK}
