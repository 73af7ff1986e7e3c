"""`python -m hashistack review BASE HEAD` on real synth outputs: one change per
scenario, the report a reviewer would read, the exit codes, and git refs."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hashistack.__main__ import main
from hashistack.review import report
from hashistack.review.compare import review
from tests.conftest import synth_environments

ROOT = Path(__file__).resolve().parent.parent
PROD = (ROOT / "environments" / "prod.toml").read_text()
SECOND_APP = '''
[[apps]]
name = "billing"
image = "registry.example.internal/billing:2.0.0"
secrets = { STRIPE_KEY = "stripe_key" }
'''


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """BASE: the shipped prod. HEAD: an app added, the root CA's common name changed,
    the KV mount no longer managed: three config changes, one synth each."""
    root = tmp_path_factory.mktemp("review")
    made = {}
    for name, text in {
        "base": PROD,
        "head": PROD.replace('[vault.audit]', '[vault.pki]\ncommon_name = "Connect Root CA 2"\n'
                             '\n[vault.audit]', 1).replace(
            '[vault]\n', '[vault]\nkv_create_mount = false\n', 1) + SECOND_APP,
    }.items():
        envs = root / f"{name}-envs"
        envs.mkdir()
        (envs / "prod.toml").write_text(text)
        synth_environments(envs, root / name)
        made[name] = root / name
    return made


def copy_of(out: Path, tmp_path: Path) -> Path:
    target = tmp_path / "edited"
    shutil.copytree(out, target)
    return target


def edit(out: Path, stack: str, change) -> None:
    path = out / "stacks" / stack / "cdk.tf.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=2))


def one(doc: dict, rtype: str, **match) -> tuple[str, dict]:
    found = [(k, v) for k, v in doc["resource"][rtype].items()
             if all(v.get(a) == b for a, b in match.items())]
    assert len(found) == 1, (rtype, match, [k for k, _ in found])
    return found[0]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["review", *map(str, args)])
    return code, out.getvalue(), err.getvalue()


def test_identical_inputs_say_no_changes(outputs):
    code, out, _ = run(outputs["base"], outputs["base"])
    assert code == 0 and out == "hashistack review: no changes\n"
    code, out, _ = run(outputs["base"], outputs["base"], "--format", "markdown")
    assert code == 0 and "no changes" in out.splitlines()[0]


def test_config_changes_end_to_end(outputs):
    r = review(outputs["base"], outputs["head"])
    kinds = {(a.kind, a.address.split(".")[0]) for a in r.alarms}
    # The KV mount dropped: its secrets go with it.
    assert ("stateful-destroy", "vault_mount") in kinds
    # The root CA's common name forces a new certificate: a replace.
    root = [c for c in r.resources if c.type == "vault_pki_secret_backend_root_cert"]
    assert [c.action for c in root] == ["replace"]
    assert any(a.path == "common_name" and a.forces_replacement for a in root[0].attributes)
    assert ("stateful-replace", "vault_pki_secret_backend_root_cert") in kinds
    # The new app: new identities with access, which is broadening.
    billing = [a for a in r.access if "billing" in a.identity]
    assert billing and all("new identity" in a.broadening for a in billing)
    assert any(a.path.endswith("billing") and "read" in a.gained for a in billing)
    created = {c.type for c in r.resources if c.action == "create"}
    assert {"vault_policy", "nomad_job", "vault_jwt_auth_backend_role"} <= created
    assert run(outputs["base"], outputs["head"])[0] == 3
    assert run(outputs["base"], outputs["head"], "--fail-on", "none")[0] == 0


def _policy(doc: dict, name: str) -> dict:
    return one(doc, "vault_policy", name=name)[1]


def test_a_widened_policy_is_broadening_and_a_narrowed_one_is_not(outputs, tmp_path):
    head = copy_of(outputs["base"], tmp_path)
    edit(head, "prod-vault", lambda d: _policy(d, "app-myapp").update(
        policy=_policy(d, "app-myapp")["policy"].replace("secret/data/myapp", "secret/data/*")))
    r = review(outputs["base"], head)
    widened = [a for a in r.access if a.gained]
    assert widened and all(a.broadening for a in widened)
    assert any("wider glob" in a.broadening for a in widened)
    assert run(outputs["base"], head, "--fail-on", "broadening")[0] == 3
    assert run(outputs["base"], head, "--fail-on", "alarm")[0] == (3 if r.alarms else 0)
    # The other way round is a narrowing: losses only, nothing to approve.
    r = review(head, outputs["base"])
    assert r.access and not any(a.broadening for a in r.access)
    assert all(a.lost and not a.gained for a in r.access)
    assert run(head, outputs["base"])[0] == 0


def test_a_template_moved_out_of_its_grant_is_a_new_finding(outputs, tmp_path):
    head = copy_of(outputs["base"], tmp_path)
    edit(head, "prod-nomad", lambda d: one(d, "nomad_job")[1].update(
        jobspec=one(d, "nomad_job")[1]["jobspec"].replace("secret/data/myapp",
                                                          "secret/data/payroll")))
    r = review(outputs["base"], head)
    assert [f.rule for f in r.findings] == ["HS-VAULT-001"]
    assert any(a.kind == "finding" and "HS-VAULT-001" in a.message for a in r.alarms)
    assert [c.action for c in r.resources] == ["update"]


def test_a_renamed_construct_is_destroy_and_create_and_says_so(outputs, tmp_path):
    head = copy_of(outputs["base"], tmp_path)

    def rename(doc):
        key, body = one(doc, "vault_mount", type="kv")
        del doc["resource"]["vault_mount"][key]
        doc["resource"]["vault_mount"]["secrets_kv_1234ABCD"] = body
    edit(head, "prod-vault", rename)
    r = review(outputs["base"], head)
    mounts = {c.action: c for c in r.resources if c.type == "vault_mount"}
    assert set(mounts) == {"delete", "create"}
    assert mounts["delete"].renamed_to == "vault_mount.secrets_kv_1234ABCD"
    assert any(a.kind == "stateful-destroy" and "renamed" in a.message for a in r.alarms)


def test_tls_turned_off_in_prod_is_an_alarm(outputs, tmp_path):
    head = copy_of(outputs["base"], tmp_path)
    edit(head, "prod-vault", lambda d: d["provider"]["vault"][0].update(
        address="http://vault.prod.example.internal:8200", skip_tls_verify=True))
    r = review(outputs["base"], head)
    tls = [a.message for a in r.alarms if a.kind == "tls"]
    assert any("plaintext http" in m for m in tls) and any("skip_tls_verify" in m for m in tls)
    assert any(f.rule == "HS-TLS-001" for f in r.findings)


def test_secrets_are_masked_everywhere(outputs, tmp_path):
    head = copy_of(outputs["base"], tmp_path)
    token = "hvs.CAESIJ0reallysecretvalue0123456789"
    edit(head, "prod-consul", lambda d: one(d, "consul_certificate_authority")[1].update(
        config_json=one(d, "consul_certificate_authority")[1]["config_json"].replace(
            '"Address"', f'"Token": "{token}", "Address"')))
    for fmt in ("markdown", "text", "json"):
        _, out, _ = run(outputs["base"], head, "--format", fmt)
        assert token not in out and "reallysecret" not in out, fmt


def test_markdown_for_a_pull_request(outputs, snapshot):
    text = report.to_markdown(review(outputs["base"], outputs["head"]))
    assert text.startswith("### hashistack review: ")
    assert "> [!CAUTION]" in text and "<details>" in text
    assert text.index("[!CAUTION]") < text.index("Vault access") < text.index("<details>")
    # Temporary paths and ids that change per run do not reach the comment.
    assert str(outputs["head"]) not in text
    assert text == snapshot
    # The README shows this very report.
    readme = (ROOT / "README.md").read_text()
    assert readme.split("```markdown\n", 1)[1].split("\n```\n", 1)[0] == text.strip()


def test_a_huge_change_stays_within_the_comment_limit_and_says_so(outputs):
    r = review(outputs["base"], outputs["head"])
    r.resources = r.resources * 400
    text = report.to_markdown(r, limit=20_000)
    assert len(text) <= 20_000 and "more not shown" in text


def test_bad_input_is_exit_2_with_one_line(outputs, tmp_path):
    code, _, err = run(tmp_path / "missing-and-not-a-ref", outputs["base"])
    assert code == 2 and err.count("\n") == 1 and "neither a synth output directory" in err
    code, _, err = run(outputs["base"], outputs["base"], "--plan", "nope")
    assert code == 2 and "STACK=PLAN_JSON" in err
    bad = tmp_path / "plan.json"
    bad.write_text("{not json")
    code, _, err = run(outputs["base"], outputs["base"], "--plan", f"prod-vault={bad}")
    assert code == 2 and str(bad) in err


def test_two_git_refs_in_a_temporary_clone(tmp_path):
    """BASE and HEAD as commits: each synthesized with its own code and environments."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-local", str(ROOT), str(clone)], check=True)
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    dev = clone / "environments" / "dev.toml"
    dev.write_text(dev.read_text() + '\n[vault.pki]\ncommon_name = "Dev Root 2"\n')
    # And a code change: had BASE been built with HEAD's code, this would not show.
    stack = clone / "stacks" / "vault_stack.py"
    code = stack.read_text().replace('return f"app-{app}"', 'return f"application-{app}"')
    stack.write_text(code)
    subprocess.run([*git, "commit", "--quiet", "-am", "dev: new root CA name"], check=True)
    env = {**os.environ, "HASHISTACK_ENV": "dev"}
    done = subprocess.run([sys.executable, "-m", "hashistack", "review", "HEAD~1", "HEAD",
                           "--format", "json"], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 3, done.stderr  # the root CA is replaced: an alarm, any tier
    data = json.loads(done.stdout)
    assert [a["kind"] for a in data["alarms"]] == ["stateful-replace"]
    roots = [c for c in data["resources"] if c["type"] == "vault_pki_secret_backend_root_cert"]
    assert [c["action"] for c in roots] == ["replace"]
    names = {c["action"]: c for c in data["resources"] if c["type"] == "vault_policy"
             and c["action"] in ("create", "delete", "replace")}
    assert names, "the policy rename made by HEAD's code is not in the review"


def test_a_plan_replaces_the_synth_view_of_its_stack(outputs):
    """Identical synth, but the plan (drift, say) destroys the root CA and replaces the
    KV mount: the plan's actions are what the reviewer sees, and they are alarms."""
    plan = ROOT / "tests" / "fixtures" / "review" / "plan-prod-vault.json"
    code, out, _ = run(outputs["base"], outputs["base"], "--plan", f"prod-vault={plan}",
                       "--format", "json")
    data = json.loads(out)
    assert code == 3
    actions = {c["address"]: c["action"] for c in data["resources"]}
    assert actions["vault_mount.kv_mount_FDFB2C73"] == "replace"
    assert actions["vault_pki_secret_backend_root_cert.pki_root-ca_228380E0"] == "delete"
    assert all(c["source"] == "plan" for c in data["resources"])
    assert {a["kind"] for a in data["alarms"]} >= {"stateful-replace", "stateful-destroy"}
    code, _, err = run(outputs["base"], outputs["base"], "--plan", f"prod-nope={plan}")
    assert code == 2 and "HEAD has no stack 'prod-nope'" in err


def test_new_sudo_is_an_alarm_even_when_its_finding_is_suppressed(outputs, tmp_path):
    head = copy_of(outputs["base"], tmp_path)

    def widen(doc):
        policy = _policy(doc, "app-myapp")
        policy["policy"] += 'path "sys/*" {\n  capabilities = ["read", "sudo"]\n}\n'
        policy.setdefault("//", {})["hashistack_suppressions"] = [
            {"rule": "HS-VAULT-004", "reason": "the app needs this, trust me"}]
    edit(head, "prod-vault", widen)
    r = review(outputs["base"], head)
    assert not any(f.rule == "HS-VAULT-004" for f in r.findings)  # suppressed, as asked
    kinds = {a.kind for a in r.alarms}
    assert {"privilege", "suppression"} <= kinds
    assert any("sudo" in a.message and "sys/" in a.message for a in r.alarms)
    assert run(outputs["base"], head, "--fail-on", "alarm")[0] == 3


def test_markdown_text_is_escaped(outputs):
    from hashistack.review.model import Alarm

    r = review(outputs["base"], outputs["base"])
    r.alarms = [Alarm("prod", "prod-vault", "privilege", "grant on 'sys/*': all of sys/* "
                      "| `x` <b>bold</b> [link](http://e)")]
    text = report.to_markdown(r)
    assert r"sys/\*" in text and r"\|" in text and r"\`x\`" in text
    assert "<b>" not in text and "&lt;b&gt;" in text and r"\[link\]" in text


def test_every_cut_keeps_the_tags_closed_and_says_what_was_left_out(outputs):
    from dataclasses import replace

    r = review(outputs["base"], outputs["head"])
    many = [replace(c, stack=f"prod-s{i:03d}") for i in range(300) for c in r.resources]
    r.resources = many
    r.access = r.access * 500  # a head too long on its own
    text = report.to_markdown(r, limit=30_000)
    assert len(text) <= 30_000
    assert text.count("<details>") == text.count("</details>")
    assert "more access changes not shown" in text and "more stack(s) not shown" in text


def test_provider_secrets_beyond_key_patterns_are_masked():
    from hashistack.review.resources import mask

    shown = mask({"secret_key": "wJalrXUtnFEMI", "bindpass": "ldap-pw",
                  "connection_url": "postgres://app:hunter2@db:5432/x",
                  "data_json": '{"db": "hunter3"}', "token_ttl": 3600})
    text = json.dumps(shown)
    for secret in ("wJalrXUtnFEMI", "ldap-pw", "hunter2", "hunter3"):
        assert secret not in text
    assert shown["token_ttl"] == 3600 and "postgres://app:" in shown["connection_url"]
