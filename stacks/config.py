"""The environment model: `environments/<env>.toml`, typed and validated.

Every field has the local dev-server value as its default, so an empty file
is a working `dev`. Staging and prod must say more (https, CA files, audit);
the validators below refuse what would be unsafe there.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from hashistack import _validate as valid
from hashistack._validate import (
    CONFIG_NAME,
    DATACENTER,
    DNS_NAME,
    ENV_NAME_UPPER,
    IMAGE,
    MOUNT_PATH,
    SERVICE_NAME,
    TEMPLATE_START,
    shown,
)
from hashistack.checks.suppressions import suppression_problem
from hashistack.consul.connect_ca_config import auth_file_problem, ttl_problems
from hashistack.durations import seconds
from hashistack.errors import HashistackError
from hashistack.key_bits import check_vault_pki_key_bits
from hashistack.names import WI_AUDIENCE, WI_AUTH_PATH, WI_POLICY, WI_ROLE
from hashistack.versions import WORKLOAD_IDENTITY_SINCE, Version, check_integration
from stacks import acl_tokens_config
from stacks.acl_tokens_config import ConsulAgentTokens, NomadAclTokens
from stacks.agents_config import ConsulCluster, NomadCluster, cluster_problems
from stacks.config_types import Duration
from stacks.consul_tenancy import consul_tenancy_name, consul_tenancy_problem
from stacks.database_tls import resolve_tls_ca_files, tls_ca_problem
from stacks.legacy import keep_legacy_problem
from stacks.namespace_config import NamespaceConfig, namespace_config_problem
from stacks.observability_config import Observability, observability_problem
from stacks.vault_cluster_config import VaultCluster, tier_problem


class ConfigError(HashistackError):
    """Bad environment input: one message naming the file and the fields; `path`
    is the environment file (or directory) at fault."""


def _name(value: str) -> str:
    if not CONFIG_NAME.fullmatch(value):
        raise ValueError(f"{shown(value)} may hold only ASCII letters, digits, '-' and '_'")
    return value


def _dns_name(value: str) -> str:
    if not DNS_NAME.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a DNS name like vault.example.com")
    return value


def _image(value: str) -> str:
    if not IMAGE.fullmatch(value):
        raise ValueError(f"{shown(value)} is not an image reference like "
                         "registry.example.com/team/app:1.2.3")
    return value


def _service_name(value: str) -> str:
    if not SERVICE_NAME.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a service name: lowercase letters, digits and '-'")
    return value


def _env_name(value: str) -> str:
    if not ENV_NAME_UPPER.fullmatch(value):
        raise ValueError(f"{shown(value)} is not an environment variable name like DB_USER")
    return value


def _pem(value: str) -> str:
    return valid.certificates(value, "")


def _mount_path(value: str) -> str:
    if not MOUNT_PATH.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a mount path (no leading or trailing '/', "
                         "no globs)")
    return value


def _datacenter(value: str) -> str:
    if not DATACENTER.fullmatch(value):
        raise ValueError(f"{shown(value)} may hold only lowercase letters, digits, '-' and '_' "
                         "(Consul's datacenter rule)")
    return value


def _nomad_namespace(value: str) -> str:
    if not valid.NOMAD_NAMESPACE.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a Nomad namespace name: 1 to 128 ASCII "
                         "letters, digits and '-' (Nomad's validNamespaceName)")
    return value


def _line(value: str) -> str:
    return valid.text(value, "the value")


Address = Annotated[str, AfterValidator(valid.server_address)]
AgentAddress = Annotated[str, AfterValidator(valid.agent_address)]
Name = Annotated[str, AfterValidator(_name)]
ServiceName = Annotated[str, AfterValidator(_service_name)]
EnvName = Annotated[str, AfterValidator(_env_name)]
Pem = Annotated[str, AfterValidator(_pem)]
SecretKey = Annotated[str, Field(min_length=1, pattern=r'^[^"\\`{}\s]+$')]
MountPath = Annotated[str, AfterValidator(_mount_path)]
DnsName = Annotated[str, AfterValidator(_dns_name)]
Image = Annotated[str, AfterValidator(_image)]
Datacenter = Annotated[str, AfterValidator(_datacenter)]
Line = Annotated[str, AfterValidator(_line)]
NomadNamespaceName = Annotated[str, AfterValidator(_nomad_namespace)]
# A file on the machine that runs cdktf / Terraform (relative to where it runs).
DeployFile = Annotated[str, AfterValidator(lambda v: valid.file_path(v, "the path"))]
# A file on the Nomad, Consul or Vault machines: always absolute.
MachineFile = Annotated[
    str, AfterValidator(lambda v: valid.file_path(v, "the path", absolute=True))
]
Cidr = Annotated[str, AfterValidator(lambda v: valid.cidr(v, "the value"))]
# JWT `aud` values: printable ASCII, no blanks or quotes.
Audience = Annotated[str, Field(pattern=r"^[!#-\[\]-~]+$")]


def _unique(values: list, what: str) -> None:
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        raise ValueError(f"{what}: {', '.join(dupes)} given more than once")


# Where a value may span lines: PEM text.
MULTI_LINE = {("vault", "cert_auth", "ca_pem"), ("vault", "workload_identity", "jwks_ca_pem"),
              ("vault", "databases", "tls_ca")}


def _data_only(data: object, where: tuple = ()) -> None:
    """Refuse template syntax and control characters in every string of the file.

    Terraform evaluates `${...}` and `%{...}` inside any JSON string on the
    machine that runs `cdktf deploy` (`${file("/etc/shadow")}` reads it), and
    Nomad's HCL2 does the same in jobspecs. Config is data: one rule here, for
    every field, instead of an escape at each place a value lands.
    """
    if isinstance(data, dict):
        for key, value in data.items():
            _data_only(value, (*where, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _data_only(value, (*where, i))
    elif isinstance(data, str):
        field_ = ".".join(map(str, where))
        if TEMPLATE_START.search(data):
            raise ValueError(f"{field_}: {shown(data)} holds '${{' or '%{{': Terraform and "
                             "Nomad would evaluate it as a template; config values are data")
        allowed = "\n\r" if tuple(k for k in where if isinstance(k, str)) in MULTI_LINE else ""
        if any((c < " " and c not in allowed + "\t") or c == "\x7f" for c in data):
            raise ValueError(f"{field_}: {shown(data)} holds a control character")


class Model(BaseModel):
    # strict: TOML gives exact types; "8080" for a port or 1 for true is a typo.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Tls(Model):
    """How Terraform's provider reaches the product: files on the deploy machine."""

    ca_file: DeployFile | None = None
    cert_file: DeployFile | None = None
    key_file: DeployFile | None = None
    server_name: DnsName | None = None
    skip_verify: bool = False

    @model_validator(mode="after")
    def _pair(self) -> Tls:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together (client certificate and its key)")
        return self


