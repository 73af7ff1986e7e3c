"""Nomad agent configuration (server or client), rendered through `hashistack.hcl`.

Names follow Nomad's configuration/*.mdx. Each role gets only the fields the
docs list for it ("Parameters for Nomad Clients" / "... Servers"); Nomad
would ignore the others, but a config that says only what applies is easier
to review. Tokens are never part of the model (see `AgentVaultBlock`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hashistack import _validate as valid
from hashistack.errors import FieldError
from hashistack.hcl import Block, block, render
from hashistack.names import WI_AUDIENCE, WI_AUTH_PATH

ROLES = ("server", "client")
WORKFLOWS = ("workload-identity", "token")


def _role(role: str) -> None:
    if role not in ROLES:
        raise FieldError(f"role must be one of {ROLES}, got {role!r}", path="role")


@dataclass(frozen=True)
class WorkloadIdentity:
    """An `identity`-shaped block: `default_identity`, `service_identity`, `task_identity`."""

    aud: Sequence[str]
    ttl: str = "1h"
    env: bool | None = None
    file: bool | None = None

    def __post_init__(self) -> None:
        if isinstance(self.aud, str) or not self.aud:
            raise FieldError("WorkloadIdentity.aud must be a non-empty list of audiences",
                             path="WorkloadIdentity.aud")
        object.__setattr__(self, "aud", tuple(self.aud))
        for a in self.aud:
            valid.text(a, "WorkloadIdentity.aud entry")
        valid.duration(self.ttl, "WorkloadIdentity.ttl", optional=True)

    def block(self, name: str) -> Block:
        """The identity block named `name` (`default_identity`, `service_identity`, ...)."""
        return block(name, aud=list(self.aud), ttl=self.ttl, env=self.env, file=self.file)


VAULT_IDENTITY = WorkloadIdentity(aud=(WI_AUDIENCE,), ttl="1h")
CONSUL_IDENTITY = WorkloadIdentity(aud=("consul.io",), ttl="1h")


@dataclass(frozen=True)
class AgentVaultBlock:
    """The agent `vault {}` block (configuration/vault.mdx).

    Two workflows:

    * ``"workload-identity"`` (Nomad 1.7+, the default): servers sign task
      JWTs (`default_identity`, aud "vault.io"); clients log in to Vault at
      `jwt_auth_backend_path` ("jwt-nomad"). `create_from_role` is a client
      setting here.
    * ``"token"`` (legacy, Nomad <= 1.9; removed in 1.10): servers derive task
      tokens from `create_from_role` ("nomad-cluster") with their own periodic
      token. That token is never written to the file and there is no field
      for it: servers read it from the ``VAULT_TOKEN`` environment variable
      at start (see `hashistack.nomad.bootstrap`), and a SIGHUP reloads it.
    """

    workflow: str = "workload-identity"
    enabled: bool = True
    address: str = "https://vault.service.consul:8200"
    namespace: str | None = None
    create_from_role: str | None = None
    # Workload identity only.
    jwt_auth_backend_path: str | None = None
    default_identity: WorkloadIdentity | None = None
    # Token workflow only.
    task_token_ttl: str | None = None
    allow_unauthenticated: bool | None = None
    # TLS towards Vault.
    ca_file: str | None = None
    ca_path: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    tls_server_name: str | None = None
    tls_skip_verify: bool | None = None

    def __post_init__(self) -> None:
        if self.workflow not in WORKFLOWS:
            raise FieldError(f"AgentVaultBlock.workflow must be one of {WORKFLOWS}",
                             path="AgentVaultBlock.workflow")
        # vault.mdx: "must include the protocol, host/ip, and port".
        if not valid.is_url(self.address):
            raise FieldError(
                f"AgentVaultBlock.address {self.address!r} must look like https://host:8200",
                path="AgentVaultBlock.address",
            )
        for name in ("namespace", "create_from_role", "jwt_auth_backend_path", "ca_file",
                     "ca_path", "cert_file", "key_file", "tls_server_name"):
            valid.text(getattr(self, name), f"AgentVaultBlock.{name}", optional=True)
        if self.key_file is not None and self.cert_file is None:
            raise FieldError("AgentVaultBlock.key_file requires cert_file (vault.mdx)",
                             path="AgentVaultBlock.key_file")
        valid.duration(self.task_token_ttl, "AgentVaultBlock.task_token_ttl", optional=True)
        if self.workflow == "workload-identity":
            for name in ("task_token_ttl", "allow_unauthenticated"):
                if getattr(self, name) is not None:
                    raise FieldError(
                        f"AgentVaultBlock.{name} belongs to the token workflow only "
                        "(removed in Nomad 1.10)",
                        path=f"AgentVaultBlock.{name}",
                    )
            if self.jwt_auth_backend_path is None:
                object.__setattr__(self, "jwt_auth_backend_path", WI_AUTH_PATH)
            if self.default_identity is None:
                object.__setattr__(self, "default_identity", VAULT_IDENTITY)
        else:
            # default_identity is allowed here: during the migration servers keep the
            # token workflow and sign identities too (NMD@v1.9.7 integrations/vault/acl.mdx,
            # "Migrating to Using Workload Identity with Vault").
            for name in ("jwt_auth_backend_path",):
                if getattr(self, name) is not None:
                    raise FieldError(
                        f"AgentVaultBlock.{name} belongs to the workload-identity workflow only",
                        path=f"AgentVaultBlock.{name}",
                    )
            if self.create_from_role is None:
                object.__setattr__(self, "create_from_role", "nomad-cluster")

    def _tls(self) -> dict[str, Any]:
        return {
            "ca_file": self.ca_file,
            "ca_path": self.ca_path,
            "cert_file": self.cert_file,
            "key_file": self.key_file,
            "tls_server_name": self.tls_server_name,
            "tls_skip_verify": self.tls_skip_verify,
        }

    def block(self, role: str) -> Block:
        """The agent's `vault` block for `role` (server or client), in this workflow."""
        _role(role)
        if self.workflow == "workload-identity":
            if role == "server":
                assert self.default_identity is not None
                return block(
                    "vault",
                    blocks=[self.default_identity.block("default_identity")],
                    enabled=self.enabled,
                )
            return block(
                "vault",
                enabled=self.enabled,
                address=self.address,
                jwt_auth_backend_path=self.jwt_auth_backend_path,
                create_from_role=self.create_from_role,
                namespace=self.namespace,
                **self._tls(),
            )
        if role == "server":
            signs = self.default_identity
            return block(
                "vault",
                blocks=[signs.block("default_identity")] if signs is not None else [],
                enabled=self.enabled,
                address=self.address,
                create_from_role=self.create_from_role,
                task_token_ttl=self.task_token_ttl,
                allow_unauthenticated=self.allow_unauthenticated,
                namespace=self.namespace,
                **self._tls(),
            )
        # Clients never hold the server token; they only need to reach Vault.
        return block(
            "vault", enabled=self.enabled, address=self.address, namespace=self.namespace,
            **self._tls(),
        )


