"""Rendered Vault server configs, run for real on OpenBao (`bao server -config`):
raft storage behind a TLS listener (a throwaway CA and server certificate made
with `openssl`), initialised and unsealed, raft reported as the storage; and a
transit auto-unseal against a `bao server -dev`, its token only in the server's
environment, unsealing itself again after a restart.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hashistack.vault.server_config import (
    DeclaredAudit,
    Listener,
    TransitSeal,
    VaultServerConfig,
)
from tests.live.bao import Server, binary, free_port

pytestmark = pytest.mark.live


def make_certs(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 / localhost: (ca, cert, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no `openssl` to make a throwaway CA and server certificate")
    ca_key, ca, key, csr, cert = (folder / n for n in
                                  ("ca-key.pem", "ca.pem", "key.pem", "node.csr", "node.pem"))
    ext = folder / "ext.cnf"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth,clientAuth\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for args in (
        ["req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "1", "-subj", "/CN=test-ca",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=raft-1"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "1", "-extfile", ext],
    ):
        subprocess.run([openssl, *map(str, args)], check=True, capture_output=True, timeout=30)
    return ca, cert, key


class RaftServer:
    """`bao server -config=<rendered file>`, with only the environment given."""

    def __init__(self, folder: Path, config: VaultServerConfig, ca: Path,
                 env: dict[str, str] | None = None) -> None:
        self.folder, self.ca = folder, ca
        self.address = config.api_addr
        self.file = folder / "server.hcl"
        self.file.write_text(config.to_hcl())
        self.context = ssl.create_default_context(cafile=str(ca))
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("VAULT_", "BAO_"))}
        self.env = {**clean, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        log = (self.folder / "server.log").open("a")
        self.proc = subprocess.Popen([binary(), "server", f"-config={self.file}"],
                                     stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=self.env)
        self.wait(lambda: self.status("sys/seal-status") is not None, "listening")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def call(self, method: str, path: str, body: dict | None = None,
             token: str | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{self.address}/v1/{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"X-Vault-Token": token} if token else {})
        try:
            with urllib.request.urlopen(request, timeout=10, context=self.context) as r:
                text = r.read()
                status = r.status
        except urllib.error.HTTPError as err:
            text, status = err.read(), err.code
        try:
            return status, json.loads(text) if text else {}
        except ValueError:
            return status, {"raw": text.decode(errors="replace")}

    def status(self, path: str) -> dict | None:
        try:
            return self.call("GET", path)[1]
        except (OSError, urllib.error.URLError):
            return None

    def wait(self, check, what: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            if check():
                return
            time.sleep(0.2)
        log = (self.folder / "server.log").read_text()[-3000:]
        self.stop()
        pytest.fail(f"server not {what} within {seconds} s; log:\n{log}")

    def unsealed(self) -> bool:
        status = self.status("sys/seal-status")
        return bool(status) and status.get("sealed") is False

    def active(self, token: str) -> bool:
        # Raft elects a leader after init or a restart; until then requests are refused.
        code, body = self.call("GET", "sys/storage/raft/configuration", token=token)
        return code == 200 and bool(body.get("data"))


def node(folder: Path, cert: Path, key: Path, **over) -> VaultServerConfig:
    api, cluster = free_port(), free_port()
    data = folder / "raft"
    data.mkdir()
    return VaultServerConfig(
        node_id="raft-1",
        api_addr=f"https://127.0.0.1:{api}",
        cluster_addr=f"https://127.0.0.1:{cluster}",
        listener=Listener(address=f"127.0.0.1:{api}", cluster_address=f"127.0.0.1:{cluster}",
                          tls_cert_file=str(cert), tls_key_file=str(key)),
        raft_path=str(data),
        product="openbao",
        **over,
    )


@pytest.fixture()
def certs(tmp_path):
    binary()  # skips without bao
    return make_certs(tmp_path)


def test_raft_behind_tls_initialises_and_reports_raft(tmp_path, certs):
    ca, cert, key = certs
    audit_log = tmp_path / "audit.log"
    config = node(tmp_path, cert, key, audit=[
        DeclaredAudit("file", "file", {"file_path": str(audit_log)})])
    server = RaftServer(tmp_path, config, ca)
    try:
        assert server.address.startswith("https://")
        env = {**server.env, "BAO_ADDR": server.address, "BAO_CACERT": str(ca)}
        done = subprocess.run(
            [binary(), "operator", "init", "-key-shares=1", "-key-threshold=1", "-format=json"],
            env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        init = json.loads(done.stdout)
        assert server.status("sys/seal-status")["sealed"] is True  # Shamir: sealed until keys
        code, _ = server.call("PUT", "sys/unseal", {"key": init["unseal_keys_b64"][0]})
        assert code == 200
        token = init["root_token"]
        server.wait(lambda: server.active(token), "active")
        _, body = server.call("GET", "sys/storage/raft/configuration", token=token)
        [peer] = body["data"]["config"]["servers"]
        assert peer["node_id"] == "raft-1" and peer["voter"] and peer["leader"]
        assert peer["address"] == config.cluster_addr.removeprefix("https://")
        # The audit device came from the file (OpenBao's declarative audit).
        _, audits = server.call("GET", "sys/audit", token=token)
        assert audits["data"]["file/"]["options"]["file_path"] == str(audit_log)
        assert audit_log.stat().st_size > 0
        # Prometheus metrics are on (retention > 0) and need a token.
        code, _ = server.call("GET", "sys/metrics?format=prometheus", token=token)
        assert code == 200
        code, _ = server.call("GET", "sys/metrics?format=prometheus")
        assert code in (400, 401, 403)
    finally:
        server.stop()


def test_transit_auto_unseal_survives_a_restart(tmp_path, certs):
    ca, cert, key = certs
    (tmp_path / "provider").mkdir()
    provider = Server(tmp_path / "provider")
    try:
        provider.api("POST", "sys/mounts/transit", {"type": "transit"})
        provider.api("POST", "transit/keys/autounseal", {})
        provider.api("PUT", "sys/policies/acl/autounseal", {"policy": (
            'path "transit/encrypt/autounseal" { capabilities = ["update"] }\n'
            'path "transit/decrypt/autounseal" { capabilities = ["update"] }\n')})
        seal_token = provider.api("POST", "auth/token/create-orphan", {
            "policies": ["autounseal"], "period": "1h", "no_default_policy": True,
        })["auth"]["client_token"]
        config = node(tmp_path, cert, key, seal=TransitSeal(
            address=provider.address, key_name="autounseal", mount_path="transit/"))
        assert seal_token not in config.to_hcl() and "token" not in config.to_hcl()
        # VAULT_TOKEN, as Vault's seal/transit.mdx says (OpenBao falls back to it).
        server = RaftServer(tmp_path, config, ca, env={"VAULT_TOKEN": seal_token})
        try:
            code, init = server.call("PUT", "sys/init",
                                     {"recovery_shares": 1, "recovery_threshold": 1})
            assert code == 200, init
            assert init["recovery_keys_base64"] and not init.get("keys_base64"), init.keys()
            server.wait(server.unsealed, "unsealed by transit after init")
            status = server.status("sys/seal-status")
            assert status["type"] == "transit" and status["recovery_seal"] is True
            server.stop()
            server.start()  # no unseal call from here on
            server.wait(server.unsealed, "unsealed by transit after a restart")
            server.wait(lambda: server.active(init["root_token"]), "active after a restart")
        finally:
            server.stop()
    finally:
        provider.stop()