class Audit(Model):
    enabled: bool | None = None  # None: on in staging and prod, off in dev
    type: Literal["file", "socket"] = "file"
    file_path: MachineFile = "/var/log/vault/audit.log"
    socket_address: Line | None = None  # host:port, or a path with socket_type "unix"
    socket_type: Literal["tcp", "udp", "unix"] = "tcp"

    @model_validator(mode="after")
    def _socket_needs_address(self) -> Audit:
        if self.type == "socket" and not self.socket_address:
            raise ValueError('socket_address is required when type = "socket"')
        address = self.socket_address
        if address is None:
            return self
        # Vault's socket audit device dials `address` with Go's net.Dial(socket_type):
        # host:port for tcp and udp, a socket file's path for unix.
        if self.socket_type == "unix":
            valid.file_path(address, "socket_address", absolute=True)
        else:
            valid.agent_address(address)
            if address.startswith("unix://"):
                raise ValueError(f"socket_address: {shown(address)} is not host:port "
                                 f"(socket_type {self.socket_type!r})")
        return self


class Pki(Model):
    root_path: MountPath = "connect-root"
    intermediate_path: MountPath = "connect-intermediate"
    # X.509 caps a common name at 64 characters (RFC 5280, ub-common-name).
    common_name: Annotated[Line, Field(max_length=64)] = "Consul Connect Root CA"
    root_ttl: Duration = "87600h"
    key_type: Literal["ec", "rsa"] = "ec"
    key_bits: int = 256

    @model_validator(mode="after")
    def _bits(self) -> Pki:
        check_vault_pki_key_bits(self.key_type, self.key_bits)
        return self


class WorkloadIdentity(Model):
    """Defaults as `nomad setup vault` and the nomad-setup module use them."""

    path: MountPath = WI_AUTH_PATH
    role: Name = WI_ROLE
    policy: Name = WI_POLICY
    audience: Audience = WI_AUDIENCE
    token_period: Duration = "30m"
    jwks_url: Address | None = None  # None: Nomad's address + /.well-known/jwks.json
    jwks_ca_file: DeployFile | None = None
    jwks_ca_pem: Pem | None = None


class TokenRole(Model):
    """The legacy `nomad-cluster` role and the `nomad-server` policy."""

    name: Name = "nomad-cluster"
    server_policy: Name = "nomad-server"
    period: Duration = "72h"
    orphan: bool = True


class CertAuth(Model):
    """Seed 003: the cert auth role the startup script logs in with."""

    path: MountPath = "cert"
    role: Name = "nomad_startup"
    startup_policy: Name = "nomad_startup"
    ca_pem_file: DeployFile | None = None
    ca_pem: Pem | None = None
    allowed_common_names: list[Line] = Field(default_factory=list)
    token_ttl: Duration = "24h"

    @model_validator(mode="after")
    def _one_ca(self) -> CertAuth:
        if self.ca_pem_file and self.ca_pem:
            raise ValueError("set ca_pem_file or ca_pem, not both")
        return self


