"""`[[vault.databases]]` TLS: the CA Vault verifies the database with (tls_ca,
tls_ca_file), required for verify-ca / verify-full unless the system roots do."""

from __future__ import annotations

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_vault.provider import VaultProvider

from hashistack._cdktf import ConstructError
from hashistack.vault import DatabaseSecrets
from stacks.config import ConfigError, load
from tests.conftest import ROOT, synth_environments
from tests.synth_json import by

CA = (ROOT / "examples" / "dynamic-db" / "orders-db-ca.pem").read_text()
# A truncated, unusable key: enough for the PEM scanner to see a key block.
KEY = ("-----BEGIN " + "PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"
       "-----END " + "PRIVATE KEY-----\n")
URL = "postgresql://{{username}}:{{password}}@db:5432/orders?sslmode=verify-full"

DB = """
[[vault.databases]]
name = "orders"
host = "db.example.internal"
database = "orders"
username = "vault"
%s
[[vault.databases.roles]]
name = "orders-rw"
creation_statements = ["CREATE ROLE \\"{{name}}\\" WITH LOGIN PASSWORD '{{password}}';"]
"""


def write(tmp_path, extra: str):
    path = tmp_path / "t.toml"
    path.write_text(DB % extra)
    return path


@pytest.mark.parametrize("extra, why", [
    ("", "ssl_mode 'verify-full' needs the CA"),
    ('ssl_mode = "verify-ca"', "ssl_mode 'verify-ca' needs the CA"),
    ('ssl_mode = "require"\ntls_ca_file = "ca.pem"', "does not verify the server"),
    ('tls_ca_file = "ca.pem"\ntls_ca_system_roots = true', "choose one"),
    ('tls_ca_file = "key.pem"', "holds a private key"),
    ('tls_ca_file = "missing.pem"', "tls_ca_file: .*missing.pem: No such file"),
])
def test_refusals_name_the_database_and_the_field(tmp_path, extra, why):
    (tmp_path / "ca.pem").write_text(CA)
    (tmp_path / "key.pem").write_text(CA + KEY)
    with pytest.raises(ConfigError, match=why) as err:
        load(write(tmp_path, extra))
    assert "vault.databases" in str(err.value)
    assert "BEGIN PRIVATE KEY" not in str(err.value)


def test_inline_pem_refuses_a_private_key(tmp_path):
    text = (CA + KEY).replace("\n", "\\n")
    with pytest.raises(ConfigError, match="private key"):
        load(write(tmp_path, f'tls_ca = "{text}"'))


def test_file_is_read_relative_to_the_environment_file(tmp_path):
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "db-ca.pem").write_text(CA)
    env = load(write(tmp_path, 'tls_ca_file = "certs/db-ca.pem"'))
    (db,) = env.vault.databases
    assert db.tls_ca == CA and db.tls_ca_file is None


def test_system_roots_and_disable_need_no_ca(tmp_path):
    assert load(write(tmp_path, "tls_ca_system_roots = true")).vault.databases[0].tls_ca is None
    assert load(write(tmp_path, 'ssl_mode = "disable"')).vault.databases[0].tls_ca is None


def _stack() -> TerraformStack:
    s = TerraformStack(Testing.app(), "t")
    VaultProvider(s, "vault", address="http://127.0.0.1:8200")
    return s


@pytest.mark.parametrize("plugin", ["postgresql", "mysql"])
def test_construct_passes_the_ca_to_the_plugin_block(plugin):
    import json

    s = _stack()
    url = URL if plugin == "postgresql" else "{{username}}:{{password}}@tcp(db:3306)/"
    DatabaseSecrets(s, "db").add_connection("orders", plugin=plugin, connection_url=url,
                                            username="vault", tls_ca=CA)
    doc = json.loads(Testing.synth(s))
    conn = by(doc, "vault_database_secret_backend_connection", "name", "orders")
    block = conn[plugin]
    assert (block[0] if isinstance(block, list) else block)["tls_ca"] == CA


def test_construct_refuses_a_ca_that_is_not_only_certificates():
    with pytest.raises(ConstructError, match="connection 'orders': tls_ca holds a private key"):
        DatabaseSecrets(_stack(), "db").add_connection(
            "orders", plugin="postgresql", connection_url=URL, username="vault", tls_ca=CA + KEY)


def test_example_connection_carries_the_ca(tmp_path):
    stacks = synth_environments(ROOT / "examples" / "dynamic-db", tmp_path)
    conn = by(stacks["dynamic-db-vault"], "vault_database_secret_backend_connection", "name",
              "orders")
    block = conn["postgresql"]
    assert (block[0] if isinstance(block, list) else block)["tls_ca"] == CA
