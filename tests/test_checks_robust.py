"""`python -m hashistack check` on corrupted synth output: a clear error naming the
file (exit 2), a finding, or a correct result; never a traceback (issue 9 §4)."""

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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashistack.__main__ import main
from hashistack.checks import run_checks
from hashistack.checks.jsonattr import json_attribute
from hashistack.checks.load import MAX_DEPTH
from hashistack.checks.model import RULES, WARNING, Hit, Rule
from hashistack.hcl_read import read as read_hcl

ROOT = Path(__file__).resolve().parents[1]
DEEP = 100_000  # levels: json.loads raises RecursionError long before


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The dev environment, synthesized once by main.py (a real cdktf.out)."""
    out = tmp_path_factory.mktemp("robust") / "cdktf.out"
    env = {**os.environ, "CDKTF_OUTDIR": str(out), "HASHISTACK_ENV": "dev",
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    done = subprocess.run([sys.executable, "main.py", "--jobs", "1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def out(base, tmp_path) -> Path:
    copy = tmp_path / "cdktf.out"
    shutil.copytree(base, copy)
    return copy


def check(outdir: Path) -> tuple[int, str, str]:
    """The CLI in-process: an exception escaping main() is the traceback a user would see."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["check", str(outdir), "--jobs", "1"])
    return code, stdout.getvalue(), stderr.getvalue()


def refused(outdir: Path, file: str) -> str:
    """Exit 2 with one line on stderr naming `file`; that line."""
    code, stdout, stderr = check(outdir)
    assert (code, stdout) == (2, ""), (code, stdout, stderr)
    [line] = stderr.splitlines()
    assert line.startswith("error: ") and str(outdir / file) in line, line
    return line


def vault_json(out: Path) -> Path:
    return out / "stacks" / "dev-vault" / "cdk.tf.json"


def edit(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    path.write_text(json.dumps(change(doc)))


def first(doc: dict, rtype: str) -> str:
    return next(iter(doc["resource"][rtype]))


VAULT = "stacks/dev-vault/cdk.tf.json"
SERVER = "stacks/dev-nomad/rendered/nomad-server.hcl"


def test_the_base_output_is_clean(base):
    code, stdout, _ = check(base)
    assert code == 0, stdout


# The manifest -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "says"), [
    ("[]", "$: expected an object, found a list"),
    ('{"stacks": {}}', "$.stacks: lists no stack"),
    ("null", "$: expected an object, found null"),
    ('{"version": "0.20"}', "$.stacks: expected an object, found null"),
    ('{"stacks": {"dev-vault": null}}', "$.stacks.dev-vault: expected an object, found null"),
    ('{"stacks": {"dev-vault": {"synthesizedStackPath": []}}}',
     "$.stacks.dev-vault.synthesizedStackPath: expected a string, found a list"),
    ('{"stacks": {"dev-vault": {"synthesizedStackPath": "stacks/x/cdk.tf.json"}}}',
     '"stacks/x/cdk.tf.json" is not a file'),
    ('{"stacks": {"dev-vault": {"synthesizedStackPath": "../../../etc/passwd"}}}',
     '"../../../etc/passwd" is not a file in'),
    ('{"stacks": {"dev-vault": {"synthesizedStackPath": "' + "x" * 5000 + '"}}}',
     "is not a file in"),
], ids=lambda v: v[:40])
def test_manifest_of_the_wrong_shape(out, text, says):
    (out / "manifest.json").write_text(text)
    line = refused(out, "manifest.json")
    assert says in line, line


