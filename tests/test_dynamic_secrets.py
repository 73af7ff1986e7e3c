"""Dynamic secrets (issue 12 §1): the database secrets engine, a job's dynamic
credentials declared once, and the example environment examples/dynamic-db/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cdktf import App, TerraformStack, Testing
from cdktf_cdktf_provider_nomad.provider import NomadProvider
from cdktf_cdktf_provider_vault.provider import VaultProvider

from hashistack import HashistackError
from hashistack._cdktf import ConstructError
from hashistack.checks import declare_environment, run_checks
from hashistack.errors import FieldError
from hashistack.nomad.job import NomadJob
from hashistack.nomad.jobspec import (
    Group,
    Job,
    Task,
    dynamic_secret_env_template,
    read_jobspec,
    read_vault_blocks,
    secret_paths_in_template,
)
from hashistack.vault import DatabaseSecrets, NomadWorkloadIdentity, VaultPolicy
from hashistack.vault.acl import Acl
from hashistack.vault.policy import PolicyDocument
from stacks.config import ConfigError, load
from tests import hashicorp_hcl
from tests.conftest import ROOT, synth_environments
from tests.synth_json import by, policies, resources

EXAMPLE = ROOT / "examples" / "dynamic-db"
URL = "postgresql://{{username}}:{{password}}@db.example.internal:5432/orders?sslmode=verify-full"
CREATE = ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' "
          "VALID UNTIL '{{expiration}}';"]


# The pure part: the template text.

def test_template_reads_the_credential_fields_from_one_lease():
    text = dynamic_secret_env_template(
        "database/creds/orders-rw", {"DB_USER": "username", "DB_PASS": "password"})
    assert text == ('{{ with secret "database/creds/orders-rw" }}\n'
                    "DB_USER={{ .Data.username }}\n"
                    "DB_PASS={{ .Data.password }}\n"
                    "{{ end }}\n")
    assert secret_paths_in_template(text) == ["database/creds/orders-rw"]


@pytest.mark.parametrize("path", ["database/roles/app", "secret/data/app", "/database/creds/app",
                                  "database/creds/", "creds/app", 'db/creds/a"b'])
def test_template_refuses_what_is_not_a_creds_path(path):
    with pytest.raises(FieldError, match="path"):
        dynamic_secret_env_template(path, {"DB_USER": "username"})


def test_template_refuses_bad_env():
    with pytest.raises(FieldError):
        dynamic_secret_env_template("database/creds/app", {})
    with pytest.raises(FieldError):
        dynamic_secret_env_template("database/creds/app", {"db-user": "username"})
    with pytest.raises(FieldError):
        dynamic_secret_env_template("database/creds/app", {"DB_USER": 'user"}}'})


def test_task_template_restarts_on_a_new_credential():
    task = Task(name="app")
    template = task.use_dynamic_secret("database/creds/app", {"DB_USER": "username"})
    # env = true: only a restart gives the task the new values (template.mdx `env`).
    assert (template.env, template.change_mode) == (True, "restart")
    assert template.destination == "secrets/database-app.env"


# The construct.

def stack(tier: str | None = None) -> TerraformStack:
    s = TerraformStack(Testing.app(), "s")
    VaultProvider(s, "vault", address="http://127.0.0.1:8200")
    NomadProvider(s, "nomad", address="http://127.0.0.1:4646")
    if tier:
        declare_environment(s, environment="t", tier=tier, nomad_version="1.10.0",
                            integration="workload-identity")
    return s


def engine(s, **kw) -> DatabaseSecrets:
    db = DatabaseSecrets(s, "db", **kw)
    db.add_connection("orders", plugin="postgresql", connection_url=URL, username="vault")
    db.add_role("orders-rw", connection="orders", creation_statements=CREATE,
                default_ttl="1h", max_ttl="24h")
    return db


def test_mount_connection_and_role():
    s = stack()
    engine(s)
    out = json.loads(Testing.synth(s))
    assert by(out, "vault_mount", "type", "database")["path"] == "database"
    conn = by(out, "vault_database_secret_backend_connection", "name", "orders")
    assert conn["allowed_roles"] == ["orders-rw"]
    assert conn["verify_connection"] is False  # no password until the out-of-band write
    assert conn["postgresql"] == {"connection_url": URL, "username": "vault"}
    role = by(out, "vault_database_secret_backend_role", "name", "orders-rw")
    assert role["creation_statements"] == CREATE
    assert (role["default_ttl"], role["max_ttl"]) == (3600, 86400)
    assert role["db_name"].startswith("${vault_database_secret_backend_connection.")
    assert "password" not in json.dumps(conn).replace("{{password}}", "")


def test_prod_guards_the_mount_and_the_connection():
    s = stack("prod")
    engine(s)
    out = json.loads(Testing.synth(s, run_validations=True))
    for kind in ("vault_mount", "vault_database_secret_backend_connection"):
        for body in resources(out, kind).values():
            assert body["lifecycle"] == {"prevent_destroy": True}


@pytest.mark.parametrize("url, why", [
    ("postgresql://vault:hunter2@db:5432/orders?x={{username}}{{password}}", "literal credential"),
    ("postgresql://{{username}}:{{password}}@db/orders?password=hunter2", "literal credential"),
    ("postgresql://vault@db:5432/orders", "templated"),
    ("postgresql://{{username}}:{{password}}@db/${var.x}", "Terraform"),
])
def test_connection_refuses_literal_credentials(url, why):
    db = DatabaseSecrets(stack(), "db")
    with pytest.raises(ConstructError, match=why) as err:
        db.add_connection("orders", plugin="postgresql", connection_url=url, username="vault")
    assert "hunter2" not in str(err.value) or "connection_url" in str(err.value)


def test_role_refusals():
    db = engine(stack())
    with pytest.raises(ConstructError, match="no connection"):
        db.add_role("r", connection="nope", creation_statements=CREATE)
    with pytest.raises(ConstructError, match="name"):
        db.add_role("r", connection="orders", creation_statements=["CREATE ROLE x;"])
    with pytest.raises(ConstructError, match="exceeds"):
        db.add_role("r", connection="orders", creation_statements=CREATE,
                    default_ttl="48h", max_ttl="24h")
    with pytest.raises(ConstructError, match="already"):
        db.add_role("orders-rw", connection="orders", creation_statements=CREATE)
    with pytest.raises(ConstructError, match="plugin"):
        db.add_connection("x", plugin="oracle", connection_url=URL, username="vault")
    assert isinstance(ConstructError(db, "x"), HashistackError)


def test_grant_creds_is_exactly_read_on_creds():
    s = stack()
    db = engine(s)
    policy = VaultPolicy(s, "p", name="app")
    granted = db.grant_creds(policy, "orders-rw")
    assert (granted.paths, granted.capabilities) == (("database/creds/orders-rw",), ("read",))
    assert [(r.path, r.capabilities) for r in policy.document.rules] == [
        ("database/creds/orders-rw", ("read",))]
    with pytest.raises(ConstructError, match="no role"):
        db.grant_creds(policy, "orders-ro")


# A job's dynamic credentials, declared once.

def orders_job() -> Job:
    return Job(name="orders", groups=[Group(name="orders", tasks=[
        Task(name="orders", config={"image": "orders:1"})])])


def test_use_dynamic_secret_with_workload_identity():
    s = stack()
    db = engine(s)
    wi = NomadWorkloadIdentity(s, "wi", jwks_url="https://nomad:4646/.well-known/jwks.json")
    policy = VaultPolicy(s, "p", name="app-orders")
    role = wi.add_job_role("app-orders", job="orders", policies=[policy])
    job = NomadJob(s, "job", job=orders_job())
    granted = job.use_dynamic_secret(db, "orders-rw", role=role)
    assert str(granted) == ("read on database/creds/orders-rw to jwt-role 'app-orders' "
                            "(policy 'app-orders')")
    assert job.grants == (granted,)
    out = json.loads(Testing.synth(s, run_validations=True))
    spec = next(iter(resources(out, "nomad_job").values()))["jobspec"]
    assert [r.path for r in read_jobspec(spec)] == ["database/creds/orders-rw"]
    assert read_vault_blocks(spec)[("orders", "orders")].role == "app-orders"
    assert policies(out)["app-orders"] == ('path "database/creds/orders-rw" {\n'
                                           '  capabilities = ["read"]\n}\n')


def test_use_dynamic_secret_legacy_policy_and_default_env():
    s = stack()
    db = engine(s)
    policy = VaultPolicy(s, "p", name="app-orders")
    job = NomadJob(s, "job", job=orders_job())
    job.use_dynamic_secret(db, db.roles["orders-rw"], policy=policy)
    task = job.job.groups[0].tasks[0]
    assert task.vault.policies == ("app-orders",)
    assert "DB_USER={{ .Data.username }}" in task.templates[0].data
    assert "DB_PASS={{ .Data.password }}" in task.templates[0].data
    with pytest.raises(ConstructError, match="role .* or a policy"):
        job.use_dynamic_secret(db, "orders-rw")


def test_synth_proves_the_creds_read_is_granted(tmp_path):
    app = App(outdir=str(tmp_path))
    s = TerraformStack(app, "s")
    VaultProvider(s, "vault", address="http://127.0.0.1:8200")
    NomadProvider(s, "nomad", address="http://127.0.0.1:4646")
    db = engine(s)
    policy = VaultPolicy(s, "p", name="app-orders")
    job = NomadJob(s, "job", job=orders_job())
    job.use_dynamic_secret(db, "orders-rw", policy=policy)
    # The grant taken away after the declaration: synth must refuse.
    policy.document = PolicyDocument(name="app-orders").add("database/creds/other", ["read"])
    with pytest.raises(Exception, match="database/creds/orders-rw"):
        app.synth()


# The environment file.

def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.toml"
    path.write_text(text)
    return path


DB = """
[[vault.databases]]
name = "orders"
host = "db.example.internal"
database = "orders"
username = "vault"
tls_ca_system_roots = true
%s
[[vault.databases.roles]]
name = "orders-rw"
creation_statements = ["CREATE ROLE \\"{{name}}\\" WITH LOGIN PASSWORD '{{password}}';"]

