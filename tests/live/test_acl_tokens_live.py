"""The creds policies of issue 12 §2 on a real Vault-API server (`bao server -dev`).

OpenBao has no Nomad or Consul secrets engine ("plugin not found in the
catalog" for both, OpenBao 2.7.2), so the engines are covered at synth
(tests/test_acl_tokens.py); what a token holding a creds policy may do on the
creds paths is answered by the server here.
"""

from __future__ import annotations

import urllib.error

import pytest

from tests.live.bao import Server
from tests.synth_json import resources

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("bao"))
    yield s
    s.stop()


@pytest.mark.parametrize("engine", ["nomad", "consul"])
def test_openbao_has_no_such_engine(server, engine):
    try:
        server.api("POST", f"sys/mounts/probe-{engine}", {"type": engine})
    except urllib.error.HTTPError as err:
        assert err.code == 400 and b"plugin not found" in err.read()
        pytest.skip(f"OpenBao has no {engine} secrets engine: tested at synth only")
    pytest.fail(f"this OpenBao mounts a {engine} engine: test the roles live too")


def test_each_creds_policy_reads_its_creds_and_nothing_else(server, shipped):
    _, out = shipped
    vault = out["prod-vault"]
    texts = {r["name"]: r["policy"] for r in resources(vault, "vault_policy").values()
             if "-creds-" in r["name"]}
    creds = [f"nomad/creds/{r['role']}"
             for r in resources(vault, "vault_nomad_secret_role").values()]
    creds += [f"consul/creds/{r['name']}"
              for r in resources(vault, "vault_consul_secret_backend_role").values()]
    assert len(texts) == len(creds) == 6
    for name, text in texts.items():
        server.api("PUT", f"sys/policies/acl/{name}", {"policy": text})
        token = server.api("POST", "auth/token/create", {
            "policies": [name], "no_default_policy": True, "ttl": "10m"})["auth"]["client_token"]
        mount, _, role = name.partition("-creds-")
        own = f"{mount}/creds/{role}"
        paths = [*creds, f"{mount}/roles/{role}", f"{mount}/config/access", "sys/mounts"]
        answer = server.api("POST", "sys/capabilities", {"token": token, "paths": paths})
        for path in paths:
            assert answer[path] == (["read"] if path == own else ["deny"]), (name, path)
