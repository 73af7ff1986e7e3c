"""Environment files: the shipped ones load; bad input gets one clear error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stacks.config import ConfigError, load, load_all

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / "environments"


def test_shipped_environments_load():
    envs = {e.name: e for e in load_all(ENVS)}
    assert set(envs) == {"dev", "staging", "prod"}
    assert envs["dev"].vault.address == "http://127.0.0.1:8200"
    assert envs["dev"].consul.address == "http://127.0.0.1:8500"
    assert envs["dev"].nomad.address == "http://127.0.0.1:4646"
    assert not envs["dev"].audit_enabled
    for strict in ("staging", "prod"):
        env = envs[strict]
        assert env.audit_enabled
        assert all(
            getattr(env, p).address.startswith("https://") for p in ("vault", "consul", "nomad")
        )
        assert env.vault.tls.ca_file


def test_empty_file_is_a_working_dev(tmp_path):
    path = tmp_path / "dev.toml"
    path.write_text("")
    env = load(path)
    assert env.tier == "dev" and env.integration == "workload-identity"
    assert env.jwks_url == "http://127.0.0.1:4646/.well-known/jwks.json"


BAD = {
    "unknown key": ('[vault]\nadress = "http://127.0.0.1:8200"\n', "vault.adress: unknown key"),
    "wrong type": ('[[apps]]\nname = "a"\nimage = "i"\nport = "eighty"\n', "apps.0.port"),
    "malformed toml": ("[vault\n", "malformed TOML"),
    "malformed address": ('[vault]\naddress = "vault:8200"\n', "vault.address"),
    "bad port": ('[nomad]\naddress = "http://127.0.0.1:99999"\n', "nomad.address"),
    "ttl in words": (
        '[consul.connect_ca]\nleaf_cert_ttl = "3 days"\n',
        "consul.connect_ca.leaf_cert_ttl",
    ),
    "missing field": ('[[apps]]\nname = "a"\n', "apps.0.image: Field required"),
    "unknown upstream": (
        '[[apps]]\nname = "a"\nimage = "i"\nupstreams = ["b"]\n',
        "apps.a.upstreams: unknown app b",
    ),
    "legacy on 1.10": (
        '[nomad]\nversion = "1.10.0"\nintegration = "legacy"\n',
        "Nomad 1.10.0 removed the token-based workflow",
    ),
    "wi before 1.7": (
        '[nomad]\nversion = "1.6.2"\nintegration = "workload-identity"\n',
        "needs Nomad 1.7.0",
    ),
    "lowercase env name": ('[[apps]]\nname = "a"\nimage = "i"\nsecrets = { db-user = "u" }\n',
                           "apps.0.secrets.db-user"),
    "bad service name": ('[[apps]]\nname = "A_b"\nimage = "i"\n', "apps.0.name"),
    "inline ca not pem": ('[vault.cert_auth]\nca_pem = "abc"\n',
                          "vault.cert_auth.ca_pem: is not a PEM certificate"),
    "empty audience": ('[vault.workload_identity]\naudience = ""\n',
                       "vault.workload_identity.audience"),
    "pki key bits": ('[vault.pki]\nkey_bits = 1000\n', "vault.pki: key_bits 1000"),
    "legacy over http": ('[nomad]\nversion = "1.9.7"\nintegration = "legacy"\n',
                         "vault.address must use https for the legacy flow"),
    "legacy without ca": (
        '[vault]\naddress = "https://v:8200"\n[nomad]\nversion = "1.9.7"\n'
        'integration = "legacy"\n',
        "vault.cert_auth: the legacy flow needs ca_pem_file or ca_pem",
    ),
    "nomad consul with scheme": ('[nomad.consul]\naddress = "https://127.0.0.1:8501"\n',
                                 "nomad.consul.address"),
    "nomad consul without port": ('[nomad.consul]\ngrpc_address = "127.0.0.1"\n',
                                  "nomad.consul.grpc_address"),
    "ca files outside consul's dirs": ('[consul.connect_ca]\nauth_files_dir = "/etc/consul.d"\n',
                                       "consul.connect_ca.auth_files_dir"),
    "short suppression reason": (
        '[[suppressions]]\nrule = "HS-VAULT-001"\nresource = "x"\nreason = "because"\n',
        "suppressions.0.reason",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_file_and_field(tmp_path, case):
    text, expected = BAD[case]
    path = tmp_path / "dev.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


PROD = (ENVS / "prod.toml").read_text()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("https://vault.prod", "http://vault.prod"), "vault.address must use https in prod"),
        (
            ("[vault.audit]\n", "[vault.audit]\nenabled = false\n"),
            "vault.audit.enabled cannot be false in prod",
        ),
        (
            (
                'version = "1.10.0"\ntls = { ca_file = "/etc/ssl/hashistack/prod-ca.pem" }',
                'version = "1.10.0"\ntls = { ca_file = "/x", skip_verify = true }',
            ),
            "nomad.tls.skip_verify must be false in prod",
        ),
    ],
)
def test_prod_is_strict(tmp_path, change, expected):
    path = tmp_path / "prod.toml"
    path.write_text(PROD.replace(*change, 1))
    with pytest.raises(ConfigError, match=expected):
        load(path)


def test_unknown_selected_environment():
    with pytest.raises(ConfigError, match="HASHISTACK_ENV=nope: no .*nope.toml"):
        load_all(ENVS, "nope")


def _run_main(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    """main.py in a scratch copy of the project with the given environments."""
    (tmp_path / "environments").mkdir()
    for name, text in files.items():
        (tmp_path / "environments" / name).write_text(text)
    main = tmp_path / "main.py"
    main.write_text((ROOT / "main.py").read_text())
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CDKTF_OUTDIR", None)
    return subprocess.run(
        [sys.executable, str(main)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_bad_config_exits_nonzero_without_traceback_and_keeps_output(tmp_path):
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "dev-vault").mkdir(parents=True)
    marker = out / "stacks" / "dev-vault" / "cdk.tf.json"
    marker.write_text('{"previous": true}')
    done = _run_main(tmp_path, {"dev.toml": "", "prod.toml": '[vault]\naddress = "nope"\n'})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "prod.toml" in done.stderr and "vault.address" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert marker.read_text() == '{"previous": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "environments", "main.py"]


def test_synth_keeps_terraform_working_files_and_state_lives_outside(tmp_path):
    out = tmp_path / "cdktf.out" / "stacks" / "dev-vault"
    (out / ".terraform" / "providers").mkdir(parents=True)
    (out / ".terraform.lock.hcl").write_text("# lock")
    (out / "cdk.tf.json").write_text("{}")
    done = _run_main(tmp_path, {"dev.toml": ""})
    assert done.returncode == 0, done.stderr
    assert (out / ".terraform" / "providers").is_dir()
    assert (out / ".terraform.lock.hcl").read_text() == "# lock"
    stack = json.loads((out / "cdk.tf.json").read_text())
    path = stack["terraform"]["backend"]["local"]["path"]
    # Resolved from the stack's folder, the state file is in the project root.
    assert (out / path).resolve() == (tmp_path / "terraform.dev-vault.tfstate").resolve()


def test_nomad_agents_talk_to_the_local_consul_agent():
    staging = load(ENVS / "staging.toml")
    local = staging.nomad_consul
    assert (local.address, local.grpc_address, local.ssl) == ("127.0.0.1:8501",
                                                               "127.0.0.1:8503", True)
    # The local agent's auto_encrypt certificate chains to the Connect CA's root.
    assert local.ca_file == "/etc/nomad.d/tls/consul-connect-root.pem"
    dev = load(ENVS / "dev.toml").nomad_consul
    assert (dev.address, dev.grpc_address, dev.ssl) == ("127.0.0.1:8500", None, False)


def test_auto_encrypt_clients_need_the_connect_ca_root_named(tmp_path):
    text = (ENVS / "staging.toml").read_text()
    text = text.replace('[nomad.consul]\nca_file = "/etc/nomad.d/tls/consul-connect-root.pem"\n',
                        "")
    path = tmp_path / "staging.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"nomad.consul.ca_file is required with "
                                          r"\[consul.cluster\]: .* signed by the Connect CA "
                                          r"\(connect-root\)"):
        load(path)


def test_nomad_consul_is_configurable(tmp_path):
    path = tmp_path / "dev.toml"
    path.write_text('[nomad.consul]\naddress = "unix:///run/consul/http.sock"\nssl = false\n')
    assert load(path).nomad_consul.address == "unix:///run/consul/http.sock"


def test_errors_name_the_whole_path_and_a_bad_tag_plainly(tmp_path):
    prod = (ENVS / "prod.toml").read_text()
    path = tmp_path / "prod.toml"
    path.write_text(prod.replace('[nomad]\n', '[nomad]\nnamespaces = ["default", "pay"]\n', 1)
                    + '\n[nomad.namespace_config.pay]\nquota = "small"\n')
    with pytest.raises(ConfigError, match=r"prod.toml: nomad\.namespace_config\.pay\.quota: "
                                          r"a Nomad Enterprise feature"):
        load(path)
    path.write_text(prod.replace('type = "awskms"', 'type = "awskmss"'))
    with pytest.raises(ConfigError) as err:
        load(path)
    assert str(err.value).endswith("prod.toml: vault.cluster.seal.type: 'awskmss' is not one "
                                   "of 'shamir', 'transit', 'awskms', 'gcpckms', "
                                   "'azurekeyvault'")
