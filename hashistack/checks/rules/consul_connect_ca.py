"""Consul's Connect CA on Vault: TTLs, keys, and what its Vault login can do."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, Resource
from hashistack.checks.jsonattr import json_attribute
from hashistack.checks.model import ERROR, WARNING, Hit, rule
from hashistack.consul.connect_ca_config import AUTH_FILE_PARAMS, auth_file_problem, ttl_problems
from hashistack.names import CONNECT_CA_ROLE as CA_ROLE
from hashistack.vault.presets import connect_ca_excess

# Consul's defaults (hashicorp/consul agent/structs/connect_ca.go, CommonCAProviderConfig).
DEFAULTS = {
    "LeafCertTTL": "72h",
    "IntermediateCertTTL": "8760h",
    "RootCertTTL": "87600h",
    "PrivateKeyType": "ec",
}


def vault_cas(env: Env) -> Iterator[tuple[Resource, dict]]:
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


@rule(
    "HS-CONSUL-001",
    ERROR,
    "Connect CA settings Consul refuses",
    explanation=(
        "Consul validates the CA config before using it (hashicorp/consul "
        "agent/structs/connect_ca.go CommonCAProviderConfig.Validate): RootCertTTL >= "
        "IntermediateCertTTL, 1h <= LeafCertTTL <= 8760h, IntermediateCertTTL >= 3h and "
        ">= 3 x LeafCertTTL, and the key type/bits pairs. Since Consul 1.22.x "
        "(hashicorp/consul#23249) the Vault login's credential files (AppRole "
        "role_id_file_path/secret_id_file_path, JWT path) are read only under "
        "/run/secrets or /var/run/secrets; elsewhere the CA cannot log in."
    ),
    fix="Adjust [consul.connect_ca] in the environment file (auth_files_dir for the "
        "AppRole files).",
)
def ca_ttls(env: Env) -> Iterator[Hit]:
    for res, config in vault_cas(env):
        c = {**DEFAULTS, **{k: v for k, v in config.items() if v not in (None, "")}}
        bits = int(c.get("PrivateKeyBits") or (256 if c["PrivateKeyType"] == "ec" else 2048))
        try:
            problems = ttl_problems(
                str(c["LeafCertTTL"]),
                str(c["IntermediateCertTTL"]),
                str(c["RootCertTTL"]),
                str(c["PrivateKeyType"]),
                bits,
            )
        except ValueError as err:
            problems = [str(err)]
        method = config.get("AuthMethod")
        if isinstance(method, dict) and isinstance(method.get("Params"), dict):
            kind = str(method.get("Type"))
            for key in AUTH_FILE_PARAMS.get(kind, ()):
                value = method["Params"].get(key)
                problem = auth_file_problem(kind, value) if isinstance(value, str) else None
                if problem:
                    problems.append(f"AuthMethod.Params.{key}: {problem}")
        for p in problems:
            yield Hit(res, p)


def _touches_pki(env: Env, policy: str, mounts: tuple[str, ...]) -> bool:
    res = env.policy(policy)
    doc = env.policy_doc(res) if res else None
    return bool(doc) and any(
        r.path.lstrip("/").startswith(m + "/") for r in doc.rules for m in mounts
    )


def ca_login_roles(env: Env, config: dict) -> list[Resource]:
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


@rule(
    "HS-CONSUL-002",
    ERROR,
    "Connect CA's Vault login can do more than documented",
    explanation=(
        "The documented policy for Consul's Vault CA provider (WUD consul v1.21.x "
        "secure-mesh/certificate/vault.mdx) lists every path Consul needs; anything more "
        "is power a Consul server compromise would hand over. Mounts created in these "
        'stacks mean the "Vault-managed PKI paths" set, otherwise the Consul-managed one.'
    ),
    fix="Use hashistack.vault.presets.connect_ca(root, intermediate) as the role's only policy.",
)
def ca_policy(env: Env) -> Iterator[Hit]:
    mounted = {str(m.get("path", "")).strip("/") for m in env.resources("vault_mount")}
    for _, config in vault_cas(env):
        root = str(config.get("RootPKIPath", "")).strip("/")
        inter = str(config.get("IntermediatePKIPath", "")).strip("/")
        if not root or not inter:
            continue
        managed_by = "vault" if {root, inter} <= mounted else "consul"
        for role in ca_login_roles(env, config):
            for name in role.names("token_policies"):
                if name == "default":
                    continue
                res = env.policy(name)
                if res is None:
                    yield Hit(
                        role,
                        f"CA login role {role.value('role_name')!r} has policy "
                        f"{name!r}, not defined in these stacks: cannot verify it",
                        level=WARNING,
                    )
                    continue
                doc = env.policy_doc(res)
                for r in connect_ca_excess(doc, root, inter, managed_by=managed_by) if doc else ():
                    yield Hit(
                        res,
                        f"policy {name!r} of the Connect CA login role "
                        f"{role.value('role_name')!r} ({role.path}) grants "
                        f"{list(r.capabilities)} on {r.path!r}, beyond the documented "
                        f"{managed_by}-managed set",
                        vault_path=r.path,
                    )
