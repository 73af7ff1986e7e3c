"""tools/nomad_token.py against a real Vault-API server (`bao server -dev -dev-tls`).

OpenBao has no Nomad secrets engine (tests/live/test_acl_tokens_live.py), so a
KV v1 engine at the mount stands in for it: a GET of `<mount>/creds/ci-deploy`
answers `{"data": {...}}` the same way, which exercises the request (TLS with
the environment's CA file, token, namespace header) and the parsing. The token
reading it holds only the creds policy the Vault stack writes for CI's role.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest

from tests.live.bao import Server

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
MOUNT = "nomad-ci"
SECRET = "0b6e4c1d-7a2f-4e8b-9c3d-5f1a2b3c4d5e"
POLICY = f'path "{MOUNT}/creds/ci-deploy" {{\n  capabilities = ["read"]\n}}\n'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("bao"), tls=True)
    yield s
    s.stop()


def _fake_engine(server: Server, namespace: str | None) -> str:
    """KV v1 at MOUNT holding creds/ci-deploy; a token with the creds policy only."""
    prefix = f"{namespace}/" if namespace else ""
    server.api("POST", f"{prefix}sys/mounts/{MOUNT}", {"type": "kv", "options": {"version": "1"}})
    server.api("POST", f"{prefix}{MOUNT}/creds/ci-deploy",
               {"secret_id": SECRET, "accessor_id": "acc-1"})
    server.api("PUT", f"{prefix}sys/policies/acl/{MOUNT}-creds-ci-deploy", {"policy": POLICY})
    made = server.api("POST", f"{prefix}auth/token/create",
                      {"policies": [f"{MOUNT}-creds-ci-deploy"], "ttl": "10m"})
    return made["auth"]["client_token"]


def _env_file(directory: Path, server: Server, namespace: str | None) -> str:
    name = f"live{namespace or ''}"
    ns = f'namespace = "{namespace}"\n' if namespace else ""
    (directory / f"{name}.toml").write_text(
        f'tier = "dev"\n\n[vault]\naddress = "{server.address}"\n{ns}'
        f'tls = {{ ca_file = "{server.ca_file}" }}\n\n'
        f'[nomad]\nacl = true\n\n[nomad.acl_tokens]\nenabled = true\npath = "{MOUNT}"\n')
    return name


def _run(directory: Path, name: str, token: str, *, addr: str | None = None
         ) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HASHISTACK_ENVIRONMENTS": str(directory),
           "VAULT_TOKEN": token}
    if addr:
        env["VAULT_ADDR"] = addr
    return subprocess.run([sys.executable, "tools/nomad_token.py", name], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_leases_over_tls_with_the_creds_policy_only(server, tmp_path):
    token = _fake_engine(server, None)
    name = _env_file(tmp_path, server, None)
    done = _run(tmp_path, name, token)
    assert (done.returncode, done.stdout, done.stderr) == (0, SECRET + "\n", "")


def test_namespace_header(server, tmp_path):
    try:
        server.api("POST", "sys/namespaces/team", {})
    except urllib.error.HTTPError as err:
        pytest.skip(f"this OpenBao has no namespaces (HTTP {err.code})")
    token = _fake_engine(server, "team")
    done = _run(tmp_path, _env_file(tmp_path, server, "team"), token)
    assert (done.returncode, done.stdout, done.stderr) == (0, SECRET + "\n", "")
    # The same request without the namespace header reads the root namespace's mount.
    plain = _env_file(tmp_path, server, None)
    done = _run(tmp_path, plain, token)
    assert done.returncode == 2 and done.stdout == ""


def test_a_token_without_the_policy_is_refused_in_one_line(server, tmp_path):
    name = _env_file(tmp_path, server, None)
    other = server.api("POST", "auth/token/create", {"policies": ["default"], "ttl": "10m"})
    token = other["auth"]["client_token"]
    done = _run(tmp_path, name, token)
    assert done.returncode == 2 and done.stdout == ""
    assert "HTTP 403" in done.stderr and "permission denied" in done.stderr
    assert done.stderr.count("\n") == 1 and token not in done.stderr


def test_a_server_the_ca_file_does_not_sign_is_refused(server, tmp_path):
    """The environment's CA file is the only trust: the system's roots do not sign
    bao's dev certificate, so the handshake fails (and says so in one line)."""
    roots = Path("/etc/ssl/certs/ca-certificates.crt")
    if not roots.is_file():
        pytest.skip("no system CA bundle at /etc/ssl/certs/ca-certificates.crt")
    name = _env_file(tmp_path, server, None)
    path = tmp_path / f"{name}.toml"
    path.write_text(path.read_text().replace(str(server.ca_file), str(roots)))
    done = _run(tmp_path, name, "x")
    assert done.returncode == 2 and done.stdout == ""
    assert "CERTIFICATE_VERIFY_FAILED" in done.stderr and done.stderr.count("\n") == 1
