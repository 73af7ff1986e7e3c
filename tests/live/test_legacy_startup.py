"""Seed 003's start-up script, run for real: the legacy example's rendered
`nomad-startup.sh` logs in with a client certificate to a TLS `bao server -dev`
(`vault` resolved to the bao CLI) and starts a stand-in `nomad` with a
periodic orphan token holding exactly `nomad-server`.
"""

from __future__ import annotations

import os
import subprocess
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
        bin_dir.mkdir()
        (bin_dir / "vault").symlink_to(binary())
        script = (out / "stacks" / "legacy-nomad" / "rendered" / "nomad-startup.sh").read_text()
        script = (script.replace("https://vault.legacy.example.internal:8200", server.address)
                        .replace("/etc/ssl/hashistack/legacy-ca.pem", str(server.ca_file))
                        .replace("/opt/nomad/tls/nomad_startup.crt", str(cert))
                        .replace("/opt/nomad/tls/nomad_startup_key.pem", str(key))
                        .replace("/run/nomad/nomad.pid", str(tmp_path / "nomad.pid"))
                        .replace("/usr/bin/nomad", str(bin_dir / "nomad")))
        (bin_dir / "nomad").write_text(
            f'#!/bin/sh\nprintf "%s\\n%s\\n" "$VAULT_TOKEN" "$*" > {record}\n')
        (bin_dir / "nomad").chmod(0o755)
        (tmp_path / "nomad-startup.sh").write_text(script)
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path)}
        env.pop("VAULT_TOKEN", None)
        done = subprocess.run(["bash", str(tmp_path / "nomad-startup.sh")], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        for _ in range(50):  # nomad is started in the background
            if record.exists() and record.read_text().count("\n") == 2:
                break
            subprocess.run(["sleep", "0.1"])
        token, args = record.read_text().splitlines()
        assert args == "agent -config /etc/nomad.d"
        info = server.api("POST", "auth/token/lookup", {"token": token})["data"]
        assert info["policies"] == ["default", "nomad-server"]
        assert info["orphan"] is True and info["renewable"] is True
        assert info["period"] == 72 * 3600
        assert not (tmp_path / ".vault-token").exists()  # -token-only stores nothing
    finally:
        server.stop()
