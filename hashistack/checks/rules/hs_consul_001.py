"""HS-CONSUL-001: Connect CA settings Consul refuses."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.connect_ca import vault_cas
from hashistack.checks.rulekit import ERROR, Hit, rule
from hashistack.consul.connect_ca_config import AUTH_FILE_PARAMS, auth_file_problem, ttl_problems

# Consul's defaults (hashicorp/consul agent/structs/connect_ca.go, CommonCAProviderConfig).
DEFAULTS = {
    "LeafCertTTL": "72h",
    "IntermediateCertTTL": "8760h",
    "RootCertTTL": "87600h",
    "PrivateKeyType": "ec",
}


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