@dataclass(frozen=True)
class AgentTls:
    """The agent `tls {}` block (configuration/tls.mdx): mTLS for Nomad itself.

    `http` turns on TLS for the HTTP API (non-mutual unless
    `verify_https_client`); `rpc` turns on mTLS for RPC and Raft, between
    servers and from clients to servers. Either needs the CA, the agent's
    certificate and its key (tls.mdx "Enabling TLS" example); `cert_file` and
    `key_file` are a pair in any case. `verify_server_hostname` (default
    true here; Nomad's own default is false) makes outgoing connections check
    the server certificate's name (server.<region>.nomad). The same block is
    written for servers and clients.
    """

    http: bool = True
    rpc: bool = True
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    verify_server_hostname: bool = True
    verify_https_client: bool | None = None

    def __post_init__(self) -> None:
        for name in ("http", "rpc", "verify_server_hostname"):
            valid.flag(getattr(self, name), f"AgentTls.{name}")
        valid.flag(self.verify_https_client, "AgentTls.verify_https_client", optional=True)
        for name in ("ca_file", "cert_file", "key_file"):
            valid.text(getattr(self, name), f"AgentTls.{name}", optional=True)
        valid.together("AgentTls", cert_file=self.cert_file, key_file=self.key_file)
        if self.http or self.rpc:
            missing = [n for n in ("ca_file", "cert_file", "key_file") if getattr(self, n) is None]
            if missing:
                raise FieldError(
                    f"AgentTls: http/rpc TLS needs ca_file, cert_file and key_file; "
                    f"missing {', '.join(missing)}",
                    path=f"AgentTls.{missing[0]}",
                )
        if self.verify_https_client and not self.http:
            raise FieldError("AgentTls.verify_https_client needs http = true (HTTPS only)",
                             path="AgentTls.verify_https_client")

    def block(self) -> Block:
        """The agent's `tls` block."""
        return block(
            "tls",
            http=self.http,
            rpc=self.rpc,
            ca_file=self.ca_file,
            cert_file=self.cert_file,
            key_file=self.key_file,
            verify_server_hostname=self.verify_server_hostname,
            verify_https_client=self.verify_https_client,
        )


