"""consul-template text that reads Vault: written for a task (`use_secret`,
Vault Agent) and read back (`secret_paths_in_template`)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from hashistack import _validate as valid
from hashistack.errors import FieldError

_GO_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# consul-template: `secret "path"`, `with secret "path"`, `secret "path" "k=v"`,
# also with a raw `path` string. `secrets` (LIST) is a different function and
# is not a read; `(?<![\w.$])` keeps `.secret` / `$secret` variables out.
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
_SECRET = re.compile(r'(?<![\w.$])secret\s+(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)')


def _kv2_path(path: str) -> None:
    # KV v2: "Writing and reading versions are prefixed with the data/ path".
    if not isinstance(path, str) or re.search(r'[\s"`\\]', path) or path.startswith("/"):
        raise FieldError(f"use_secret: path {path!r} must be a Vault API path like secret/data/app",
                         path="path")
    segments = path.split("/")
    if "data" not in segments[1:-1] or "" in segments:
        raise FieldError(
            f"use_secret: path {path!r} is not a KV v2 read path; KV v2 reads go through "
            "<mount>/data/<name>, e.g. secret/data/myapp",
            path="path",
        )


def secret_env_template(path: str, env: Mapping[str, str]) -> str:
    """consul-template text writing ENV_VAR=value lines from one KV v2 secret.

    The one place this text is made: Nomad `template` blocks and Vault Agent
    templates both use it, so they read secrets the same way.
    """
    _kv2_path(path)
    if not env:
        raise FieldError("use_secret: env must map at least one ENV_VAR to a secret key",
                         path="env")
    lines = [f'{{{{ with secret "{path}" }}}}']
    for var, key in env.items():
        valid.env_name(var, "use_secret: env name", upper=True)
        lines.append(f"{var}={_data_ref(key)}")
    lines.append("{{ end }}")
    return "\n".join(lines) + "\n"


def secret_field_template(path: str, key: str) -> str:
    """consul-template text giving one key of one KV v2 secret (an `env_template`)."""
    _kv2_path(path)
    return f'{{{{ with secret "{path}" }}}}{_data_ref(key)}{{{{ end }}}}'


def _data_ref(key: str, where: str = ".Data.data", what: str = "use_secret") -> str:
    if not isinstance(key, str) or not key or re.search(r'["\\\n`]|\}\}', key):
        raise FieldError(f"{what}: secret key {key!r} is not usable in a template", path="env")
    if _GO_FIELD.fullmatch(key):
        return f"{{{{ {where}.{key} }}}}"
    # Go templates cannot reach "my-key" as a field; `index` can.
    return f'{{{{ index {where} "{key}" }}}}'


def _creds_path(path: str) -> None:
    # The database secrets engine issues a credential on a read of
    # <mount>/creds/<role> (Vault api-docs/secret/databases, "Generate credentials").
    if not isinstance(path, str) or re.search(r'[\s"`\\]', path) or path.startswith("/"):
        raise FieldError(f"use_dynamic_secret: path {path!r} must be a Vault API path like "
                         "database/creds/app", path="path")
    segments = path.split("/")
    if len(segments) < 3 or segments[-2] != "creds" or "" in segments:
        raise FieldError(
            f"use_dynamic_secret: path {path!r} is not a credentials path; dynamic database "
            "credentials are read at <mount>/creds/<role>, e.g. database/creds/app",
            path="path",
        )


def creds_field_template(path: str, key: str) -> str:
    """consul-template text giving one field of a credential read at
    `<mount>/creds/<role>` (a leased Consul token's `token`, say)."""
    _creds_path(path)
    return f'{{{{ with secret "{path}" }}}}{_data_ref(key, ".Data", "creds")}{{{{ end }}}}'


def dynamic_secret_env_template(path: str, env: Mapping[str, str]) -> str:
    """consul-template text writing ENV_VAR=value lines from one dynamic credential.

    `path` is `<mount>/creds/<role>`; `env` maps ENV_VAR -> a field of the
    response's `data` (`username`, `password`). One `secret` call, so both
    fields come from the same lease (consul-template fetches a path once per
    template). Unlike KV v2 the fields sit directly under `.Data`.
    """
    _creds_path(path)
    if not env:
        raise FieldError("use_dynamic_secret: env must map at least one ENV_VAR to a "
                         "credential field (username, password)", path="env")
    lines = [f'{{{{ with secret "{path}" }}}}']
    for var, key in env.items():
        valid.env_name(var, "use_dynamic_secret: env name", upper=True)
        lines.append(f"{var}={_data_ref(key, '.Data', 'use_dynamic_secret')}")
    lines.append("{{ end }}")
    return "\n".join(lines) + "\n"


def secret_paths_in_template(data: str) -> list[str]:
    """Vault paths read with consul-template's `secret` function, first-seen order."""
    paths: list[str] = []
    for action in _ACTION.finditer(data):
        for m in _SECRET.finditer(action.group(1)):
            path = m.group(2) if m.group(1) is None else re.sub(r"\\(.)", r"\1", m.group(1))
            if path not in paths:
                paths.append(path)
    return paths