class AgentAppRole(Model):
    """Seed 002: the AppRole Vault Agent logs in with, on a VM, unattended.

    Vault Agent logs in again with the role and secret ID files whenever its
    token reaches its max TTL and whenever it restarts, so the secret ID must
    outlive both: it stays on disk (the rendered config sets
    remove_secret_id_file_after_reading = false) and does not expire unless
    `secret_id_ttl` is set, which then needs something that writes a fresh one
    before it lapses. `bound_cidrs` ties it, and the tokens, to the VMs.
    """

    enabled: bool = True
    path: MountPath = "approle"
    token_ttl: Duration = "1h"
    token_max_ttl: Duration = "4h"
    secret_id_ttl: Duration | None = None  # None: does not expire
    bound_cidrs: list[Cidr] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ttls(self) -> AgentAppRole:
        if seconds(self.token_ttl) > seconds(self.token_max_ttl):
            raise ValueError(f"token_ttl {self.token_ttl} exceeds token_max_ttl "
                             f"{self.token_max_ttl}")
        return self


def _host(value: str) -> str:
    if not valid.is_host(value):
        raise ValueError(f"{shown(value)} is not a host name or IP address")
    return value


def _statement(value: str) -> str:
    valid.text(value, "the statement")
    return value


Host = Annotated[str, AfterValidator(_host)]
Statement = Annotated[str, AfterValidator(_statement)]
# Vault's database plugins put the generated user where a statement says {{name}}
# (or {{username}}); statements without it create no user for the lease.
_USER_TEMPLATES = ("{{name}}", "{{username}}")


class DatabaseRole(Model):
    """A role on a database connection: `<mount>/creds/<name>` issues a user."""

    name: Name
    creation_statements: list[Statement] = Field(min_length=1)
    revocation_statements: list[Statement] = Field(default_factory=list)
    default_ttl: Duration = "1h"
    max_ttl: Duration = "24h"

    @model_validator(mode="after")
    def _role(self) -> DatabaseRole:
        if not any(t in s for s in self.creation_statements for t in _USER_TEMPLATES):
            raise ValueError("creation_statements: none uses {{name}}; Vault would lease a "
                             "user the statements never create")
        if seconds(self.default_ttl) > seconds(self.max_ttl):
            raise ValueError(f"default_ttl {self.default_ttl} exceeds max_ttl {self.max_ttl}")
        return self