@dataclass(frozen=True)
class AgentConsulBlock:
    """The agent `consul {}` block (configuration/consul.mdx).

    No `token` field: agents take their Consul token from
    ``CONSUL_HTTP_TOKEN`` at run time. `service_identity` / `task_identity`
    (servers, workload identity) default to the docs' recommended blocks; set
    them to None for the token workflow.

    gRPC and TLS: with `ssl = True` the HTTP API is TLS, but Connect sidecars
    (Envoy, bootstrapped by the client) reach Consul over gRPC, which is a
    separate listener. Since Consul 1.14 the TLS one is `grpc_tls_port`
    (8503 by default) and the plaintext `grpc_port` (8502, Nomad's default
    `grpc_address`) is off by default; so on a TLS Consul, clients need
    `grpc_address` pointed at the TLS listener and `grpc_ca_file` to verify
    it (hashicorp/nomad#15360). Both are client parameters (consul.mdx
    "Parameters for Nomad Clients") and are written for `role="client"`
    only; the workload identities are server parameters and written for
    `role="server"` only, so one block serves both roles.
    """

    address: str = "127.0.0.1:8500"
    auto_advertise: bool = True
    client_auto_join: bool = True
    server_auto_join: bool = True
    ssl: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    grpc_address: str | None = None
    grpc_ca_file: str | None = None
    service_identity: WorkloadIdentity | None = CONSUL_IDENTITY
    task_identity: WorkloadIdentity | None = CONSUL_IDENTITY

    def __post_init__(self) -> None:
        for name in ("address", "grpc_address"):
            value = getattr(self, name)
            if value is not None and not valid.is_agent_address(value):
                raise FieldError(f"AgentConsulBlock.{name} {value!r} must be host:port",
                                 path=f"AgentConsulBlock.{name}")
        for name in ("ca_file", "cert_file", "key_file", "grpc_ca_file"):
            valid.text(getattr(self, name), f"AgentConsulBlock.{name}", optional=True)
        # consul.mdx: cert_file and key_file need each other.
        valid.together("AgentConsulBlock", cert_file=self.cert_file, key_file=self.key_file)
        si = self.service_identity
        if si is not None and (si.env is not None or si.file is not None):
            raise FieldError("AgentConsulBlock.service_identity: Nomad ignores env and file here",
                             path="AgentConsulBlock.service_identity")

    def block(self, role: str) -> Block:
        """The agent's `consul` block for `role`: auto-join and gRPC settings on a
        client, the workload identity blocks on a server."""
        _role(role)
        common: dict[str, Any] = {
            "address": self.address,
            "auto_advertise": self.auto_advertise,
            "ssl": self.ssl,
            "ca_file": self.ca_file,
            "cert_file": self.cert_file,
            "key_file": self.key_file,
        }
        if role == "client":
            return block(
                "consul",
                **common,
                client_auto_join=self.client_auto_join,
                grpc_address=self.grpc_address,
                grpc_ca_file=self.grpc_ca_file,
            )
        identities = [
            ident.block(name)
            for name, ident in (("service_identity", self.service_identity),
                                ("task_identity", self.task_identity))
            if ident is not None
        ]
        return block("consul", blocks=identities, **common, server_auto_join=self.server_auto_join)