[[apps]]
name = "orders"
image = "orders:1"
database = { connection = "orders", role = "%s" }
"""


def test_config_loads_a_database_and_an_app_using_it(tmp_path):
    env = load(write(tmp_path, DB % ("", "orders-rw")))
    (db,) = env.vault.databases
    assert db.connection_url == ("postgresql://{{username}}:{{password}}@db.example.internal"
                                 ":5432/orders?sslmode=verify-full")
    assert env.apps[0].database.env == {"DB_USER": "username", "DB_PASS": "password"}


@pytest.mark.parametrize("extra, role, why", [
    ('password = "hunter2"', "orders-rw", "takes no password"),
    ("", "orders-ro", "not a role of database 'orders'"),
    ('host = "db.example.internal/x"', "orders-rw", "not a host name"),
    ('ssl_mode = "off"', "orders-rw", "ssl_mode"),
])
def test_config_refusals(tmp_path, extra, role, why):
    text = DB % (extra, role)
    if extra.startswith("host"):
        text = text.replace('host = "db.example.internal"\n', "")
    with pytest.raises(ConfigError, match=why) as err:
        load(write(tmp_path, text))
    assert "hunter2" not in str(err.value)


def test_config_refuses_templates_and_unknown_connections(tmp_path):
    with pytest.raises(ConfigError, match="template"):
        load(write(tmp_path, DB.replace("{{password}}';", "${HOME}';")
                   % ("", "orders-rw")))
    with pytest.raises(ConfigError, match="not in vault.databases"):
        load(write(tmp_path, (DB % ("", "orders-rw")).replace('connection = "orders"',
                                                             'connection = "billing"')))
    with pytest.raises(ConfigError, match="uses \\{\\{name\\}\\}"):
        load(write(tmp_path, (DB % ("", "orders-rw")).replace('\\"{{name}}\\"', "x")))


# The example environment, synthesized with main.py's code.

@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("dynamic-db.out")
    return out, synth_environments(EXAMPLE, out)


def test_example_has_the_engine_connection_and_role(example):
    vault = example[1]["dynamic-db-vault"]
    assert by(vault, "vault_mount", "type", "database")["path"] == "database"
    conn = by(vault, "vault_database_secret_backend_connection", "name", "orders")
    assert conn["allowed_roles"] == ["orders-rw"]
    assert "lifecycle" not in conn  # staging: guarded in prod only (HS-STATE-001)
    role = by(vault, "vault_database_secret_backend_role", "name", "orders-rw")
    assert (role["default_ttl"], role["max_ttl"]) == (3600, 86400)


def _keys(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            _keys(value, found)
    elif isinstance(node, list):
        for value in node:
            _keys(value, found)
    return found


def test_example_holds_no_password(example):
    out, stacks = example
    for name, stack in stacks.items():
        keys = _keys(stack, set())
        assert not {k for k in keys if "password" in k}, name
    text = "".join(p.read_text() for p in (out / "stacks").rglob("*") if p.is_file())
    # Every "password" in the output is a template Vault or consul-template fills in.
    rest = re.sub(r"\{\{ ?(?:\.Data\.)?password ?\}\}|DB_PASS|PASSWORD '\{\{password\}\}'", "",
                  text)
    assert "password" not in rest.lower()


def test_example_job_reads_creds_and_its_role_may_read_exactly_that(example):
    stacks = example[1]
    (job,) = resources(stacks["dynamic-db-nomad"], "nomad_job").values()
    (read,) = read_jobspec(job["jobspec"])
    assert read.path == "database/creds/orders-rw"
    assert read_vault_blocks(job["jobspec"])[(read.group, read.task)].role == "app-orders"
    assert 'change_mode = "restart"' in job["jobspec"]
    text = policies(stacks["dynamic-db-vault"])["app-orders"]
    doc = PolicyDocument.parse(text)
    assert [(r.path, r.capabilities) for r in doc.rules] == [
        ("database/creds/orders-rw", ("read",))]
    acl = Acl.from_policies([doc])
    assert acl.allows("database/creds/orders-rw", "read")
    for path, cap in [("database/creds/orders-rw", "update"), ("database/creds/other", "read"),
                      ("database/config/orders", "read"), ("database/roles/orders-rw", "read")]:
        assert not acl.allows(path, cap)


def test_example_parses_with_hashicorp_and_passes_the_checks(example):
    out, stacks = example
    files = {f"{k}.nomad.hcl": j["jobspec"]
             for k, j in resources(stacks["dynamic-db-nomad"], "nomad_job").items()}
    files.update({f"policy-{n}.hcl": re.sub(r"\$\{[^}]+\}", "auth_jwt_0a1b2c3d", t)
                  for n, t in policies(stacks["dynamic-db-vault"]).items()})
    parsed = hashicorp_hcl.parse_many(files)
    assert {n: r.get("error") for n, r in parsed.items() if "error" in r} == {}
    rendered = {
        p.parent.parent.name: {f.name: f.read_text() for f in p.iterdir()}
        for p in (out / "stacks").glob("*/rendered")
    }
    report = run_checks(stacks, rendered)
    assert report.errors == []