class Database(Model):
    """A database Vault issues credentials for: where it is and who Vault logs in as.

    No password here, ever: the root password is written out of band (`vault
    write <mount>/config/<name> password=...`, then `vault write -f
    <mount>/rotate-root/<name>`), so it reaches neither Terraform JSON nor state
    (hashistack/vault/database.py says why that holds across applies).
    """

    name: Name  # the connection, <mount>/config/<name>
    plugin: Literal["postgresql"] = "postgresql"
    host: Host
    port: int = Field(default=5432, ge=1, le=65535)
    database: Name
    username: Name  # the root user Vault connects as (its password: out of band)
    ssl_mode: Literal["disable", "require", "verify-ca", "verify-full"] = "verify-full"
    roles: list[DatabaseRole] = Field(min_length=1)
    # The CA of the database's certificate, for verify-ca / verify-full (stacks/database_tls.py).
    tls_ca_file: DeployFile | None = None
    tls_ca: Pem | None = None
    tls_ca_system_roots: bool = False

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: object) -> object:
        if isinstance(data, dict) and any("password" in str(k) for k in data):
            raise ValueError("a database takes no password: write it out of band (vault write "
                             "<mount>/config/<name> password=..., then vault write -f "
                             "<mount>/rotate-root/<name>) so it never reaches Terraform")
        return data

    @model_validator(mode="after")
    def _unique_roles(self) -> Database:
        _unique([r.name for r in self.roles], "roles")
        problem = tls_ca_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def connection_url(self) -> str:
        """The plugin's URL, templated: Vault fills in the root credential it holds."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return (f"postgresql://{{{{username}}}}:{{{{password}}}}@{host}:{self.port}/"
                f"{self.database}?sslmode={self.ssl_mode}")


class Vault(Model):
    address: Address = "http://127.0.0.1:8200"
    namespace: MountPath | None = None  # Vault Enterprise: "team" or "team/child"
    tls: Tls = Tls()
    kv_mount: MountPath = "secret"
    kv_create_mount: bool | None = None  # None: dev servers mount secret/ already
    audit: Audit = Audit()
    pki: Pki = Pki()
    workload_identity: WorkloadIdentity = WorkloadIdentity()
    token_role: TokenRole = TokenRole()
    cert_auth: CertAuth = CertAuth()
    agent_approle: AgentAppRole = AgentAppRole()
    database_mount: MountPath = "database"
    databases: list[Database] = Field(default_factory=list)
    cluster: VaultCluster | None = None  # None: no server files (dev: `vault server -dev`)

    @model_validator(mode="after")
    def _databases(self) -> Vault:
        _unique([d.name for d in self.databases], "databases")
        # One mount: role names share <mount>/roles/.
        _unique([r.name for d in self.databases for r in d.roles], "databases roles")
        return self


def _auth_files_dir(value: str) -> str:
    problem = auth_file_problem("approle", f"{value.rstrip('/')}/role_id")
    if problem:
        raise ValueError(problem.replace("/role_id", "", 1))
    return value.rstrip("/")


class ConnectCa(Model):
    leaf_cert_ttl: Duration = "72h"
    intermediate_cert_ttl: Duration = "8760h"
    private_key_type: Literal["ec", "rsa"] = "ec"
    private_key_bits: int = 256
    auth: Literal["approle", "token"] | None = None  # None: token in dev, approle elsewhere
    token_period: Duration = "72h"
    # AppRole: the Consul servers' addresses; their secret ID does not expire
    # (Consul logs in again whenever its token lapses), so bind it instead.
    bound_cidrs: list[Cidr] = Field(default_factory=list)
    # AppRole: where the Consul servers hold role_id and secret_id. Consul 1.22+
    # reads them only under /run/secrets or /var/run/secrets (hashicorp/consul#23249).
    auth_files_dir: Annotated[str, AfterValidator(_auth_files_dir)] = "/run/secrets/vault/consul-ca"


class Consul(Model):
    address: Address = "http://127.0.0.1:8500"
    datacenter: Datacenter = "dc1"
    acl: bool | None = None  # None: off in dev (`consul agent -dev` has no ACLs)
    # Admin partitions, namespaces and audit logging are Consul Enterprise features.
    edition: Literal["ce", "enterprise"] = "ce"
    tls: Tls = Tls()
    connect_ca: ConnectCa = ConnectCa()
    cluster: ConsulCluster | None = None  # None: no Consul agent files (dev: consul agent -dev)
    agent_tokens: ConsulAgentTokens = ConsulAgentTokens()


class AgentTlsFiles(Model):
    """Files on the Nomad machines for the agents' own mTLS (`tls {}`)."""

    ca_file: MachineFile
    cert_file: MachineFile
    key_file: MachineFile


class NomadConsul(Model):
    """The Consul agent each Nomad agent talks to: its own, on the same machine.

    Nomad's docs (configuration/consul): "each Nomad agent talks to a unique
    Consul agent. Nomad agents should be configured to talk to Consul agents
    and not Consul servers", and not "via DNS such as consul.service.consul".
    `consul.address` is where Terraform reaches the servers; this is not it.
    """

    # None: 127.0.0.1:8501 (Consul's HTTPS port) with TLS, 127.0.0.1:8500 without.
    address: AgentAddress | None = None
    # None: 127.0.0.1:8503 (Consul's grpc_tls_port) with TLS; without, Nomad's default.
    grpc_address: AgentAddress | None = None
    ssl: bool | None = None  # None: as consul.address (https: true)
    ca_file: MachineFile | None = None  # None: consul.tls.ca_file, on the Nomad machines


class Nomad(Model):
    address: Address = "http://127.0.0.1:4646"
    region: Name = "global"
    datacenters: list[Name] = Field(default_factory=lambda: ["dc1"], min_length=1)
    version: Line = "1.10.0"
    integration: Literal["workload-identity", "legacy"] | None = None  # None: by version
    # Audit logging (and Consul namespaces from jobs) need Nomad Enterprise.
    edition: Literal["ce", "enterprise"] = "ce"
    namespaces: list[NomadNamespaceName] = Field(default_factory=lambda: ["default"])
    tls: Tls = Tls()
    agent_tls: AgentTlsFiles | None = None
    consul: NomadConsul = NomadConsul()
    cluster: NomadCluster | None = None  # None: bootstrap_expect 1, no server_join
    acl: bool | None = None  # None: off in dev, on in staging and prod (acl { enabled })
    # Workload identity while the legacy token flow still runs beside it (stacks/legacy.py).
    keep_legacy_flow: bool = False
    # Description, meta, quota, capabilities, node pools per namespace (stacks/namespace_config.py).
    namespace_config: dict[str, NamespaceConfig] = Field(default_factory=dict)
    acl_tokens: NomadAclTokens = NomadAclTokens()

    @model_validator(mode="after")
    def _version(self) -> Nomad:
        Version.parse(self.version)
        _unique(self.namespaces, "namespaces")
        _unique(self.datacenters, "datacenters")
        problem = namespace_config_problem(self.namespaces, self.namespace_config, self.edition)
        if problem:
            raise ValueError(problem.removeprefix("nomad."))  # the error's path says nomad
        return self


