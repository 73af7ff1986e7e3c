"""HS-TLS-001: plaintext or unverified connections between the products (and to them)."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, Resource, blocks
from hashistack.checks.facts.connect_ca import vault_cas
from hashistack.checks.facts.consul import auth_method_configs
from hashistack.checks.rulekit import ERROR, WARNING, Hit, rule
from hashistack.vault.policy import INTERPOLATION


def _http(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith("http://")


def _on(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def _consul_plaintext(p: Resource) -> str | None:
    """Why the Consul provider would talk http, or None.

    The provider's `scheme` defaults to "http" (TPC docs: 'The URL scheme of the agent
    to use ("http" or "https"). Defaults to "http".'); Consul's API client then lets an
    `http://` or `https://` prefix on `address` decide (hashicorp/consul api NewClient).
    """
    address = p.get("address")
    text = str(address or "127.0.0.1:8500").strip()  # the provider's default address
    scheme = p.get("scheme")
    if text.lower().startswith("http://"):
        return f"Consul provider address {text} is plaintext http"
    if text.lower().startswith("https://"):
        return None
    if scheme is None:
        if INTERPOLATION.search(text):
            return None  # the address may carry https:// when resolved
        return (f"Consul provider address {text} with no scheme: the provider's default "
                "scheme is http")
    if str(scheme).strip().lower() == "http":
        return f"Consul provider scheme http ({text})"
    return None


def _problems(env: Env) -> Iterator[tuple[Resource, str]]:
    for p in env.providers("vault"):
        if _http(p.get("address")):
            yield p, f"Vault provider address {p.get('address')} is plaintext http"
        if _on(p.get("skip_tls_verify")):
            yield p, "Vault provider skip_tls_verify = true"
    for p in env.providers("consul"):
        plain = _consul_plaintext(p)
        if plain:
            yield p, plain
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
    for res, config in auth_method_configs(env):
        if _http(config.get("JWKSURL")):
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
