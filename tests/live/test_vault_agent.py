"""The VM Vault Agent, run for real: the shipped dev environment's AppRole role
and its rendered `vault-agent-myapp.hcl`, on `bao server -dev` and `bao agent`,
with the token TTLs cut to seconds. It must keep working unattended: past its
token's max TTL (a fresh login with the same secret ID) and across a restart.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from hashistack.vault.policy import PolicyDocument
from tests.live.bao import Server, binary
from tests.synth_json import by

pytestmark = pytest.mark.live
ROLE = "vault-agent-myapp"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("bao"))
    yield s
    s.stop()


def wait_for(check, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"{what} within {seconds} s; agent log:\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def role_id(server, shipped) -> str:
    """The role and policy as the dev stacks synthesize them, TTLs shortened."""
    _, stacks = shipped
    vault = stacks["dev-vault"]
    role = by(vault, "vault_approle_auth_backend_role", "role_name", ROLE)
    [policy_name] = role["token_policies"]
    policy = by(vault, "vault_policy", "name", policy_name)
    PolicyDocument.parse(policy["policy"])  # what we load is what we checked
    server.api("POST", "sys/auth/approle", {"type": "approle"})
    server.api("PUT", f"sys/policies/acl/{policy_name}", {"policy": policy["policy"]})
    # terraform-provider-vault r/approle_auth_backend_role writes these fields as is.
    fields = {k: role[k] for k in ("token_policies", "bind_secret_id", "secret_id_ttl")}
    assert fields["secret_id_ttl"] == 0  # the design under test: it does not lapse
    server.api("POST", f"auth/approle/role/{ROLE}", {**fields, "token_ttl": 2,
                                                      "token_max_ttl": 4})
    server.api("POST", "secret/data/myapp",
               {"data": {"username": "app-user", "password": "app-pass"}})
    return server.api("GET", f"auth/approle/role/{ROLE}/role-id")["data"]["role_id"]


def credentials(server: Server, role_id: str, work: Path) -> str:
    """role_id and a fresh secret_id, installed as an operator would; the secret ID."""
    secret_id = server.api("POST", f"auth/approle/role/{ROLE}/secret-id")["data"]["secret_id"]
    (work / "role_id").write_text(role_id)
    (work / "secret_id").write_text(secret_id)
    return secret_id


def agent_config(shipped, server: Server, work: Path, keep_secret_id: bool = True) -> Path:
    out, _ = shipped
    text = (out / "stacks" / "dev-nomad" / "rendered" / f"{ROLE}.hcl").read_text()
    text = (text.replace("http://127.0.0.1:8200", server.address)
                .replace("/etc/vault-agent/myapp/", f"{work}/")
                .replace("/run/vault-agent/myapp/", f"{work}/")
                .replace("/etc/secrets/", f"{work}/"))
    if not keep_secret_id:  # Vault's default, as seed 002 had it
        text = text.replace("remove_secret_id_file_after_reading = false\n", "")
    path = work / "agent.hcl"
    path.write_text(text)
    return path


def start(config: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([binary(), "agent", f"-config={config}"], stdin=subprocess.DEVNULL,
                            stdout=log.open("a"), stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_agent_survives_token_max_ttl_and_a_restart(server, shipped, role_id, tmp_path):
    secret_id = credentials(server, role_id, tmp_path)
    config, log = agent_config(shipped, server, tmp_path), tmp_path / "agent.log"
    rendered, sink = tmp_path / "myapp.env", tmp_path / "token"

    def rendered_secret():
        return rendered.exists() and "DB_USER=app-user" in rendered.read_text()

    agent = start(config, log)
    try:
        wait_for(rendered_secret, 30, "the template rendered", log)
        first = sink.read_text()
        # Max TTL 4 s: the agent must log in again, with the secret ID still on disk.
        tokens = {first}
        wait_for(lambda: tokens.add(sink.read_text()) or len(tokens) >= 3, 30,
                 "two fresh logins past the token's max TTL", log)
        token = sink.read_text()
        assert server.api("GET", "auth/token/lookup-self", token=token)["data"]["policies"]
        assert (tmp_path / "secret_id").read_text() == secret_id  # kept for the next login
    finally:
        stop(agent)
    rendered.unlink()
    sink.unlink()
    agent = start(config, log)  # a restart, as systemd's Restart= or a reboot does
    try:
        wait_for(rendered_secret, 30, "the template rendered again after a restart", log)
        assert server.api("GET", "auth/token/lookup-self", token=sink.read_text())
    finally:
        stop(agent)
    assert "invalid role or secret ID" not in log.read_text()


def test_vaults_default_deletes_the_secret_id_the_next_login_needs(server, shipped, role_id,
                                                                   tmp_path):
    """Why the rendered config says remove_secret_id_file_after_reading = false."""
    credentials(server, role_id, tmp_path)
    log = tmp_path / "agent.log"
    agent = start(agent_config(shipped, server, tmp_path, keep_secret_id=False), log)
    try:
        wait_for(lambda: (tmp_path / "token").exists(), 30, "a first login", log)
        wait_for(lambda: not (tmp_path / "secret_id").exists(), 10,
                 "the secret ID file removed after reading", log)
    finally:
        stop(agent)
