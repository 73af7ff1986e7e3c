"""Plaintext or unverified connections between the products (and to them)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from hashistack.checks.env import Env, Resource, blocks
from hashistack.checks.model import ERROR, WARNING, Hit, rule
from hashistack.checks.rules.consul_connect_ca import vault_cas


def _http(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith("http://")


def _on(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def _problems(env: Env) -> Iterator[tuple[Resource, str]]:
    for p in env.providers("vault"):
        if _http(p.get("address")):
            yield p, f"Vault provider address {p.get('address')} is plaintext http"
        if _on(p.get("skip_tls_verify")):
            yield p, "Vault provider skip_tls_verify = true"
    for p in env.providers("consul"):
        if str(p.get("scheme", "")).lower() == "http":
            yield p, f"Consul provider scheme http ({p.get('address')})"
        if _on(p.get("insecure_https")):
            yield p, "Consul provider insecure_https = true"
    for p in env.providers("nomad"):
        if _http(p.get("address")):
            yield p, f"Nomad provider address {p.get('address')} is plaintext http"
        if _on(p.get("skip_verify")):
            yield p, "Nomad provider skip_verify = true"
    for ca, config in vault_cas(env):
        if _http(config.get("Address")):
            yield ca, f"Connect CA's Vault Address {config['Address']} is plaintext http"
        if _on(config.get("TLSSkipVerify")):
            yield ca, "Connect CA's Vault TLSSkipVerify = true"
    for res in env.resources("vault_jwt_auth_backend"):
        if _http(res.get("jwks_url")):
            yield res, f"JWT auth jwks_url {res.get('jwks_url')} is plaintext http"
    for res in env.resources("consul_acl_auth_method"):
        try:
            config = json.loads(res.get("config_json") or "{}")
        except ValueError:
            continue
        if isinstance(config, dict) and _http(config.get("JWKSURL")):
            yield res, f"Consul auth method JWKSURL {config['JWKSURL']} is plaintext http"
    for where, doc in env.rendered_hcl:
        for v in blocks(doc.get("vault")):
            if _http(v.get("address")):
                yield where, f"vault.address {v['address']} is plaintext http"
            if _on(v.get("tls_skip_verify")):
                yield where, "vault.tls_skip_verify = true"


@rule(
    "HS-TLS-001", ERROR, "plaintext http or TLS verification off outside dev",
    explanation=(
        "Vault tokens, Nomad identities and CA keys cross these connections; over http or "
        "without certificate verification anyone on the path can read or replace them. "
        "Nomad's WI docs: jwks_url \"must be reachable by all Vault servers\", with Nomad's "
        "CA in jwks_ca_pem under mTLS (NMD integrations/vault/acl.mdx). Error in prod, "
        "warning in staging."
    ),
    fix="Use https:// addresses with a CA file ([<product>.tls] ca_file in the environment "
        "file) and leave verification on.",
)
def plaintext(env: Env) -> Iterator[Hit]:
    level = {"prod": ERROR, "staging": WARNING}.get(env.tier)
    if level is None:
        return
    for where, message in _problems(env):
        yield Hit(where, message, level=level)
