"""Consul's Connect CA on Vault: each CA config, and the AppRole roles that may be its login."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.core import JsonObject
from hashistack.checks.env import Env, Resource
from hashistack.checks.jsonattr import json_attribute
from hashistack.names import CONNECT_CA_ROLE as CA_ROLE


def vault_cas(env: Env) -> Iterator[tuple[Resource, JsonObject]]:
    """Each Vault-provider CA with its parsed config (`config_json`, or the old `config` map)."""
    for res in env.resources("consul_certificate_authority"):
        if res.get("connect_provider") != "vault":
            continue
        raw = res.get("config_json")
        config = json_attribute(raw) if isinstance(raw, str) else dict(res.get("config") or {})
        if isinstance(config, dict):
            yield res, config
        else:
            env.cannot_evaluate(res, "config_json is neither JSON nor jsonencode() of a "
                                     "literal: the Connect CA's settings are not checked")


def _touches_pki(env: Env, policy: str, mounts: tuple[str, ...]) -> bool:
    res = env.policy(policy)
    doc = env.policy_doc(res) if res else None
    return doc is not None and any(
        r.path.lstrip("/").startswith(m + "/") for r in doc.rules for m in mounts
    )


def ca_login_roles(env: Env, config: JsonObject) -> list[Resource]:
    """The AppRole roles that may be the CA's login.

    Consul's AuthMethod names only the mount and the credential files (the role_id
    is installed out of band), so the role cannot be read from the config. Sound
    over-approximation: the role hashistack creates for the CA (`consul-connect-ca`)
    plus every AppRole role holding a policy that reaches the CA's PKI mounts; any of
    them could be the one whose role_id is on the Consul servers.
    """
    auth = config.get("AuthMethod") or {}
    if str(auth.get("Type", "")).lower() != "approle":
        return []
    mounts = tuple(
        str(config.get(k, "")).strip("/") for k in ("RootPKIPath", "IntermediatePKIPath")
    )
    return [
        r
        for r in env.resources("vault_approle_auth_backend_role")
        if r.value("role_name") == CA_ROLE
        or any(_touches_pki(env, p, mounts) for p in r.names("token_policies"))
    ]