class Backend(Model):
    type: Literal["local", "consul", "s3", "remote", "cloud"] = "local"
    # local: the folder for state files, relative to the project root
    path: DeployFile | None = None
    # consul
    consul_address: Annotated[str, Field(pattern=r"^(https?://)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$")] \
        | None = None
    consul_path: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")] \
        | None = None
    ca_file: DeployFile | None = None
    # s3 (bucket names: lowercase letters, digits, '.', '-'; 3-63 characters)
    bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] | None = None
    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$")] \
        | None = None
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z0-9]+)+$")] | None = None
    # s3 state locking: a lock file beside the state (Terraform >= 1.10), or a
    # DynamoDB table. None: on in staging and prod (see Environment.backend_lockfile).
    use_lockfile: bool | None = None
    dynamodb_table: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{3,255}$")] | None = None
    # remote / cloud
    hostname: DnsName | None = None
    organization: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    workspace_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]*$")] | None = None

    @model_validator(mode="after")
    def _required(self) -> Backend:
        need = {
            "consul": ("consul_address",),
            "s3": ("bucket", "region"),
            "remote": ("organization",),
            "cloud": ("organization",),
        }.get(self.type, ())
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"backend type {self.type!r} requires {', '.join(missing)}")
        s3_only = [f for f in ("use_lockfile", "dynamodb_table") if getattr(self, f) is not None]
        if s3_only and self.type != "s3":
            raise ValueError(f"{', '.join(s3_only)}: only for backend type 's3'")
        return self


class AppDatabase(Model):
    """An app's dynamic database credentials: a role of a `vault.databases` entry,
    read into environment variables (ENV_VAR -> `username` or `password`)."""

    connection: Name
    role: Name
    env: dict[EnvName, Literal["username", "password"]] = Field(
        default_factory=lambda: {"DB_USER": "username", "DB_PASS": "password"}, min_length=1)


ConsulTenancyName = Annotated[str, AfterValidator(consul_tenancy_name)]


class App(Model):
    """An application: its KV secrets, its database credentials, its Vault grant,
    its job and service."""

    name: ServiceName
    image: Image
    namespace: NomadNamespaceName = "default"
    port: int = Field(default=8080, ge=1, le=65535)
    count: int = Field(default=1, ge=0)
    secrets: dict[EnvName, SecretKey] = Field(default_factory=dict)  # ENV_VAR -> KV key
    database: AppDatabase | None = None
    upstreams: list[ServiceName] = Field(default_factory=list)
    # An HTTP path: RFC 3986 path and query characters, no braces.
    health_path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9._~!$&'()*+,;=:@/%?-]*$")] = "/health"
    # Consul Enterprise: the group's `consul { namespace, partition }` (stacks/consul_tenancy.py).
    consul_namespace: ConsulTenancyName | None = None
    consul_partition: ConsulTenancyName | None = None

    @model_validator(mode="after")
    def _upstreams(self) -> App:
        _unique(self.upstreams, "upstreams")
        return self


class Suppression(Model):
    rule: str
    resource: Line  # construct path or Terraform address
    reason: Annotated[Line, Field(min_length=10)]

    @model_validator(mode="after")
    def _known(self) -> Suppression:
        problem = suppression_problem(self.rule, self.reason)
        if problem:
            raise ValueError(problem)
        return self