@dataclass(frozen=True)
class Telemetry:
    """`telemetry {}` set up for Prometheus scraping (/v1/metrics?format=prometheus)."""

    prometheus_metrics: bool = True
    publish_allocation_metrics: bool = True
    publish_node_metrics: bool = True
    collection_interval: str = "1s"
    disable_hostname: bool = True

    def __post_init__(self) -> None:
        valid.duration(self.collection_interval, "Telemetry.collection_interval", optional=True)

    def block(self) -> Block:
        """The agent's `telemetry` block."""
        return block(
            "telemetry",
            collection_interval=self.collection_interval,
            disable_hostname=self.disable_hostname,
            prometheus_metrics=self.prometheus_metrics,
            publish_allocation_metrics=self.publish_allocation_metrics,
            publish_node_metrics=self.publish_node_metrics,
        )


@dataclass(frozen=True)
class AgentAudit:
    """`audit {}` with one file sink: Nomad Enterprise only.

    WUD Nomad configuration/audit.mdx ("audit Block in Agent Configuration",
    Enterprise) and NMD nomad/structs/config/audit.go:
    `enabled`, `sink "<name>" { type = "file", delivery_guarantee, format =
    "json", path, rotate_bytes, rotate_duration, rotate_max_files }`.
    `delivery_guarantee` is "enforced" (a request fails when its event cannot
    be written) or "best-effort". Nomad CE ignores the block: its agent sets a
    no-op auditor (NMD command/agent/agent_ce.go, `noOpAuditor`), so render none
    there.
    """

    path: str = "/var/lib/nomad/audit/audit.log"
    sink: str = "audit"
    delivery_guarantee: str = "enforced"
    rotate_duration: str = "24h"
    rotate_max_files: int = 10
    rotate_bytes: int = 104857600

    def __post_init__(self) -> None:
        valid.file_path(self.path, "AgentAudit.path", absolute=True)
        valid.name(self.sink, "AgentAudit.sink")
        if self.delivery_guarantee not in ("enforced", "best-effort"):
            raise FieldError("AgentAudit.delivery_guarantee must be 'enforced' or "
                             f"'best-effort', got {self.delivery_guarantee!r}",
                             path="AgentAudit.delivery_guarantee")
        valid.duration(self.rotate_duration, "AgentAudit.rotate_duration")
        for name in ("rotate_max_files", "rotate_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise FieldError(f"AgentAudit.{name} must be an integer >= 1, got {value!r}",
                                 path=f"AgentAudit.{name}")

    def block(self) -> Block:
        """The agent's `audit` block."""
        sink = block(
            "sink",
            self.sink,
            type="file",
            delivery_guarantee=self.delivery_guarantee,
            format="json",
            path=self.path,
            rotate_duration=self.rotate_duration,
            rotate_max_files=self.rotate_max_files,
            rotate_bytes=self.rotate_bytes,
        )
        return block("audit", blocks=[sink], enabled=True)


