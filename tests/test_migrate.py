"""`python -m hashistack migrate-report` (issue 12 §5): what moving the legacy
example (Nomad 1.9, token flow) to workload identity changes, per job, with the
ACL engine's verdict per path; planted narrower and wider cases on copies."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from hashistack.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
STACK = "legacy-vault"
JOB_STACK = "legacy-nomad"

# Runs the CLI, then reports on stderr which Node-bridge modules got imported.
WRAPPER = """
import json, sys
from hashistack.__main__ import main
rc = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("jsii", "cdktf", "constructs")
               or m.startswith("cdktf_"))
print("MODULES=" + json.dumps(heavy), file=sys.stderr)
sys.exit(rc)
"""


def run(capsys, *args: object) -> tuple[int, str, str]:
    rc = main(["migrate-report", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def copy(legacy, tmp_path: Path) -> Path:
    out = tmp_path / "cdktf.out"
    shutil.copytree(legacy[0], out)
    return out


def edit(out: Path, stack: str, change) -> None:
    path = out / "stacks" / stack / "cdk.tf.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def add_policy(name: str, text: str):
    def change(doc: dict) -> None:
        doc["resource"]["vault_policy"][f"planted-{name}"] = {"name": name, "policy": text}
    return change


def job_policies(policies: str):
    def change(doc: dict) -> None:
        (job,) = doc["resource"]["nomad_job"].values()
        before = job["jobspec"]
        job["jobspec"] = before.replace('policies     = ["app-myapp"]', f"policies = {policies}")
        assert job["jobspec"] != before
    return change


def rows(markdown: str) -> dict[str, tuple[str, str, str]]:
    """path -> (before, after, access) from the report's access tables."""
    found = {}
    for m in re.finditer(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", markdown, re.M):
        found[m.group(1)] = (m.group(2).strip(), m.group(3).strip(), m.group(4).strip())
    return found


def test_the_legacy_example_report(legacy, capsys):
    rc, out, err = run(capsys, legacy[0])
    assert rc == 0, err
    assert "### Job `myapp` (namespace `default`), task `myapp/myapp`: equal access" in out
    # The JWT role as NomadWorkloadIdentity.add_job_role makes it.
    assert ("- JWT role: `app-myapp` on `auth/jwt-nomad`; bound_audiences [\"vault.io\"]; "
            "bound_claims: nomad_namespace = \"default\", nomad_job_id = \"myapp\"; "
            "user_claim `/nomad_job_id`") in out
    assert '`policies = ["app-myapp"] → role = "app-myapp"`' in out
    assert "- policies before (legacy token, jobspec `vault.policies`): `app-myapp`" in out
    assert "- policies after (the role's `token_policies`): `app-myapp`" in out
    assert rows(out) == {"secret/data/myapp": ("read", "read", "equal")}
    assert "reads `secret/data/myapp`: readable before and after" in out


def test_the_agent_config_changes(legacy, capsys):
    _, out, _ = run(capsys, legacy[0])
    assert "`create_from_role` (servers derive task tokens" in out
    assert '→ `jwt_auth_backend_path = "jwt-nomad"`' in out
    server = out[out.index("### `nomad-server.hcl` (server)"):]
    assert server.startswith("### `nomad-server.hcl` (server)\n\nremoved `address`, "
                             "`create_from_role`, `ca_file`; added `default_identity`.")
    assert '-  create_from_role = "nomad-cluster"' in server
    assert '+    aud = ["vault.io"]' in server
    # Side by side: the legacy settings stay while servers also sign identities.
    during = server[server.index("During the migration"):].split("```")[1]
    assert 'create_from_role = "nomad-cluster"' in during and "default_identity {" in during
    client = out[out.index("### `nomad-client.hcl` (client)"):]
    assert '+  jwt_auth_backend_path = "jwt-nomad"' in client


def test_the_steps_are_numbered_in_order(legacy, capsys):
    _, out, _ = run(capsys, legacy[0])
    steps = out[out.index("## Steps"):out.index("## Sources")]
    titles = re.findall(r"^(\d+)\. \*\*(.+?)\.\*\*", steps, re.M)
    assert [int(n) for n, _ in titles] == list(range(1, len(titles) + 1))
    order = [t for _, t in titles]
    # Vault's side exists before servers sign identities: a job registered once
    # they do logs in at the JWT auth method (acl.mdx).
    expected = [
        "Switch the environment file to workload identity",
        "Keep the legacy Vault objects until the end",
        "Deploy Vault's side: `jwt-nomad` and the JWT roles",
        "Servers: add `default_identity` to `vault {}`, change nothing else",
        "Clients: roll with the new `vault {}` block",
        "Redeploy the jobs",
        "Servers: remove their Vault access",
        "Remove the token role and the legacy policies",
        "Upgrade to Nomad 1.10",
    ]
    assert order == expected
    for command in ('integration = "workload-identity"', "make synth",
                    "npx cdktf deploy legacy-vault", "npx cdktf deploy legacy-nomad",
                    "keep_legacy_flow = true", "npx cdktf diff legacy-vault",
                    "destroys vault_token_auth_backend_role."):
        assert command in steps
    assert "state rm" not in steps  # staging: nothing guarded, keep_legacy_flow keeps them
    assert steps.index("npx cdktf deploy legacy-vault") < steps.index(
        "npx cdktf deploy legacy-nomad") < steps.index("npx cdktf deploy legacy-vault   #")
    sources = out[out.index("## Sources"):]
    assert "NMD@v1.10.0 website/content/docs/upgrade/upgrade-specific.mdx" in sources
    assert "NMD@v1.10.0 website/content/docs/configuration/vault.mdx" in sources


def test_an_extra_policy_the_role_will_not_hold_is_narrower(legacy, tmp_path, capsys):
    out = copy(legacy, tmp_path)
    edit(out, STACK, add_policy("shared-db", 'path "secret/data/shared/db" {\n'
                                             '  capabilities = ["read", "list"]\n}\n'))
    edit(out, JOB_STACK, job_policies('["app-myapp", "shared-db"]'))
    rc, text, err = run(capsys, out)
    assert rc == 0, err
    assert "task `myapp/myapp`: narrower access" in text
    assert rows(text) == {"secret/data/myapp": ("read", "read", "equal"),
                          "secret/data/shared/db": ("read, list", "—", "narrower")}
    assert '"shared-db" not carried over' in text


def test_the_default_role_for_a_job_without_its_app_policy_is_wider(legacy, tmp_path, capsys):
    out = copy(legacy, tmp_path)
    edit(out, STACK, add_policy("reader", 'path "secret/data/default/myapp" {\n'
                                          '  capabilities = ["read"]\n}\n'))
    edit(out, JOB_STACK, job_policies('["reader"]'))
    rc, text, err = run(capsys, out)
    assert rc == 0, err
    assert "task `myapp/myapp`: wider access" in text
    assert "- JWT role: `nomad-workloads` on `auth/jwt-nomad` (the auth method's default_role)" \
        in text
    assert "- policies after (the role's `token_policies`): `nomad-workloads`" in text
    # The templated nomad-workloads policy, rendered for job myapp in namespace default.
    assert rows(text) == {
        "secret/data/default/myapp": ("read", "read", "equal"),
        "secret/data/default/myapp/*": ("—", "read", "wider"),
        "secret/metadata/*": ("—", "list", "wider"),
        "secret/metadata/default/*": ("—", "list", "wider"),
    }
    # The template's path (secret/data/myapp) is in neither the old nor the new grant.
    assert "reads `secret/data/myapp`: readable by neither" in text


def test_json(legacy, capsys):
    rc, out, _ = run(capsys, legacy[0], "--format", "json")
    assert rc == 0
    (env,) = json.loads(out)["environments"]
    assert env["environment"] == "legacy" and env["jwt_auth_backend_path"] == "jwt-nomad"
    (job,) = env["jobs"]
    assert job["job"] == "myapp" and job["access"] == "equal"
    assert job["jwt_role"]["name"] == "app-myapp"
    assert job["jwt_role"]["bound_claims"] == {"nomad_namespace": "default",
                                               "nomad_job_id": "myapp"}
    assert job["jwt_role"]["bound_audiences"] == ["vault.io"]
    assert job["paths"] == [{"path": "secret/data/myapp", "before": ["read"],
                             "after": ["read"], "access": "equal"}]
    server = next(a for a in env["agent_config"] if a["role"] == "server")
    assert "create_from_role" in server["removed"] and "default_identity" in server["added"]
    assert [s["title"] for s in env["steps"]][-1] == "Upgrade to Nomad 1.10"


def test_workload_identity_output_has_nothing_to_migrate(shipped, capsys):
    rc, out, err = run(capsys, shipped[0], "--env", "dev")
    assert (rc, out) == (2, "")
    assert err == "dev already uses workload identity: nothing to migrate\n"
    rc, _, err = run(capsys, shipped[0])
    assert rc == 2 and err.endswith("already use workload identity: nothing to migrate\n")


def test_unreadable_output_and_unknown_environment(legacy, tmp_path, capsys):
    rc, out, err = run(capsys, tmp_path / "missing")
    assert (rc, out) == (2, "") and err.count("\n") == 1 and err.startswith("error: ")
    rc, out, err = run(capsys, legacy[0], "--env", "nope")
    assert (rc, out) == (2, "") and err.count("\n") == 1 and "'nope'" in err


def test_the_cli_is_pure(legacy):
    done = subprocess.run([sys.executable, "-c", WRAPPER, "migrate-report", str(legacy[0])],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    modules = [line for line in done.stderr.splitlines() if line.startswith("MODULES=")]
    assert modules and json.loads(modules[0].removeprefix("MODULES=")) == []
    assert "# Migrating `legacy`" in done.stdout
