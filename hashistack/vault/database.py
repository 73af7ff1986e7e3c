"""`DatabaseSecrets`: Vault's database secrets engine (mount, connections, roles),
and the grants that let a workload read dynamic credentials from it.

The root credential never passes through Terraform. A connection is written
with a templated `connection_url` (`{{username}}:{{password}}`), the root
user's name, and no password, so neither the synthesized JSON nor the state
holds one (TPV r/database_secret_backend_connection: "All data provided in the
resource configuration will be written in cleartext to state and plan
files"). The password is then written out of band, and rotated so that only
Vault knows it:

    vault write <mount>/config/<name> password=-   (from stdin: not in argv or history)
    vault write -f <mount>/rotate-root/<name>

That first write is an update, which Vault merges into the stored connection
details ("If this is an update, take any new values, overwrite what was there
before", builtin/logical/database/path_config_connection.go of
hashicorp/vault and openbao/openbao), and the provider never sends a password
it was not given: "Vault does not return the password in the API. If the root
credentials have been rotated, sending the old password in the update request
would break the connection config. Thus we only send it, if it actually
changed" (TPV vault/resource_database_secret_backend_connection.go,
setDatabaseConnectionDataWithUserPass). So later applies keep the rotated
password. (The provider's `password_wo` keeps a password out of state too, but
it still has to come from the configuration and needs Terraform 1.11+.)

Terraform creates the connection with `verify_connection = false`: with no
password yet, Vault's check would fail the apply; the out-of-band write
verifies (its default is true, Vault api-docs/secret/databases).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf_cdktf_provider_vault.database_secret_backend_connection import (
    DatabaseSecretBackendConnection,
    DatabaseSecretBackendConnectionMysql,
    DatabaseSecretBackendConnectionPostgresql,
)
from cdktf_cdktf_provider_vault.database_secret_backend_role import DatabaseSecretBackendRole
from cdktf_cdktf_provider_vault.mount import Mount
from constructs import Construct

from hashistack import _validate as valid
from hashistack._cdktf import ConstructError
from hashistack._cdktf import protect as protect_state
from hashistack._validate import MOUNT_PATH, TEMPLATE_START, VAULT_NAME, shown
from hashistack.durations import seconds
from hashistack.errors import FieldError
from hashistack.vault.creds_engine import CredsEngine

# The plugins this construct configures, by the provider's block for each.
PLUGINS = ("postgresql", "mysql")
_ROOT_TEMPLATES = ("{{username}}", "{{password}}")
# Vault's database plugins substitute {{name}} (or {{username}}) with the user they
# generate (sdk/database/helper/dbutil QueryHelper): statements without it create
# no per-lease user.
_USER_TEMPLATES = ("{{name}}", "{{username}}")


@dataclass
class DatabaseConnection:
    """One `<mount>/config/<name>` connection and the roles allowed to use it."""

    name: str
    plugin: str
    resource: DatabaseSecretBackendConnection
    roles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DatabaseRole:
    """One `<mount>/roles/<name>` role; its credentials are read at `creds_path`."""

    name: str
    connection: str
    creds_path: str
    default_ttl: int
    max_ttl: int
    resource: DatabaseSecretBackendRole


class DatabaseSecrets(CredsEngine[DatabaseRole]):
    """The database secrets engine at `path` (a `vault_mount` of type `database`).

    `add_connection` configures a database (no password: see the module's
    docstring for how the root credential is set), `add_role` a role with its
    creation statements and TTLs, `grant_creds` read on `<path>/creds/<role>`:
    what `{{ with secret "<path>/creds/<role>" }}` needs, nothing more.
    `NomadJob.use_dynamic_secret` makes the template and the grant together.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        path: str = "database",
        protect: bool | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not isinstance(path, str) or not MOUNT_PATH.fullmatch(path):
            raise ConstructError(self, f"path {path!r} is not a mount path like 'database' "
                                       "(segments of letters, digits, '.', '_', '-'; no edge '/')")
        self.path = path
        self._protect = protect
        self.mount = Mount(
            self,
            "mount",
            path=path,
            type="database",
            description="Dynamic database credentials for Nomad workloads (hashistack)",
        )
        protect_state(self, self.mount, protect)  # Vault's delete is an unmount: leases revoked
        self._mount_path = self.mount.path  # one round trip to Node; orders what depends on it
        self.connections: dict[str, DatabaseConnection] = {}
        self.roles: dict[str, DatabaseRole] = {}

    def add_connection(
        self,
        name: str,
        *,
        plugin: str,
        connection_url: str,
        username: str,
        max_open_connections: int | None = None,
        root_rotation_statements: Sequence[str] = (),
        tls_ca: str | None = None,
    ) -> DatabaseConnection:
        """Configure database `name`: `connection_url` templated with `{{username}}`
        and `{{password}}`, `username` the root user Vault connects as.

        `tls_ca`: PEM CERTIFICATE blocks Vault verifies the database's certificate
        with (the provider's `tls_ca`, "The x509 CA file for validating the
        certificate presented by the PostgreSQL server"). Vault hands it to pgx by
        value as `sslrootcert` (hashicorp/vault sdk/database/helper/connutil/postgres.go,
        `sslinline`); without it, `sslmode=verify-ca` or `verify-full` verifies
        against the Vault server's system roots only (same file: `RootCAs` unset),
        and an `sslrootcert` in the URL is a path on the Vault server (Vault
        api-docs/secret/databases/postgresql).

        No password is taken: set it out of band (`vault write
        <mount>/config/<name> password=...`, then `vault write -f
        <mount>/rotate-root/<name>`). A literal password in the URL is refused.
        """
        if not isinstance(name, str) or not VAULT_NAME.match(name):
            raise ConstructError(self, f"connection name {name!r} is not a Vault name "
                                       "(letters, digits, '_', '.', '-')")
        if name in self.connections:
            raise ConstructError(self, f"connection {name!r} is already defined")
        if plugin not in PLUGINS:
            raise ConstructError(self, f"connection {name!r}: plugin {plugin!r} is not one of "
                                       f"{PLUGINS}")
        self._check_url(name, connection_url)
        if not isinstance(username, str) or not username or any(
                c in username for c in "\n\r\0") or TEMPLATE_START.search(username):
            raise ConstructError(self, f"connection {name!r}: username must be the root user's "
                                       f"name, got {shown(username)}")
        for statement in root_rotation_statements:
            self._check_statement(f"connection {name!r} root_rotation_statements", statement)
        if tls_ca is not None:
            try:  # CERTIFICATE blocks only: anything else would land in JSON and state
                valid.certificates(tls_ca, "tls_ca")
            except FieldError as err:
                raise ConstructError(self, f"connection {name!r}: {err}") from None
        postgresql = mysql = None
        if plugin == "postgresql":
            postgresql = DatabaseSecretBackendConnectionPostgresql(
                connection_url=connection_url, username=username,
                max_open_connections=max_open_connections, tls_ca=tls_ca)
        else:
            mysql = DatabaseSecretBackendConnectionMysql(
                connection_url=connection_url, username=username,
                max_open_connections=max_open_connections, tls_ca=tls_ca)
        resource = DatabaseSecretBackendConnection(
            self,
            f"connection-{name}",
            backend=self._mount_path,
            name=name,
            allowed_roles=[],
            # No password yet: the out-of-band write verifies (module docstring).
            verify_connection=False,
            root_rotation_statements=list(root_rotation_statements) or None,
            postgresql=postgresql,
            mysql=mysql,
        )
        # After rotate-root the password lives only here: a replacement loses it.
        protect_state(self, resource, self._protect)
        connection = self.connections[name] = DatabaseConnection(name, plugin, resource)
        return connection

    def add_role(
        self,
        name: str,
        *,
        connection: str | DatabaseConnection,
        creation_statements: Sequence[str],
        revocation_statements: Sequence[str] = (),
        default_ttl: str | int = "1h",
        max_ttl: str | int = "24h",
    ) -> DatabaseRole:
        """A role on `connection`: each read of `<mount>/creds/<name>` runs
        `creation_statements` (with `{{name}}`, `{{password}}`, `{{expiration}}`)
        and leases the user for `default_ttl`, renewable up to `max_ttl`."""
        conn_name = connection.name if isinstance(connection, DatabaseConnection) else connection
        conn = self.connections.get(conn_name)
        if conn is None:
            raise ConstructError(self, f"role {name!r}: no connection {conn_name!r} "
                                       "(add_connection first)")
        if not isinstance(name, str) or not VAULT_NAME.match(name):
            raise ConstructError(self, f"role name {name!r} is not a Vault name "
                                       "(letters, digits, '_', '.', '-')")
        if name in self.roles:
            raise ConstructError(self, f"role {name!r} is already defined on {self.path}")
        if isinstance(creation_statements, str) or not creation_statements:
            raise ConstructError(self, f"role {name!r}: creation_statements must be a "
                                       "non-empty list of statements")
        for statement in (*creation_statements, *revocation_statements):
            self._check_statement(f"role {name!r}", statement)
        if not any(t in s for s in creation_statements for t in _USER_TEMPLATES):
            raise ConstructError(self, f"role {name!r}: no creation statement uses {{{{name}}}}; "
                                       "Vault would lease a user the statements never create")
        try:
            default, longest = seconds(default_ttl), seconds(max_ttl)
        except ValueError as err:
            raise ConstructError(self, f"role {name!r}: {err}") from None
        if default <= 0 or longest <= 0:
            raise ConstructError(self, f"role {name!r}: default_ttl and max_ttl must be positive "
                                       "(0 would fall back to the mount's TTLs)")
        if default > longest:
            raise ConstructError(self, f"role {name!r}: default_ttl {default_ttl} exceeds "
                                       f"max_ttl {max_ttl}")
        resource = DatabaseSecretBackendRole(
            self,
            f"role-{name}",
            backend=self._mount_path,
            name=name,
            db_name=conn.resource.name,  # a reference: the role follows its connection
            creation_statements=list(creation_statements),
            revocation_statements=list(revocation_statements) or None,
            default_ttl=default,
            max_ttl=longest,
        )
        conn.roles.append(name)
        # "allowed_roles ... Defaults to empty (no roles)" (Vault api-docs/secret/databases):
        # exactly the roles declared on it, so no other role can use this connection.
        conn.resource.allowed_roles = sorted(conn.roles)
        role = self.roles[name] = DatabaseRole(
            name=name,
            connection=conn.name,
            creds_path=self.creds_path(name),
            default_ttl=default,
            max_ttl=longest,
            resource=resource,
        )
        return role

    def _check_url(self, name: str, url: str) -> None:
        what = f"connection {name!r}: connection_url"
        if not isinstance(url, str) or not url or any(c in url for c in "\n\r\0"):
            raise ConstructError(self, f"{what} must be a single-line string")
        if TEMPLATE_START.search(url):
            raise ConstructError(self, f"{what} holds '${{' or '%{{' (Terraform would evaluate it)")
        missing = [t for t in _ROOT_TEMPLATES if t not in url]
        if missing:
            raise ConstructError(self, f"{what} must be templated with {{{{username}}}} and "
                                       "{{password}} (Vault fills in the root credential it "
                                       f"holds); missing {', '.join(missing)}")
        rest = url
        for t in _ROOT_TEMPLATES:
            rest = rest.replace(t, "")
        userinfo = rest.split("://", 1)[-1].split("/", 1)[0].rpartition("@")[0]
        if userinfo.strip(":") or re.search(r"(?i)(?:^|[?&;\s])password=", rest):
            raise ConstructError(self, f"{what} holds a literal credential; it would be "
                                       "stored in Terraform JSON and state. Template it and set "
                                       "the password out of band (vault write "
                                       f"{self.path}/config/{name} password=...)")

    def _check_statement(self, what: str, statement: object) -> None:
        if not isinstance(statement, str) or not statement.strip():
            raise ConstructError(self, f"{what}: a statement must be non-empty text")
        if TEMPLATE_START.search(statement):
            raise ConstructError(self, f"{what}: statement {shown(statement)} holds '${{' or "
                                       "'%{' (Terraform would evaluate it)")