@dataclass(frozen=True)
class AgentConfig:
    """A Nomad agent configuration file for a server or a client: datacenter,
    region, data directory, `server {}` or `client {}`, and its `acl {}`,
    `vault {}`, `consul {}`, `telemetry {}`, `tls {}` and `audit {}` blocks.

    `server_join` is `server_join { retry_join = [...] }` inside `server {}`
    or `client {}` (NMD command/agent/config.go: both have `server_join`): servers
    find each other, clients find servers, by DNS name or IP. `acl = True`
    writes `acl { enabled = true }` (configuration/acl.mdx); tokens are never
    part of the file.
    """

    role: str
    datacenter: str = "dc1"
    region: str = "global"
    data_dir: str = "/opt/nomad/data"
    bind_addr: str = "0.0.0.0"
    bootstrap_expect: int = 1
    servers: Sequence[str] = ()
    vault: AgentVaultBlock | None = None
    consul: AgentConsulBlock | None = None
    telemetry: Telemetry | None = field(default_factory=Telemetry)
    tls: AgentTls | None = None
    server_join: Sequence[str] = ()
    acl: bool = False
    audit: AgentAudit | None = None

    def __post_init__(self) -> None:
        _role(self.role)
        if isinstance(self.server_join, str):
            raise FieldError("AgentConfig.server_join must be a list of addresses, not a string",
                             path="AgentConfig.server_join")
        object.__setattr__(self, "server_join", tuple(self.server_join))
        for address in self.server_join:
            valid.join_address(address, "AgentConfig.server_join entry")
        valid.flag(self.acl, "AgentConfig.acl")
        for name in ("datacenter", "region", "bind_addr"):
            valid.text(getattr(self, name), f"AgentConfig.{name}", optional=True)
        valid.abs_path(self.data_dir, "AgentConfig.data_dir")
        if (
            isinstance(self.bootstrap_expect, bool)
            or not isinstance(self.bootstrap_expect, int)
            or self.bootstrap_expect < 1
        ):
            raise FieldError(
                "AgentConfig.bootstrap_expect must be an integer >= 1, "
                f"got {self.bootstrap_expect!r}",
                path="AgentConfig.bootstrap_expect",
            )
        if isinstance(self.servers, str):
            raise FieldError("AgentConfig.servers must be a list of addresses, not a string",
                             path="AgentConfig.servers")
        object.__setattr__(self, "servers", tuple(self.servers))
        for s in self.servers:
            valid.text(s, "AgentConfig.servers entry")
        if self.role == "server" and self.servers:
            raise FieldError("AgentConfig.servers is a client setting, not for servers",
                             path="AgentConfig.servers")
        if self.role == "client" and not self.servers and not self.server_join and (
            self.consul is None or not self.consul.client_auto_join
        ):
            raise FieldError(
                "AgentConfig.servers and server_join are empty and Consul client_auto_join "
                "is off: "
                "the client could never find a server",
                path="AgentConfig.servers",
            )

    def to_hcl(self) -> str:
        """The agent configuration as HCL text."""
        join = [block("server_join", retry_join=list(self.server_join))] if self.server_join \
            else []
        if self.role == "server":
            children = [block("server", blocks=join, enabled=True,
                              bootstrap_expect=self.bootstrap_expect)]
        else:
            children = [block("client", blocks=join, enabled=True,
                              servers=list(self.servers) or None)]
        if self.acl:
            children.append(block("acl", enabled=True))
        if self.tls is not None:
            children.append(self.tls.block())
        if self.consul is not None:
            children.append(self.consul.block(self.role))
        if self.vault is not None:
            children.append(self.vault.block(self.role))
        if self.telemetry is not None:
            children.append(self.telemetry.block())
        if self.audit is not None:
            children.append(self.audit.block())
        return render(
            *children,
            attrs={
                "datacenter": self.datacenter,
                "region": self.region,
                "data_dir": self.data_dir,
                "bind_addr": self.bind_addr,
            },
        )