class Environment(Model):
    name: Name
    tier: Literal["dev", "staging", "prod"] = "dev"
    vault: Vault = Vault()
    consul: Consul = Consul()
    nomad: Nomad = Nomad()
    backend: Backend = Backend()
    apps: list[App] = Field(default_factory=list)
    suppressions: list[Suppression] = Field(default_factory=list)
    observability: Observability = Observability()

    @model_validator(mode="before")
    @classmethod
    def _values_are_data(cls, data: object) -> object:
        _data_only(data)
        return data

    @model_validator(mode="after")
    def _strict_tiers(self) -> Environment:
        if self.tier == "dev":
            return self
        for product in ("vault", "consul", "nomad"):
            section = getattr(self, product)
            if not section.address.startswith("https://"):
                raise ValueError(f"{product}.address must use https in {self.tier}")
            if section.tls.skip_verify:
                raise ValueError(f"{product}.tls.skip_verify must be false in {self.tier}")
            if section.tls.ca_file is None:
                raise ValueError(f"{product}.tls.ca_file is required in {self.tier}")
        if self.nomad.agent_tls is None:
            raise ValueError(
                f"nomad.agent_tls is required in {self.tier}: https to Nomad "
                "needs the agents' own certificates"
            )
        if self.vault.audit.enabled is False:
            raise ValueError(f"vault.audit.enabled cannot be false in {self.tier}")
        if self.tier == "prod":
            # A secret ID that never expires is the whole credential: bind it (HS-VAULT-012).
            unbound = []
            if self.connect_ca_auth == "approle" and not self.consul.connect_ca.bound_cidrs:
                unbound.append("consul.connect_ca.bound_cidrs")
            agent = self.vault.agent_approle
            if (agent.enabled and agent.secret_id_ttl is None and not agent.bound_cidrs
                    and any(app.secrets for app in self.apps)):
                unbound.append("vault.agent_approle.bound_cidrs")
            if unbound:
                raise ValueError(f"{' and '.join(unbound)} required in prod: the AppRole "
                                 "secret ID does not expire, so bind it to the machines "
                                 "that use it")
        b = self.backend
        if self.tier == "prod" and b.type == "s3" and b.use_lockfile is False \
                and b.dynamodb_table is None:
            raise ValueError("backend: an S3 backend in prod must lock its state "
                             "(use_lockfile, the default, or dynamodb_table)")
        if self.tier == "prod" and self.consul.connect_ca.auth == "token":
            # Terraform would mint the token: it sits in the Vault stack's state and,
            # unmarked, in the Consul stack's config_json. AppRole keeps it out of both.
            raise ValueError('consul.connect_ca.auth = "token" is refused in prod: the '
                             "token would be stored in Terraform state; use \"approle\"")
        return self

    @model_validator(mode="after")
    def _clusters(self) -> Environment:
        problems = cluster_problems(self.tier, self.consul.cluster, self.nomad.cluster)
        if problems:
            raise ValueError("; ".join(problems))
        for product, section in (("consul", self.consul), ("nomad", self.nomad)):
            if (section.cluster is not None and "audit_path" in section.cluster.model_fields_set
                    and section.edition != "enterprise"):
                raise ValueError(f"{product}.cluster.audit_path: audit logging is a "
                                 f"{product.title()} Enterprise feature, and CE has none; set "
                                 f'{product}.edition = "enterprise" or remove it')
        tokens, cluster = self.consul.agent_tokens, self.consul.cluster
        if tokens.enabled and tokens.node_prefix and cluster is not None:
            # A Consul node is named for its host unless node_name says otherwise
            # (agent/config/builder.go: os.Hostname()), and the leased agent token
            # may write only nodes under node_prefix.
            hosts = [valid.join_host(s) for s in cluster.servers]
            outside = [h for h in hosts if not _is_ip(h) and not h.startswith(tokens.node_prefix)]
            if outside:
                raise ValueError(
                    f"consul.agent_tokens.node_prefix {tokens.node_prefix!r} does not cover "
                    f"the Consul server {outside[0]}: its agent token could not register "
                    "the node; name the servers under the prefix, or list nodes")
        return self

    @model_validator(mode="after")
    def _vault_cluster(self) -> Environment:
        problem = self.vault.cluster and tier_problem(self.vault.cluster, self.tier)
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _observability(self) -> Environment:
        problem = observability_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _acl_tokens(self) -> Environment:
        acl_tokens_config.check(self)
        return self

    @model_validator(mode="after")
    def _nomad_consul_resolves(self) -> Environment:
        nc = self.nomad.consul
        ssl = nc.ssl if nc.ssl is not None else self.consul.address.startswith("https://")
        ca = self.consul.tls.ca_file
        if ssl and nc.ca_file is None and self.consul.cluster is not None:
            # consul-client.hcl: auto_encrypt gives the local agent a certificate the
            # Connect CA signs (agent/consul/auto_encrypt_endpoint.go), and it serves
            # HTTPS and gRPC with it (tlsutil/config.go Cert): not consul.tls.ca_file's.
            root = self.vault.pki.root_path
            raise ValueError("nomad.consul.ca_file is required with [consul.cluster]: the "
                             "local Consul agent serves HTTPS and gRPC with its auto_encrypt "
                             f"certificate, signed by the Connect CA ({root}), so put that "
                             f"root on the Nomad machines (vault read -field=certificate "
                             f"{root}/cert/ca) and name the file here")
        if ssl and nc.ca_file is None and ca is not None and not ca.startswith("/"):
            raise ValueError(f"nomad.consul.ca_file is required: it defaults to "
                             f"consul.tls.ca_file, {shown(ca)}, a relative path on the deploy "
                             "machine; the Nomad machines need an absolute one")
        return self

    @model_validator(mode="after")
    def _connect_ca_ttls(self) -> Environment:
        ca = self.consul.connect_ca
        problems = ttl_problems(
            ca.leaf_cert_ttl,
            ca.intermediate_cert_ttl,
            self.vault.pki.root_ttl,
            ca.private_key_type,
            ca.private_key_bits,
        )
        if problems:
            raise ValueError(f"consul.connect_ca: {'; '.join(problems)}")
        return self

    @model_validator(mode="after")
    def _integration_fits_version(self) -> Environment:
        check_integration(self.nomad_version, self.integration)
        legacy = self.integration == "legacy" or self.nomad.keep_legacy_flow
        if legacy and not self.vault.token_role.orphan:
            # The start-up script revokes the previous server token at each start;
            # revoking a token revokes its children, which task tokens made from a
            # non-orphan role are (Nomad's docs set "orphan": true on nomad-cluster).
            raise ValueError("vault.token_role.orphan must be true for the legacy flow: "
                             "revoking the previous server token at a restart would "
                             "revoke every task token it made")
        problem = keep_legacy_problem(self.nomad.keep_legacy_flow, self.integration,
                                      self.nomad_version)
        if problem:
            raise ValueError(problem)
        if self.integration == "legacy" or self.nomad.keep_legacy_flow:
            # Seed 003: cert auth "requires Vault to be started with TLS", and
            # the role needs the CA that signed nomad_startup.crt.
            if not self.vault.address.startswith("https://"):
                raise ValueError("vault.address must use https for the legacy flow (cert auth)")
            cert = self.vault.cert_auth
            if not (cert.ca_pem_file or cert.ca_pem):
                raise ValueError(
                    "vault.cert_auth: the legacy flow needs ca_pem_file or ca_pem "
                    "(the CA that signed nomad_startup.crt)"
                )
        return self

    @model_validator(mode="after")
    def _apps(self) -> Environment:
        names = [app.name for app in self.apps]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"apps: duplicate name {', '.join(dupes)}")
        for app in self.apps:
            if app.namespace not in self.nomad.namespaces:
                raise ValueError(
                    f"apps.{app.name}.namespace: {app.namespace!r} is not in "
                    f"nomad.namespaces {self.nomad.namespaces}"
                )
            unknown = [u for u in app.upstreams if u not in names]
            if unknown:
                raise ValueError(f"apps.{app.name}.upstreams: unknown app {', '.join(unknown)}")
            if app.database is not None:
                self._app_database(app.name, app.database)
            problem = consul_tenancy_problem(
                app, self.consul.edition, self.nomad.edition,
                workload_logins=self.consul_acl and self.integration == "workload-identity")
            if problem:
                raise ValueError(f"apps.{app.name}.{problem}")
            # Intentions are written in Consul's default namespace only: an upstream
            # link into or out of another namespace would be denied at run time.
            namespaced = {a.name for a in self.apps if a.consul_namespace not in (None, "default")}
            crossing = [u for u in app.upstreams if {app.name, u} & namespaced]
            if crossing:
                raise ValueError(
                    f"apps.{app.name}.upstreams: {crossing[0]!r} links an app in a Consul "
                    "namespace other than default, and the service intentions are written in "
                    "default only, so the mesh would deny it; write that intention yourself "
                    "and drop the upstream here, or keep both apps in default")
            if app.database is not None and set(app.database.env) & set(app.secrets):
                both = sorted(set(app.database.env) & set(app.secrets))
                raise ValueError(f"apps.{app.name}: {', '.join(both)} set by both secrets and "
                                 "database.env")
        return self

    def _app_database(self, app: str, wanted: AppDatabase) -> None:
        databases = {d.name: d for d in self.vault.databases}
        found = databases.get(wanted.connection)
        if found is None:
            known = ", ".join(databases) or "none declared"
            raise ValueError(f"apps.{app}.database.connection: {wanted.connection!r} is not in "
                             f"vault.databases ({known})")
        roles = [r.name for r in found.roles]
        if wanted.role not in roles:
            raise ValueError(f"apps.{app}.database.role: {wanted.role!r} is not a role of "
                             f"database {found.name!r} ({', '.join(roles)})")

    @model_validator(mode="after")
    def _databases_tls(self) -> Environment:
        if self.tier == "dev":
            return self
        for d in self.vault.databases:
            if d.ssl_mode in ("disable", "require"):
                raise ValueError(f"vault.databases.{d.name}.ssl_mode must be verify-ca or "
                                 f"verify-full in {self.tier}: Vault sends the root "
                                 "credential over this connection")
        return self

    @property
    def audit_enabled(self) -> bool:
        enabled = self.vault.audit.enabled
        return self.tier != "dev" if enabled is None else enabled

    @property
    def consul_acl(self) -> bool:
        acl = self.consul.acl
        return self.tier != "dev" if acl is None else acl

    @property
    def nomad_acl(self) -> bool:
        acl = self.nomad.acl
        return self.tier != "dev" if acl is None else acl

    @property
    def connect_ca_auth(self) -> str:
        # dev has no place to put AppRole credentials for Consul; a token
        # reference needs none.
        auth = self.consul.connect_ca.auth
        return auth or ("token" if self.tier == "dev" else "approle")

    @property
    def backend_lockfile(self) -> bool:
        """S3 state locking with a lock file: on in staging and prod unless a
        DynamoDB table locks instead or the file says otherwise."""
        b = self.backend
        if b.use_lockfile is not None:
            return b.use_lockfile
        return b.type == "s3" and self.tier != "dev" and b.dynamodb_table is None

    @property
    def kv_create_mount(self) -> bool:
        create = self.vault.kv_create_mount
        return self.tier != "dev" if create is None else create

    @property
    def nomad_version(self) -> Version:
        return Version.parse(self.nomad.version)

    @property
    def integration(self) -> str:
        """workload-identity or legacy, by Nomad's version when not set."""
        if self.nomad.integration is not None:
            return self.nomad.integration
        wi = self.nomad_version >= Version(*WORKLOAD_IDENTITY_SINCE)
        return "workload-identity" if wi else "legacy"

    @property
    def nomad_consul(self) -> NomadConsul:
        """nomad.consul with its defaults filled in: the local agent, TLS as Consul's."""
        nc = self.nomad.consul
        ssl = nc.ssl if nc.ssl is not None else self.consul.address.startswith("https://")
        return NomadConsul(
            address=nc.address or ("127.0.0.1:8501" if ssl else "127.0.0.1:8500"),
            grpc_address=nc.grpc_address or ("127.0.0.1:8503" if ssl else None),
            ssl=ssl,
            # Only read with TLS, and then absolute (Environment._nomad_consul_resolves).
            ca_file=nc.ca_file or (self.consul.tls.ca_file if ssl else None),
        )

    @property
    def jwks_url(self) -> str:
        wi = self.vault.workload_identity
        return wi.jwks_url or f"{self.nomad.address}/.well-known/jwks.json"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def load(path: Path) -> Environment:
    """Read and validate one environment file; ConfigError names file and fields."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}", path=path) from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start})", path=path) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: malformed TOML: {_cut(str(err))}", path=path) from None
    except RecursionError:
        raise ConfigError(f"{path}: malformed TOML: nested too deeply", path=path) from None
    data.setdefault("name", path.stem)
    try:
        env = Environment.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{path}: {_describe(err)}", path=path) from None
    except RecursionError:
        raise ConfigError(f"{path}: values nested too deeply", path=path) from None
    if env.name != path.stem:
        raise ConfigError(f"{path}: name: {env.name!r} must match the file name {path.stem!r}",
                          path=path)
    try:
        env = resolve_tls_ca_files(env, path)
    except ValueError as err:
        raise ConfigError(f"{path}: {err}", path=path) from None
    return _resolve_files(env, path)


def _resolve_files(env: Environment, path: Path) -> Environment:
    """Files read at synth are relative to the environment file, and must exist."""
    pem = env.vault.cert_auth.ca_pem_file
    if pem is None:
        return env
    resolved = (path.parent / pem).resolve()
    if not resolved.is_file():
        raise ConfigError(f"{path}: vault.cert_auth.ca_pem_file: no such file {resolved}",
                          path=path)
    try:
        text = resolved.read_text(encoding="utf-8")
        valid.certificates(text, str(resolved))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        why = err.strerror if isinstance(err, OSError) else "not UTF-8 text" if isinstance(
            err, UnicodeDecodeError) else str(err)
        raise ConfigError(f"{path}: vault.cert_auth.ca_pem_file: {why}", path=path) from None
    cert_auth = env.vault.cert_auth.model_copy(update={"ca_pem_file": str(resolved)})
    vault = env.vault.model_copy(update={"cert_auth": cert_auth})
    return env.model_copy(update={"vault": vault})


_FIELD_FIRST = re.compile(r"^([A-Za-z_][\w]*(?:\.[\w-]+)*): ")


def _describe(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "union_tag_invalid":  # a seal's `type`, say
            ctx = e.get("ctx", {})
            where = f"{where}.{ctx.get('discriminator', 'type').strip(chr(39))}"
            msg = f"{shown(ctx.get('tag'))} is not one of {ctx.get('expected_tags')}"
        elif where and (m := _FIELD_FIRST.match(msg)):
            # A sub-model's validator names its own field: give the whole path.
            where, msg = f"{where}.{m[1]}", msg[m.end():]
        lines.append(_cut(f"{where}: {msg}" if where else msg))
    return _cut("; ".join(lines[:5]) + (f"; and {len(lines) - 5} more" if len(lines) > 5 else ""),
                1000)


def _cut(text: str, limit: int = 300) -> str:
    """Messages name the field and a glimpse of the value; they never echo a whole file."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_all(directory: Path, only: str | None = None) -> list[Environment]:
    """Every `*.toml` in directory, or just `only`; errors before anything is built."""
    files = sorted(directory.glob("*.toml"))
    if only is not None:
        files = [f for f in files if f.stem == only]
        if not files:
            known = ", ".join(f.stem for f in sorted(directory.glob("*.toml")))
            raise ConfigError(f"HASHISTACK_ENV={only}: no {directory}/{only}.toml (known: {known})",
                              path=directory)
    if not files:
        raise ConfigError(f"{directory}: no environment files (*.toml)", path=directory)
    return [load(f) for f in files]
