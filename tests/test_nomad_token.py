"""tools/nomad_token.py: NOMAD_TOKEN leased from Vault's Nomad secrets engine for CI.

A stub HTTP server stands in for Vault for the error cases (the live test,
tests/live/test_nomad_token_live.py, reads a real server over TLS). Every error
is one line on stderr, exit 2, and never shows a token.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.live.bao import free_port
from tools import nomad_token

ROOT = Path(__file__).resolve().parent.parent
SECRET = "5c8e2d7a-1f3b-4c6d-9e0a-b1c2d3e4f5a6"
VAULT_TOKEN = "hvs.test-vault-token"

ENV_FILE = """tier = "dev"

[vault]
address = "{address}"
{vault_extra}

[nomad]
acl = true

[nomad.acl_tokens]
enabled = {enabled}
path = "nomad-dev"
"""


class Stub:
    """Answers every GET with `status` and `body`; keeps each request's path and headers."""

    def __init__(self, status: int, body: bytes) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.seen.append((self.path, dict(self.headers)))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def envs(tmp_path, monkeypatch):
    """Writes environments/<name>.toml under tmp_path; the tool reads them from there."""
    monkeypatch.setenv("HASHISTACK_ENVIRONMENTS", str(tmp_path))
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.setenv("VAULT_TOKEN", VAULT_TOKEN)

    def write(name: str = "ci", *, address: str = "http://127.0.0.1:1", enabled: bool = True,
              vault_extra: str = "") -> str:
        (tmp_path / f"{name}.toml").write_text(ENV_FILE.format(
            address=address, enabled=str(enabled).lower(), vault_extra=vault_extra))
        return name

    return write


@pytest.fixture
def stub():
    servers: list[Stub] = []

    def start(status: int, body: object) -> Stub:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        servers.append(Stub(status, raw))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = nomad_token.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, out: str, err: str, *words: str) -> None:
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and SECRET not in err and VAULT_TOKEN not in err
    for word in words:
        assert word in err, (word, err)


def test_prints_only_the_secret_id_of_the_ci_deploy_role(envs, stub, capsys):
    vault = stub(200, {"lease_id": "nomad-dev/creds/ci-deploy/abc", "lease_duration": 3600,
                       "data": {"accessor_id": "acc-1", "secret_id": SECRET}})
    name = envs(address=vault.address, vault_extra='namespace = "team/ci"')
    assert run(capsys, name) == (0, SECRET + "\n", "")
    [(path, headers)] = vault.seen
    assert path == "/v1/nomad-dev/creds/ci-deploy"  # the environment's mount, CI's role
    assert headers["X-Vault-Token"] == VAULT_TOKEN
    assert headers["X-Vault-Namespace"] == "team/ci"


def test_role_and_vault_addr_override(envs, stub, monkeypatch, capsys):
    vault = stub(200, {"data": {"secret_id": SECRET}})
    name = envs()  # vault.address points nowhere: VAULT_ADDR wins
    monkeypatch.setenv("VAULT_ADDR", vault.address + "/")
    assert run(capsys, name, "--role", "read-only") == (0, SECRET + "\n", "")
    [(path, headers)] = vault.seen
    assert path == "/v1/nomad-dev/creds/read-only"
    assert "X-Vault-Namespace" not in headers


def test_vault_refuses(envs, stub, capsys):
    vault = stub(403, {"errors": ["1 error occurred:\n\t* permission denied\n\n"]})
    assert_one_line_error(*run(capsys, envs(address=vault.address)), "HTTP 403",
                          "permission denied", "/v1/nomad-dev/creds/ci-deploy")


def test_answer_without_secret_id(envs, stub, capsys):
    vault = stub(200, {"data": {"accessor_id": "acc-1"}})
    assert_one_line_error(*run(capsys, envs(address=vault.address)), "no data.secret_id")


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"data": null}',
                                  b'{"data": {"secret_id": 7}}',
                                  b'{"data": {"secret_id": "a\\nb"}}'])
