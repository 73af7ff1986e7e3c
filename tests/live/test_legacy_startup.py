"""Seed 003's start-up script, run for real: the legacy example's rendered
`nomad-startup.sh` logs in with a client certificate to a TLS `bao server -dev`
(`vault` resolved to the bao CLI) and starts a stand-in `nomad` with a
periodic orphan token holding exactly `nomad-server`; run again, as a restart
would, it revokes the token the first run gave Nomad.
"""

from __future__ import annotations

import os
import stat
import subprocess
import urllib.error
from pathlib import Path

import pytest

from tests.live.bao import Server, binary
from tests.synth_json import resources

pytestmark = pytest.mark.live


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def client_certificate(work: Path) -> tuple[Path, Path, Path]:
    """A CA and the `nomad-startup` client certificate it signs: (ca, cert, key)."""
    ca_key, ca, key, csr, cert = (work / n for n in ("ca.key", "ca.pem", "client.key",
                                                     "client.csr", "client.pem"))
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key),
            "-out", str(ca), "-days", "1", "-subj", "/CN=nomad startup CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
            "-subj", "/CN=nomad-startup")
    ext = work / "client.ext"
    ext.write_text("extendedKeyUsage = clientAuth\n")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
            "-CAcreateserial", "-out", str(cert), "-days", "1", "-extfile", str(ext))
    return ca, cert, key


