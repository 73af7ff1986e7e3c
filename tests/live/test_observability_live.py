"""The scraper's Vault policy against a real Vault-API server (`bao server -dev`):
read on sys/metrics alone answers Prometheus' format; a token without it gets 403;
an AppRole login like the stacks' gets the same access.

`bao server -dev` turns on `unauthenticated_metrics_access` for its own listener
(openbao internal/command/server.go), so the scrapes go to a second listener
without it, from a `-config` file the dev server merges in. The dev listener
shows what that setting changes: no token needed at all.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from hashistack.hcl import block, render
from hashistack.vault import presets
from tests.live.bao import Server, free_port

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bao")
    port = free_port()
    listener = block("listener", "tcp", address=f"127.0.0.1:{port}", tls_disable=True,
                     blocks=[block("telemetry", unauthenticated_metrics_access=False)])
    config = workdir / "listener.hcl"
    config.write_text(render(listener))
    s = Server(workdir, extra_args=(f"-config={config}",))
    s.authenticated = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    s.api("PUT", "sys/policies/acl/prometheus-metrics",
          {"policy": presets.sys_metrics_reader().to_hcl()})
    yield s
    s.stop()


def scrape(server: Server, token: str | None, *, listener: str | None = None) -> tuple[int, str]:
    address = listener or server.authenticated  # type: ignore[attr-defined]
    request = urllib.request.Request(f"{address}/v1/sys/metrics?format=prometheus",
                                     headers={"X-Vault-Token": token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def token(server: Server, policies: list[str]) -> str:
    made = server.api("POST", "auth/token/create",
                      {"policies": policies, "no_default_policy": not policies, "ttl": "10m"})
    return made["auth"]["client_token"]


def test_read_on_sys_metrics_is_enough(server):
    status, body = scrape(server, token(server, ["prometheus-metrics"]))
    assert status == 200, body[:300]
    assert "# TYPE " in body  # Prometheus' text format


def test_without_the_policy_it_is_refused(server):
    assert scrape(server, token(server, ["default"]))[0] == 403
    assert scrape(server, None)[0] in (400, 403)  # no token at all


def test_unauthenticated_metrics_access_takes_no_token(server):
    # The dev listener has it on (server.go): anyone may scrape there.
    assert scrape(server, None, listener=server.address)[0] == 200


def test_the_scraper_token_reaches_nothing_else(server):
    scraper = token(server, ["prometheus-metrics"])
    for path in ("sys/mounts", "sys/policies/acl", "sys/in-flight-req"):
        with pytest.raises(urllib.error.HTTPError) as err:
            server.api("GET", path, token=scraper)
        assert err.value.code == 403, path


def test_an_approle_login_like_the_stacks_scrapes(server):
    server.api("POST", "sys/auth/approle", {"type": "approle"})
    server.api("POST", "auth/approle/role/prometheus",
               {"token_policies": ["prometheus-metrics"], "secret_id_ttl": 0,
                "token_ttl": 3600, "token_max_ttl": 14400})
    role_id = server.api("GET", "auth/approle/role/prometheus/role-id")["data"]["role_id"]
    secret_id = server.api("POST", "auth/approle/role/prometheus/secret-id")["data"]["secret_id"]
    login = server.api("POST", "auth/approle/login", {"role_id": role_id, "secret_id": secret_id},
                       token=None)
    assert sorted(login["auth"]["token_policies"]) == ["default", "prometheus-metrics"]
    assert scrape(server, login["auth"]["client_token"])[0] == 200
