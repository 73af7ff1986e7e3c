"""`NOMAD_TOKEN` as a Vault lease, for CI's `make diff` (and an operator's deploy).

    python tools/nomad_token.py ENV [--role ci-deploy|operator|read-only]
    python tools/nomad_token.py --needs ENV

The first form reads `<path>/creds/<role>` of Vault's Nomad secrets engine
(`[nomad.acl_tokens]` of environments/ENV.toml, or $HASHISTACK_ENVIRONMENTS/ENV.toml)
and prints only the token's `secret_id`: the engine answers `secret_id` and
`accessor_id` (hashicorp/vault builtin/logical/nomad/path_creds_create.go).
VAULT_TOKEN comes from the environment; VAULT_ADDR, if set, overrides
`vault.address`. HTTPS trusts `vault.tls.ca_file` (read from the working
directory, as the Vault provider reads it); `vault.namespace` is sent as
X-Vault-Namespace. Any error: one line on stderr, exit 2, never the token.

`--needs` prints the environment variables `make diff ENV=...` needs (one a
line): VAULT_TOKEN, CONSUL_HTTP_TOKEN, NOMAD_TOKEN unless it is leased, and
TF_VAR_<token_variable> of each secrets engine the Vault stack mounts.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python tools/nomad_token.py` puts tools/ first, not the root
    sys.path.insert(0, str(ROOT))

from stacks.acl_tokens_config import NOMAD_ROLES  # noqa: E402
from stacks.config import ConfigError, Environment, load  # noqa: E402

TIMEOUT = 30  # seconds, for the one request


class TokenError(Exception):
    """What went wrong, in one line that never holds the token."""


def environment(name: str) -> Environment:
    """environments/<name>.toml (or under $HASHISTACK_ENVIRONMENTS), validated."""
    directory = Path(os.environ.get("HASHISTACK_ENVIRONMENTS") or ROOT / "environments")
    path = directory / f"{name}.toml"
    if not path.is_file():
        raise TokenError(f"no environment file {path}")
    try:
        return load(path)
    except ConfigError as err:
        raise TokenError(str(err)) from None


def needs(env: Environment) -> list[str]:
    """The variables `make diff` of env's default stacks reads from the environment."""
    names = ["VAULT_TOKEN", "CONSUL_HTTP_TOKEN"]
    if not env.nomad.acl_tokens.enabled:
        names.append("NOMAD_TOKEN")  # a static token: no engine to lease one from
    else:
        names.append(f"TF_VAR_{env.nomad.acl_tokens.token_variable}")
    if env.consul.agent_tokens.enabled:
        names.append(f"TF_VAR_{env.consul.agent_tokens.token_variable}")
    return names


def _context(env: Environment, address: str) -> ssl.SSLContext | None:
    if not address.startswith("https://"):
        return None
    tls = env.vault.tls
    if tls.skip_verify:  # refused in staging and prod by stacks/config.py
        return ssl._create_unverified_context()
    try:
        return ssl.create_default_context(cafile=tls.ca_file)
    except (OSError, ssl.SSLError) as err:
        why = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise TokenError(f"vault.tls.ca_file {tls.ca_file}: {why}") from None


def lease(env: Environment, role: str, vault_token: str, address: str | None = None) -> str:
    """The secret_id of a new token of `role`, from Vault's Nomad secrets engine."""
    acl = env.nomad.acl_tokens
    if not acl.enabled:
        raise TokenError(f"{env.name}: nomad.acl_tokens is not enabled: no Vault engine "
                         "leases Nomad tokens here (use a NOMAD_TOKEN secret)")
    if role not in acl.roles:
        raise TokenError(f"{env.name}: nomad.acl_tokens.roles has no role {role!r}")
    if not vault_token:
        raise TokenError("VAULT_TOKEN is not set")
    if not vault_token.isprintable() or any(c.isspace() for c in vault_token):
        # http.client's error would quote the header, the token with it
        raise TokenError("VAULT_TOKEN holds a space, newline or control character")
    base = (address or env.vault.address).rstrip("/")
    scheme = urllib.parse.urlsplit(base).scheme
    if scheme not in ("http", "https"):
        raise TokenError(f"Vault address {base!r} is not an http(s) URL")
    url = f"{base}/v1/{acl.path}/creds/{role}"
    headers = {"X-Vault-Token": vault_token, "X-Vault-Request": "true"}
    if env.vault.namespace:
        headers["X-Vault-Namespace"] = env.vault.namespace
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT,
                                    context=_context(env, base)) as response:
            body = response.read()
    except urllib.error.HTTPError as err:
        raise TokenError(f"GET {url}: HTTP {err.code}{_vault_errors(err)}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", None) or err
        raise TokenError(f"GET {url}: {reason}") from None
    except (http.client.HTTPException, ValueError) as err:  # a bad URL or a broken answer
        raise TokenError(f"GET {url}: {type(err).__name__}") from None
    try:
        secret_id = json.loads(body)["data"]["secret_id"]
    except (ValueError, KeyError, TypeError):
        raise TokenError(f"GET {url}: the answer has no data.secret_id") from None
    if not isinstance(secret_id, str) or not secret_id or not secret_id.isprintable():
        raise TokenError(f"GET {url}: data.secret_id is not a token")
    return secret_id


def _vault_errors(err: urllib.error.HTTPError) -> str:
    """Vault's `errors` list, shortened; a Vault error never holds the token asked for."""
    try:
        errors = json.loads(err.read(4096))["errors"]
        text = "; ".join(str(e) for e in errors)
    except (ValueError, KeyError, TypeError, OSError):
        return ""
    text = " ".join(text.split())[:300]
    return f": {text}" if text else ""


def main(argv: list[str] | None = None) -> int:
    """Print the leased token (or, with --needs, the variables `make diff` needs)."""
    parser = argparse.ArgumentParser(prog="python tools/nomad_token.py")
    parser.add_argument("env", metavar="ENV", help="an environment (environments/ENV.toml)")
    parser.add_argument("--role", choices=NOMAD_ROLES, default="ci-deploy")
    parser.add_argument("--needs", action="store_true",
                        help="print the variables `make diff ENV=...` needs, one a line")
    args = parser.parse_args(argv)
    try:
        env = environment(args.env)
        if args.needs:
            print("\n".join(needs(env)))
            return 0
        token = lease(env, args.role, os.environ.get("VAULT_TOKEN", ""),
                      os.environ.get("VAULT_ADDR") or None)
    except TokenError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