def test_startup_script_logs_in_by_certificate_and_hands_nomad_its_token(legacy, tmp_path):
    out, stacks = legacy
    vault = stacks["legacy-vault"]
    server = Server(tmp_path, tls=True)
    try:
        ca, cert, key = client_certificate(tmp_path)
        for p in resources(vault, "vault_policy").values():
            server.api("PUT", f"sys/policies/acl/{p['name']}", {"policy": p["policy"]})
        # r/auth_backend and r/cert_auth_backend_role, field for field; the example's CA
        # certificate is replaced by this test's, whose key is here.
        [backend] = [b for b in resources(vault, "vault_auth_backend").values()
                     if b["type"] == "cert"]
        server.api("POST", f"sys/auth/{backend['path']}", {"type": "cert"})
        [role] = resources(vault, "vault_cert_auth_backend_role").values()
        fields = {k: v for k, v in role.items() if k not in ("//", "backend", "name")}
        server.api("POST", f"auth/{backend['path']}/certs/{role['name']}",
                   {**fields, "certificate": ca.read_text()})
        [token_role] = resources(vault, "vault_token_auth_backend_role").values()
        server.api("POST", f"auth/token/roles/{token_role['role_name']}",
                   {k: v for k, v in token_role.items() if k not in ("//", "role_name")})

        bin_dir, record = tmp_path / "bin", tmp_path / "nomad-was-given"
        run_dir = tmp_path / "run" / "nomad-vault"
        bin_dir.mkdir()
        (bin_dir / "vault").symlink_to(binary())
        script = (out / "stacks" / "legacy-nomad" / "rendered" / "nomad-startup.sh").read_text()
        assert "accessor_dir=/run/nomad-vault\n" in script
        script = (script.replace("https://vault.legacy.example.internal:8200", server.address)
                        .replace("/etc/ssl/hashistack/legacy-ca.pem", str(server.ca_file))
                        .replace("/opt/nomad/tls/nomad_startup.crt", str(cert))
                        .replace("/opt/nomad/tls/nomad_startup_key.pem", str(key))
                        .replace("/run/nomad/nomad.pid", str(tmp_path / "nomad.pid"))
                        .replace("/run/nomad-vault", str(run_dir))
                        .replace("/usr/bin/nomad", str(bin_dir / "nomad")))
        (bin_dir / "nomad").write_text(
            f'#!/bin/sh\nprintf "%s\\n%s\\n" "$VAULT_TOKEN" "$*" > {record}\n')
        (bin_dir / "nomad").chmod(0o755)
        (tmp_path / "nomad-startup.sh").write_text(script)
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path)}
        env.pop("VAULT_TOKEN", None)

        def start() -> tuple[str, str]:
            """Run the script as systemd would at a (re)start: (token, stderr)."""
            record.unlink(missing_ok=True)
            done = subprocess.run(["bash", str(tmp_path / "nomad-startup.sh")], env=env,
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            for _ in range(50):  # nomad is started in the background
                if record.exists() and record.read_text().count("\n") == 2:
                    break
                subprocess.run(["sleep", "0.1"])
            token, args = record.read_text().splitlines()
            assert args == "agent -config /etc/nomad.d"
            return token, done.stderr

        def lookup_accessor(accessor: str) -> dict | None:
            try:
                return server.api("POST", "auth/token/lookup-accessor",
                                  {"accessor": accessor})["data"]
            except urllib.error.HTTPError:
                return None

        first, _ = start()
        info = server.api("POST", "auth/token/lookup", {"token": first})["data"]
        assert info["policies"] == ["default", "nomad-server"]
        assert info["orphan"] is True and info["renewable"] is True
        assert info["period"] == 72 * 3600
        assert not (tmp_path / ".vault-token").exists()  # -token-only stores nothing
        # The accessor, and only it, is kept: dir 0700, file 0600, no token on disk.
        accessor_file = run_dir / "nomad-token.accessor"
        assert accessor_file.read_text() == info["accessor"] + "\n"
        assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(accessor_file.stat().st_mode) == 0o600
        assert [p.name for p in run_dir.iterdir()] == ["nomad-token.accessor"]
        for path in tmp_path.rglob("*"):
            if path.is_file() and path != record:
                assert first not in path.read_text(errors="replace"), path

        # A restart: a new token, and the first one revoked.
        second, stderr = start()
        assert second != first
        assert lookup_accessor(info["accessor"]) is None  # revoked
        live = lookup_accessor(accessor_file.read_text().strip())
        assert live is not None and live["policies"] == ["default", "nomad-server"]
        assert server.api("POST", "auth/token/lookup", {"token": second})["data"]["accessor"] \
            == live["accessor"]
        assert "could not revoke" not in stderr

        # A previous token Vault no longer knows (expired, revoked by hand) must not
        # keep Nomad from starting; nor must a file that holds no accessor.
        server.api("POST", "auth/token/revoke", {"token": second})
        third, _ = start()
        assert lookup_accessor(accessor_file.read_text().strip()) is not None
        accessor_file.write_text("hvs.not-an-accessor $(reboot)\n")
        fourth, stderr = start()
        assert "not an accessor" in stderr
        # The third token was not revoked (its accessor was overwritten): it is
        # what a corrupted file costs, one token living out its period.
        assert server.api("POST", "auth/token/lookup", {"token": third})["data"]
        assert server.api("POST", "auth/token/lookup", {"token": fourth})["data"]

        # The start-up policy alone does it (nomad-server, on the cert role too, also
        # grants revoke-accessor): the role with nomad_startup only, and sudo on
        # create-orphan lets it hand on nomad-server.
        [startup] = [p for p in resources(vault, "vault_policy").values()
                     if "create-orphan" in p["policy"]]
        assert 'path "auth/token/revoke-accessor"' in startup["policy"]
        server.api("POST", f"auth/{backend['path']}/certs/{role['name']}",
                   {**fields, "certificate": ca.read_text(), "token_policies": [startup["name"]]})
        fourth_accessor = accessor_file.read_text().strip()
        fifth, stderr = start()
        assert "could not revoke" not in stderr
        assert lookup_accessor(fourth_accessor) is None
        # Without update on revoke-accessor Vault refuses the revoke: Nomad starts anyway.
        without = startup["policy"].split('path "auth/token/revoke-accessor"')[0]
        server.api("PUT", f"sys/policies/acl/{startup['name']}", {"policy": without})
        sixth, stderr = start()
        assert "could not revoke the previous Nomad token" in stderr
        assert server.api("POST", "auth/token/lookup", {"token": fifth})["data"]  # still live
        assert server.api("POST", "auth/token/lookup", {"token": sixth})["data"]
    finally:
        server.stop()
