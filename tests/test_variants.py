"""Settings the shipped environments do not use, synthesized from scratch files."""

from __future__ import annotations

import json

import pytest

from hashistack.checks.jsonattr import json_attribute
from stacks.config import ConfigError, load
from tests.conftest import synth_environments
from tests.synth_json import by, resources

TOKEN_ENV = """
[consul]
acl = true

[consul.connect_ca]
auth = "token"
token_period = "24h"

[nomad]
namespaces = ["default", "batch"]

[backend]
type = "remote"
organization = "example"
workspace_prefix = "hs-"

[[apps]]
name = "report"
image = "report:1"
namespace = "batch"
secrets = { API_KEY = "api-key" }
"""


@pytest.fixture(scope="module")
def token_env(tmp_path_factory):
    envs = tmp_path_factory.mktemp("envs")
    (envs / "tok.toml").write_text(TOKEN_ENV)
    return synth_environments(envs, tmp_path_factory.mktemp("out"))


def test_connect_ca_with_a_periodic_token_reference(token_env):
    vault, consul = token_env["tok-vault"], token_env["tok-consul"]
    role = by(vault, "vault_token_auth_backend_role", "role_name", "consul-connect-ca")
    assert role["allowed_policies"] == ["consul-connect-ca"]
    assert (role["orphan"], role["renewable"], role["token_period"]) == (True, True, 86400)
    [token] = resources(vault, "vault_token").values()
    assert token["policies"] == ["consul-connect-ca"] and token["renewable"] is True
    [ca] = resources(consul, "consul_certificate_authority").values()
    config = json_attribute(ca["config_json"])
    # Terraform fills the token in from the Vault stack's state at deploy time,
    # inside jsonencode() so that whatever it holds is escaped as JSON.
    assert ca["config_json"].startswith("${jsonencode(")
    assert config["Token"].startswith("${data.terraform_remote_state")
    assert "AuthMethod" not in config
    assert not resources(vault, "vault_approle_auth_backend_role").get("approle-connect-ca")


def test_namespaces_reach_roles_jobs_and_consul(token_env):
    role = by(token_env["tok-vault"], "vault_jwt_auth_backend_role", "role_name", "app-report")
    assert role["bound_claims"] == {"nomad_job_id": "report", "nomad_namespace": "batch"}
    [job] = resources(token_env["tok-nomad"], "nomad_job").values()
    assert 'namespace   = "batch"' in job["jobspec"]
    roles = {r["name"] for r in resources(token_env["tok-consul"], "consul_acl_role").values()}
    assert roles == {"nomad-tasks-default", "nomad-tasks-batch"}
    assert 'index .Data.data \\"api-key\\"' in json.dumps(job)


def test_remote_backend(token_env):
    backend = token_env["tok-vault"]["terraform"]["backend"]["remote"]
    assert backend["organization"] == "example"
    assert backend["workspaces"] == {"name": "hs-tok-vault"}


def test_cloud_backend(tmp_path):
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "c.toml").write_text('[backend]\ntype = "cloud"\norganization = "example"\n')
    stacks = synth_environments(envs, tmp_path / "out")
    assert stacks["c-nomad"]["terraform"]["cloud"]["workspaces"] == {"name": "c-nomad"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[consul.connect_ca]\nleaf_cert_ttl = "72h"\nintermediate_cert_ttl = "100h"\n',
            'consul.connect_ca: IntermediateCertTTL 100h: Consul requires "Intermediate Cert TTL '
            'must be greater or equal than 3 * LeafCertTTL (>=216h)"',
        ),
        (
            '[[apps]]\nname = "a"\nimage = "i"\nnamespace = "batch"\n',
            "apps.a.namespace: 'batch' is not in nomad.namespaces",
        ),
        ('[backend]\ntype = "s3"\nbucket = "state-bkt"\n',
         "backend: backend type 's3' requires region"),
        (
            '[vault.cert_auth]\nca_pem_file = "missing.pem"\n',
            "vault.cert_auth.ca_pem_file: no such file",
        ),
    ],
)
def test_more_bad_input(tmp_path, text, expected):
    path = tmp_path / "x.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert str(path) in str(err.value) and expected in str(err.value)
