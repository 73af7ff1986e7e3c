"""The address and name grammars in hashistack._validate, one of each, that the
models, the checks and the config share."""

from __future__ import annotations

import pytest

from hashistack import _validate as valid


@pytest.mark.parametrize("value, ok", [
    ("127.0.0.1:8501", True), ("[::1]:8502", True), ("unix:///run/consul.sock", True),
    ("consul:0", False), ("consul:65536", False), ("http://127.0.0.1:8500", False),
    ("unix://relative", False), ("127.0.0.1:8500\n", False), ("no-port", False),
])
def test_agent_address(value, ok):
    assert valid.is_agent_address(value) is ok


@pytest.mark.parametrize("value, host", [
    ("127.0.0.1:8500", "127.0.0.1"), ("[::1]:8500", "::1"),
    ("https://Consul.Example.com:8501", "consul.example.com"), ("[::1", ""),
])
def test_address_host(value, host):
    assert valid.address_host(value) == host


def test_urls():
    assert valid.is_url("https://vault:8200")
    assert not valid.is_url("http://vault:8200", schemes=("https",))
    assert not valid.is_url("vault:8200") and not valid.is_url(None)
    assert not valid.is_url("http://[::1")  # unparseable: refused, not a traceback
    assert valid.server_address("https://vault.example.com:8200/") == (
        "https://vault.example.com:8200")
    with pytest.raises(ValueError, match="credentials"):
        valid.server_address("https://u:p@vault:8200")


def test_names_side_by_side():
    # A Nomad job name may end in '-'; a Vault token role name may not.
    assert valid.NAME.fullmatch("web-")
    assert not valid.VAULT_NAME.match("web-")
    assert valid.SERVICE_NAME.fullmatch("web") and not valid.SERVICE_NAME.fullmatch("Web")
    assert valid.CONFIG_NAME.fullmatch("prod_1") and not valid.CONFIG_NAME.fullmatch("a.b")
