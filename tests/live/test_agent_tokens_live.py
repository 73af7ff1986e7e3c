"""The agents' token Vault Agents, run for real: staging's rendered
`vault-agent-consul-agent.hcl` and `vault-agent-nomad-server.hcl` on `bao server
-dev` and `bao agent`, with the AppRole role and creds policy as staging
synthesizes them. OpenBao has no Consul secrets engine, so the template's
`consul/creds/<role>` is pointed at a KV path holding a token; what is proven is
the rest: the login, the 0600 file, and the command run with the token read from
that file (never on its command line).
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
import urllib.error
from pathlib import Path

import pytest

from tests.live.bao import Server, binary
from tests.synth_json import by

pytestmark = pytest.mark.live
TOKEN = "5f2e0c9a-1b7d-4e3a-9c41-0d8f6a2b7e10"  # a made-up Consul SecretID


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("bao"))
    yield s
    s.stop()


def wait_for(check, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} within {seconds} s; agent log:\n{log.read_text()[-2000:]}")


def install(server: Server, shipped, role: str, work: Path) -> str:
    """Staging's AppRole role for `role`, its creds policy pointed at the KV stand-in,
    and its credentials in `work`; the KV path."""
    _, stacks = shipped
    vault = stacks["staging-vault"]
    approle = by(vault, "vault_approle_auth_backend_role", "role_name", f"vault-agent-{role}")
    [policy_name] = approle["token_policies"]
    policy = by(vault, "vault_policy", "name", policy_name)["policy"]
    kv = f"secret/data/consul-creds-{role}"
    assert f'"consul/creds/{role}"' in policy
    try:
        server.api("POST", "sys/auth/approle", {"type": "approle"})
    except urllib.error.HTTPError as err:  # the other test enabled it
        assert err.code == 400
    server.api("PUT", f"sys/policies/acl/{policy_name}",
               {"policy": policy.replace(f"consul/creds/{role}", kv)})
    # As synthesized, but for the addresses (the live server's loopback client).
    fields = {k: approle[k] for k in ("token_policies", "bind_secret_id", "secret_id_ttl",
                                      "token_ttl", "token_max_ttl")}
    server.api("POST", f"auth/approle/role/vault-agent-{role}", fields)
    path = f"auth/approle/role/vault-agent-{role}"
    (work / "role_id").write_text(server.api("GET", f"{path}/role-id")["data"]["role_id"])
    (work / "secret_id").write_text(
        server.api("POST", f"{path}/secret-id")["data"]["secret_id"])
    server.api("POST", kv, {"data": {"token": TOKEN}})
    return kv


def agent_config(shipped, server: Server, role: str, stack: str, work: Path, kv: str) -> Path:
    out, _ = shipped
    text = (out / "stacks" / f"staging-{stack}" / "rendered" / f"vault-agent-{role}.hcl"
            ).read_text()
    lines = [ln for ln in text.splitlines(keepends=True) if "ca_cert" not in ln]
    text = "".join(lines)
    text = (text.replace("https://vault.staging.example.internal:8200", server.address)
                .replace(f"/etc/vault-agent/{role}/", f"{work}/")
                .replace("/run/vault-agent-consul-agent/", f"{work}/")
                .replace("/run/vault-agent-nomad/", f"{work}/")
                .replace("/usr/bin/consul", str(work / "consul"))
                .replace(f"consul/creds/{role}", kv)
                .replace(".Data.token", ".Data.data.token"))
    path = work / "agent.hcl"
    path.write_text(text)
    return path


def run_agent(config: Path, log: Path, done, what: str) -> None:
    agent = subprocess.Popen([binary(), "agent", f"-config={config}"],
                             stdin=subprocess.DEVNULL, stdout=log.open("a"),
                             stderr=subprocess.STDOUT)
    try:
        wait_for(done, 30, what, log)
    finally:
        agent.terminate()
        try:
            agent.wait(timeout=10)
        except subprocess.TimeoutExpired:
            agent.kill()


def test_consul_agent_token_is_set_from_its_file(server, shipped, tmp_path):
    kv = install(server, shipped, "consul-agent", tmp_path)
    # Stands in for the consul CLI: records its arguments and what `@file` holds.
    fake = tmp_path / "consul"
    fake.write_text('#!/bin/sh\nfor a; do last=$a; done\necho "$@" > "$0.args"\n'
                    'cat "${last#@}" > "$0.token"\n')
    fake.chmod(0o755)
    config = agent_config(shipped, server, "consul-agent", "consul", tmp_path, kv)
    run_agent(config, tmp_path / "agent.log",
              lambda: (tmp_path / "consul.token").exists()
              and (tmp_path / "consul.token").read_text() == TOKEN,
              "the command ran with the token from the file")
    token_file = tmp_path / "agent-token"
    assert token_file.read_text() == TOKEN
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    args = (tmp_path / "consul.args").read_text()
    assert args.startswith("acl set-agent-token ") and TOKEN not in args
    assert args.rstrip().endswith(f"agent @{token_file}")
    assert f"-token-file={token_file}" in args


def test_nomad_env_file_is_rendered(server, shipped, tmp_path):
    kv = install(server, shipped, "nomad-server", tmp_path)
    config = agent_config(shipped, server, "nomad-server", "nomad", tmp_path, kv)
    env_file = tmp_path / "consul-token.env"
    run_agent(config, tmp_path / "agent.log", env_file.exists, "the env file rendered")
    time.sleep(0.5)  # written whole, but give the rename a moment on slow disks
    assert env_file.read_text() == f"CONSUL_HTTP_TOKEN={TOKEN}\n"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert os.stat(env_file).st_uid == os.getuid()  # the agent's user owns it
