"""The CA Vault verifies a database's certificate with (`[[vault.databases]]`
`tls_ca`, `tls_ca_file`, `tls_ca_system_roots`).

With `sslmode=verify-ca` or `verify-full` and no CA given, Vault's PostgreSQL
plugin verifies the server against the Vault machine's system roots only
(hashicorp/vault sdk/database/helper/connutil/postgres.go: `RootCAs` stays
unset), and an `sslrootcert` in the URL would be a path on the Vault server
(Vault api-docs/secret/databases/postgresql). A database's certificate is
usually from a private CA, which the system roots lack: every connection would
fail. So the CA is required there, unless the file says the system roots do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hashistack import _validate as valid

if TYPE_CHECKING:
    from stacks.config import Database, Environment

VERIFYING = ("verify-ca", "verify-full")


def tls_ca_problem(db: Database) -> str | None:
    """Why the database's TLS settings cannot work, or None."""
    given = [f for f in ("tls_ca", "tls_ca_file") if getattr(db, f) is not None]
    if len(given) == 2:
        return "set tls_ca or tls_ca_file, not both"
    if given and db.tls_ca_system_roots:
        return f"{given[0]} and tls_ca_system_roots = true: choose one"
    if given and db.ssl_mode not in VERIFYING:
        return (f"{given[0]}: ssl_mode {db.ssl_mode!r} does not verify the server; use "
                "verify-ca or verify-full")
    if db.ssl_mode in VERIFYING and not given and not db.tls_ca_system_roots:
        return (f"ssl_mode {db.ssl_mode!r} needs the CA that signed the database's "
                "certificate: set tls_ca_file (a PEM file) or tls_ca (PEM text); Vault "
                "otherwise trusts only its machine's system roots (if those do sign it, "
                "set tls_ca_system_roots = true)")
    return None


def resolve_tls_ca_files(env: Environment, path: Path) -> Environment:
    """Each `tls_ca_file`, relative to the environment file, read into `tls_ca`
    (CERTIFICATE blocks only); ValueError names the database and the file."""
    databases = []
    for db in env.vault.databases:
        if db.tls_ca_file is None:
            databases.append(db)
            continue
        resolved = (path.parent / db.tls_ca_file).resolve()
        where = f"vault.databases.{db.name}.tls_ca_file"
        try:
            text = resolved.read_text(encoding="utf-8")
            valid.certificates(text, str(resolved))
        except OSError as err:
            raise ValueError(f"{where}: {resolved}: {err.strerror}") from None
        except UnicodeDecodeError:
            raise ValueError(f"{where}: {resolved}: not UTF-8 text") from None
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
        databases.append(db.model_copy(update={"tls_ca_file": None, "tls_ca": text}))
    if databases == list(env.vault.databases):
        return env
    vault = env.vault.model_copy(update={"databases": databases})
    return env.model_copy(update={"vault": vault})