# A stack's JSON: wrong types, null bodies, lists for objects ------------------------


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: None, "$: expected an object, found null"),
    (lambda d: [d], "$: expected an object, found a list"),
    (lambda d: {**d, "resource": None}, None),  # no resources at all: a valid document
    (lambda d: {**d, "resource": []}, "$.resource: expected an object, found a list"),
    (lambda d: {**d, "resource": {**d["resource"], "vault_policy": None}},
     "$.resource.vault_policy: expected an object, found null"),
    (lambda d: {**d, "resource": {**d["resource"], "vault_policy": {
        **d["resource"]["vault_policy"], first(d, "vault_policy"): None}}},
     "expected an object, found null"),
    (lambda d: {**d, "resource": {**d["resource"], "vault_policy": {
        **d["resource"]["vault_policy"], first(d, "vault_policy"): "x"}}},
     'expected an object, found a string ("x")'),
    (lambda d: {**d, "provider": {"vault": [1]}}, "$.provider.vault[0]: expected an object"),
    (lambda d: {**d, "provider": "x"}, "$.provider: expected an object"),
    (lambda d: {**d, "output": {"o": []}}, "$.output.o: expected an object, found a list"),
    (lambda d: {**d, "terraform": 1}, "$.terraform: expected an object, found a number"),
    (lambda d: {**d, "//": []}, '$."//": expected an object, found a list'),
    (lambda d: {**d, "//": {**d["//"], "hashistack": "x"}}, '$."//".hashistack: expected'),
    (lambda d: {**d, "//": {**d["//"], "hashistack": {**d["//"]["hashistack"],
                                                      "suppressions": "x"}}},
     '$."//".hashistack.suppressions: expected a list'),
    (lambda d: {**d, "//": {**d["//"], "hashistack": {**d["//"]["hashistack"],
                                                      "nomad_version": 1}}},
     '$."//".hashistack.nomad_version: expected a string, found a number'),
])
def test_stack_json_of_the_wrong_shape(out, change, says):
    edit(vault_json(out), change)
    if says is None:
        code, _, stderr = check(out)
        assert code in (0, 1) and stderr == ""
    else:
        line = refused(out, VAULT)
        assert says in line, line


@pytest.mark.parametrize("key", ["//", "metadata"])
def test_resource_metadata_of_the_wrong_shape(out, key):
    def change(doc):
        body = doc["resource"]["vault_policy"][first(doc, "vault_policy")]
        if key == "//":
            body["//"] = "x"
        else:
            body["//"]["metadata"] = []
        return doc

    edit(vault_json(out), change)
    line = refused(out, VAULT)
    assert "expected an object, found" in line and '"//"' in line


# Deep nesting and bytes that are not UTF-8 ---------------------------------------------


@pytest.mark.parametrize("file", ["manifest.json", VAULT])
def test_deep_nesting_is_refused_naming_the_file(out, file):
    (out / file).write_text("[" * DEEP + "]" * DEEP)
    assert f"nested deeper than {MAX_DEPTH} levels" in refused(out, file)


def test_deep_value_inside_a_resource_is_refused(out):
    deep = "__DEEP__"

    def change(doc):
        doc["resource"]["vault_policy"][first(doc, "vault_policy")]["policy"] = deep
        return doc

    edit(vault_json(out), change)
    path = vault_json(out)
    path.write_text(path.read_text().replace(f'"{deep}"', "[" * (MAX_DEPTH + 5)
                                             + "]" * (MAX_DEPTH + 5)))
    assert "nested deeper" in refused(out, VAULT)


@pytest.mark.parametrize("file", ["manifest.json", VAULT, SERVER])
def test_invalid_utf8_is_refused_naming_the_file(out, file):
    path = out / file
    data = path.read_bytes()
    path.write_bytes(data[:5] + b"\xff\xfe" + data[5:])
    assert "not UTF-8 text (byte 0xff at offset 5)" in refused(out, file)


def test_deeply_nested_text_inside_attributes_is_not_a_crash(out):
    assert json_attribute("[" * DEEP) is None
    assert json_attribute("${jsonencode(" + "[" * DEEP + ")}") is None

    def change(doc):
        doc["resource"]["vault_policy"][first(doc, "vault_policy")]["policy"] = "[" * DEEP
        return doc

    edit(vault_json(out), change)
    code, stdout, _ = check(out)
    assert code == 1 and "HS-VAULT-010" in stdout and "HS-CHECK-005" not in stdout