def test_malformed_answers(envs, stub, capsys, body):
    vault = stub(200, body)
    assert_one_line_error(*run(capsys, envs(address=vault.address)), "secret_id")


def test_nothing_listens(envs, capsys):
    name = envs(address=f"http://127.0.0.1:{free_port()}")
    assert_one_line_error(*run(capsys, name), "Connection refused")


def test_no_vault_token(envs, monkeypatch, capsys):
    monkeypatch.delenv("VAULT_TOKEN")
    assert_one_line_error(*run(capsys, envs()), "VAULT_TOKEN is not set")


def test_a_vault_token_with_a_newline_is_not_echoed(envs, stub, monkeypatch, capsys):
    vault = stub(200, {"data": {"secret_id": SECRET}})
    monkeypatch.setenv("VAULT_TOKEN", VAULT_TOKEN + "\n")
    assert_one_line_error(*run(capsys, envs(address=vault.address)), "VAULT_TOKEN")
    assert vault.seen == []


def test_environment_without_acl_tokens(envs, capsys):
    assert_one_line_error(*run(capsys, envs(enabled=False)),
                          "nomad.acl_tokens is not enabled", "NOMAD_TOKEN")


def test_unknown_environment_and_bad_file(envs, tmp_path, capsys):
    assert_one_line_error(*run(capsys, "nope"), "no environment file", "nope.toml")
    (tmp_path / "broken.toml").write_text("tier = \n")
    assert_one_line_error(*run(capsys, "broken"), "broken.toml", "malformed TOML")


def test_missing_ca_file(envs, tmp_path, capsys):
    name = envs(address="https://127.0.0.1:1",
                vault_extra=f'tls = {{ ca_file = "{tmp_path}/absent-ca.pem" }}')
    assert_one_line_error(*run(capsys, name), "vault.tls.ca_file", "absent-ca.pem")


def test_needs_follow_the_environment(envs, capsys):
    """With [nomad.acl_tokens] NOMAD_TOKEN is leased, and the Vault stack needs the
    engine's management token; without it, a static NOMAD_TOKEN."""
    code, out, _ = run(capsys, envs(), "--needs")
    assert code == 0
    assert out.split() == ["VAULT_TOKEN", "CONSUL_HTTP_TOKEN", "TF_VAR_nomad_secrets_token"]
    code, out, _ = run(capsys, envs("plain", enabled=False), "--needs")
    assert code == 0 and out.split() == ["VAULT_TOKEN", "CONSUL_HTTP_TOKEN", "NOMAD_TOKEN"]


@pytest.mark.parametrize(("env", "expected"), [
    ("dev", {"VAULT_TOKEN", "CONSUL_HTTP_TOKEN", "NOMAD_TOKEN"}),
    ("staging", {"VAULT_TOKEN", "CONSUL_HTTP_TOKEN", "TF_VAR_nomad_secrets_token",
                 "TF_VAR_consul_secrets_token"}),
    ("prod", {"VAULT_TOKEN", "CONSUL_HTTP_TOKEN", "TF_VAR_nomad_secrets_token",
              "TF_VAR_consul_secrets_token"}),
])
def test_needs_of_the_shipped_environments(env, expected, monkeypatch, capsys):
    monkeypatch.delenv("HASHISTACK_ENVIRONMENTS", raising=False)
    code, out, _ = run(capsys, env, "--needs")
    assert code == 0 and set(out.split()) == expected


def test_as_ci_runs_it_no_traceback_on_a_refusal(envs, stub):
    """The process CI starts: stdout empty, one stderr line, exit 2."""
    vault = stub(500, b"<html>oops</html>")
    name = envs(address=vault.address)
    done = subprocess.run([sys.executable, "tools/nomad_token.py", name], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert_one_line_error(done.returncode, done.stdout, done.stderr, "HTTP 500")