# Rendered agent configs -------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "server {\n  enabled = true\n",  # truncated
    'datacenter = "dc1\n',
    "server = {\n enabled = \n",
    "",  # empty: Nomad would start with defaults only
    "a = " + "[" * DEEP,
])
def test_malformed_nomad_server_hcl_is_an_error_naming_the_file(out, text):
    (out / SERVER).write_text(text)
    code, stdout, stderr = check(out)
    assert code == 1 and stderr == "", stdout
    [line] = [x for x in stdout.splitlines() if x.startswith("ERROR ")]
    assert line.startswith("ERROR HS-CHECK-004 dev-nomad rendered/nomad-server.hcl ")
    assert SERVER in line


def test_malformed_vault_agent_config_is_an_error(out):
    path = out / "stacks" / "dev-nomad" / "rendered" / "vault-agent-myapp.hcl"
    path.write_text(path.read_text()[:-3])
    code, stdout, _ = check(out)
    assert code == 1
    assert [x.split()[1] for x in stdout.splitlines() if x.startswith(("ERROR", "WARNING"))] \
        == ["HS-CHECK-004"]


def test_the_cli_prints_no_traceback(base, out):
    (out / SERVER).write_text("server {")
    (out / VAULT).write_text('{"a": ' * DEEP)
    done = subprocess.run([sys.executable, "-m", "hashistack", "check", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"error: {out / VAULT}: nested deeper than {MAX_DEPTH} levels"
    shutil.copy(base / VAULT, out / VAULT)
    done = subprocess.run([sys.executable, "-m", "hashistack", "check", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "ERROR HS-CHECK-004" in done.stdout and SERVER in done.stdout


# Attributes of unexpected types: the facts read them defensively -----------------------------


@pytest.mark.parametrize(("rtype", "key", "value"), [
    ("vault_approle_auth_backend_role", "token_policies", 1),
    ("vault_jwt_auth_backend_role", "claim_mappings", "x"),
    ("vault_jwt_auth_backend_role", "bound_claims", []),
    ("vault_jwt_auth_backend_role", "token_policies", {"a": 1}),
    ("vault_token_auth_backend_role", "role_name", []),
    ("vault_token_auth_backend_role", "allowed_policies", 1),
    ("consul_config_entry_service_intentions", "sources", 1),
    ("consul_config_entry_service_intentions", "sources", [None, "x", 1]),
    ("vault_policy", "policy", None),
    ("nomad_job", "jobspec", ["x"]),
])
def test_attribute_of_an_unexpected_type_is_no_crash(out, rtype, key, value):
    for stack in ("dev-vault", "dev-consul", "dev-nomad"):
        path = out / "stacks" / stack / "cdk.tf.json"
        doc = json.loads(path.read_text())
        for body in doc.get("resource", {}).get(rtype, {}).values():
            body[key] = value
        path.write_text(json.dumps(doc))
    code, stdout, stderr = check(out)
    assert code in (0, 1) and stderr == ""
    assert "HS-CHECK-005" not in stdout, stdout


def test_a_rule_that_fails_is_an_error_finding_not_a_traceback(base, monkeypatch):
    def broken(env):
        yield Hit(env.stack_of("vault"), "found before failing", level=WARNING)
        raise TypeError("'int' object is not iterable")

    monkeypatch.setitem(RULES, "HS-TEST-999", Rule("HS-TEST-999", "error", "a broken rule",
                                                   "-", "-", broken))
    code, stdout, _ = check(base)
    assert code == 1
    errors = [x for x in stdout.splitlines() if x.startswith("ERROR")]
    assert len(errors) == 1 and errors[0].startswith("ERROR HS-CHECK-005 dev-vault ")
    assert "rule HS-TEST-999 (a broken rule) failed" in errors[0]
    assert "TypeError: 'int' object is not iterable" in errors[0]
    assert "stacks/dev-vault/cdk.tf.json" in errors[0]
    assert "WARNING HS-TEST-999 dev-vault - (dev-vault): found before failing" in stdout
    # The same in memory, and with environments checked in forked workers.
    synth = {p.parent.name: json.loads(p.read_text())
             for p in sorted(base.glob("stacks/*/cdk.tf.json"))}
    for jobs in (1, 2):
        report = run_checks(synth, {}, jobs=jobs)
        assert "HS-CHECK-005" in {f.rule for f in report.errors}


# The property: any mutation of a real output --------------------------------------------------

REPLACEMENTS = [None, [], "x", 1, {}, True, -1.5, "", [None], {"x": None},
                "${vault_policy.x.name}", "__DEEP__"]


def _paths(value, at=()):
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*at, i))


def _replaced(doc, at, new):
    if not at:
        return new
    parent = doc
    for k in at[:-1]:
        parent = parent[k]
    parent[at[-1]] = new
    return doc


@pytest.fixture(scope="module")
def work(base, tmp_path_factory) -> tuple[Path, list[Path], list[Path]]:
    """One copy for every example: each mutates one file and puts it back."""
    copy = tmp_path_factory.mktemp("mutated") / "cdktf.out"
    shutil.copytree(base, copy)
    files = sorted(p for p in copy.rglob("*") if p.is_file())
    return copy, [p for p in files if p.suffix == ".json"], [p for p in files
                                                                 if p.suffix != ".json"]


def _mutation(data: st.DataObject, json_files: list[Path], other: list[Path]) -> tuple[Path, bytes]:
    path = data.draw(st.sampled_from(json_files + other))
    raw = path.read_bytes()
    how = data.draw(st.sampled_from(["node", "node", "node", "truncate", "bytes", "text"]
                                    if path.suffix == ".json" else ["truncate", "bytes", "text"]))
    if how == "node":
        doc = json.loads(raw)
        at = data.draw(st.sampled_from(list(_paths(doc))))
        new = data.draw(st.sampled_from(REPLACEMENTS))
        depth = data.draw(st.sampled_from([MAX_DEPTH - 10, MAX_DEPTH + 1, DEEP]))
        text = json.dumps(_replaced(doc, at, new))
        return path, text.replace('"__DEEP__"', "[" * depth + "]" * depth).encode()
    at = data.draw(st.integers(0, len(raw)))
    if how == "truncate":
        return path, raw[:at]
    if how == "bytes":
        return path, raw[:at] + data.draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    piece = data.draw(st.sampled_from(['"', "{", "}", "[", "]", "=", "\n", "null", ",",
                                       "${", "<<EOF\n", "#", "/*", "\\", "[" * 2000]))
    return path, raw[:at] + piece.encode() + raw[at:]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_check_on_mutated_output(work, data):
    outdir, json_files, other = work
    path, mutated = _mutation(data, json_files, other)
    original = path.read_bytes()
    path.write_bytes(mutated)
    try:
        code, stdout, stderr = check(outdir)  # an exception here is the traceback
    finally:
        path.write_bytes(original)
    assert code in (0, 1, 2)
    assert "Traceback" not in stderr
    if code == 2:
        [line] = stderr.splitlines()
        assert line.startswith(f"error: {path}: "), line
        return
    assert stderr == ""
    assert "HS-CHECK-005" not in stdout, stdout  # no rule fails on any of these
    rel = path.relative_to(outdir).as_posix()
    if "/rendered/" in rel and path.name.startswith(("nomad-", "vault-agent-")) \
            and path.suffix == ".hcl":
        try:
            broken = not read_hcl(mutated.decode())
        except (ValueError, RecursionError):
            broken = True
        if broken:  # an agent config that does not parse is an error naming it
            assert code == 1 and f"ERROR HS-CHECK-004 {rel.split('/')[1]} rendered/" \
                f"{path.name} " in stdout, stdout
