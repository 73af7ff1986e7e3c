"""Consul agent configuration (server or client), rendered through `hashistack.hcl`.

Names are Consul's own, from its agent configuration reference
(hashicorp/consul website/content/docs/reference/agent/configuration-file/*.mdx:
general, join, bootstrap, acl, tls, encryption, telemetry, ui, service-mesh)
and checked against what agent/config/builder.go refuses.

Never in the file, on purpose:

* ACL tokens. An agent's token comes from Vault's Consul secrets engine and is
  handed to the running agent with `consul acl set-agent-token agent <token>`
  (or a separate file delivered at run time); `acl.enable_token_persistence`
  keeps it across restarts in the data dir (acl.mdx).
* The gossip `encrypt` key, a shared secret: delivered at run time as its own
  file in the agent's `-config-dir` (e.g. `encrypt.hcl`, mode 0600) or with the
  `-encrypt` flag (encryption.mdx: `encrypt` "Equivalent to the -encrypt
  command-line flag").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hashistack import _validate as valid
from hashistack.errors import FieldError
from hashistack.hcl import Block, block, render

ROLES = ("server", "client")
DEFAULT_POLICIES = ("deny", "allow")
DELIVERY_GUARANTEES = ("best-effort", "enforced")
HTTPS_PORT = 8501  # tls.mdx: "We recommend using 8501 for https"
GRPC_TLS_PORT = 8503  # docs/install/ports: the gRPC TLS port


def _role(role: str) -> None:
    if role not in ROLES:
        raise FieldError(f"ConsulAgentConfig.role must be one of {ROLES}, got {role!r}",
                         path="ConsulAgentConfig.role")


def _count(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FieldError(f"{what} must be an integer >= {minimum}, got {value!r}", path=what)
    return value


@dataclass(frozen=True)
class ConsulTls:
    """The agent's `tls {}` block (Consul 1.12+; configuration-file/tls.mdx).

    Files are paths on the Consul machines. A server presents its own
    certificate (`cert_file` and `key_file`, "must be provided along with" each
    other). A client given neither uses `auto_encrypt { tls = true }`: it asks
    the servers for a certificate and needs only the CA to check them
    (secure/encryption/tls/enable/new/builtin.mdx, "Configure the clients":
    `verify_incoming = false`, `verify_outgoing = true`,
    `verify_server_hostname = true`, `ca_file`). `verify_incoming` None means
    that: true on servers, false on auto-encrypt clients.

    tls.mdx: failing to set `verify_incoming` or `verify_outgoing` "will result
    in TLS not being enabled at all"; `verify_server_hostname` "must be set to
    true to prevent a compromised client from gaining full read and write
    access to all cluster data".

    `https_verify_incoming = False` writes `https { verify_incoming = false }`
    (tls.mdx: `tls.https.verify_incoming` overrides the default): the HTTPS API
    then takes callers without a client certificate (Terraform's provider, the
    CLI), who still need an ACL token, while internal RPC keeps mutual TLS.
    """

    ca_file: str
    cert_file: str | None = None
    key_file: str | None = None
    verify_incoming: bool | None = None
    verify_outgoing: bool = True
    verify_server_hostname: bool = True
    https_verify_incoming: bool | None = None

    def __post_init__(self) -> None:
        valid.flag(self.https_verify_incoming, "ConsulTls.https_verify_incoming", optional=True)
        for name in ("ca_file", "cert_file", "key_file"):
            value = getattr(self, name)
            if value is not None:
                valid.file_path(value, f"ConsulTls.{name}", absolute=True)
        valid.text(self.ca_file, "ConsulTls.ca_file")
        valid.together("ConsulTls", cert_file=self.cert_file, key_file=self.key_file)
        valid.flag(self.verify_incoming, "ConsulTls.verify_incoming", optional=True)
        for name in ("verify_outgoing", "verify_server_hostname"):
            valid.flag(getattr(self, name), f"ConsulTls.{name}")

    @property
    def auto_encrypt(self) -> bool:
        """A client without its own certificate gets one through auto_encrypt."""
        return self.cert_file is None

    def block(self, role: str) -> Block:
        """The `tls` block for `role`."""
        incoming = self.verify_incoming
        if incoming is None:
            incoming = role == "server" or not self.auto_encrypt
        defaults = block(
            "defaults",
            ca_file=self.ca_file,
            cert_file=self.cert_file,
            key_file=self.key_file,
            verify_incoming=incoming,
            verify_outgoing=self.verify_outgoing,
        )
        children = [defaults]
        if self.https_verify_incoming is not None:
            children.append(block("https", verify_incoming=self.https_verify_incoming))
        children.append(block("internal_rpc", verify_server_hostname=self.verify_server_hostname))
        if role == "client" and self.auto_encrypt:
            # tls.mdx `tls.grpc.use_auto_cert` (agent/config/config.go,
            # TLSProtocolConfig.UseAutoCert): lets the auto_encrypt certificate
            # serve the gRPC TLS listener that Envoy sidecars use; a client has
            # no certificate of its own to put there.
            children.append(block("grpc", use_auto_cert=True))
        return block("tls", blocks=children)


@dataclass(frozen=True)
class ConsulTelemetry:
    """`telemetry {}` for Prometheus (configuration-file/telemetry.mdx).

    `prometheus_retention_time`: "If the value is greater than 0s (the
    default), this enables Prometheus export of metrics"; "a good value ... is
    at least 2 times the interval of scrape". The docs recommend
    `disable_hostname` with it. Scrape `/v1/agent/metrics` with
    `format=prometheus` as a parameter.
    """

    prometheus_retention_time: str = "60s"
    disable_hostname: bool = True

    def __post_init__(self) -> None:
        retention = valid.duration(self.prometheus_retention_time,
                                   "ConsulTelemetry.prometheus_retention_time")
        if not retention:
            raise FieldError("ConsulTelemetry.prometheus_retention_time must be longer than 0s: "
                             "0s turns Prometheus metrics off (telemetry.mdx)",
                             path="ConsulTelemetry.prometheus_retention_time")
        valid.flag(self.disable_hostname, "ConsulTelemetry.disable_hostname")

    def block(self) -> Block:
        """The `telemetry` block."""
        return block(
            "telemetry",
            prometheus_retention_time=self.prometheus_retention_time,
            disable_hostname=self.disable_hostname,
        )


@dataclass(frozen=True)
class ConsulAudit:
    """`audit {}` with one file sink: Consul Enterprise only.

    website/content/docs/monitor/log/audit.mdx ("Audit Logging (Enterprise)",
    Consul Enterprise 1.8.0+): "must be explicitly enabled on every agent";
    "Audit logging requires rotation parameters to be set in order to be
    enabled"; the file sink takes `type = "file"`, `format = "json"`, `path`,
    `delivery_guarantee = "best-effort"` and `rotate_duration`,
    `rotate_max_files`, `rotate_bytes` (the values below are the docs').
    Consul CE has no audit log: render none there.
    """

    path: str = "/var/log/consul/audit/audit.json"
    sink: str = "audit"
    delivery_guarantee: str = "best-effort"
    rotate_duration: str = "24h"
    rotate_max_files: int = 15
    rotate_bytes: int = 25165824

    def __post_init__(self) -> None:
        valid.file_path(self.path, "ConsulAudit.path", absolute=True)
        valid.name(self.sink, "ConsulAudit.sink")
        if self.delivery_guarantee not in DELIVERY_GUARANTEES:
            raise FieldError(f"ConsulAudit.delivery_guarantee must be one of "
                             f"{DELIVERY_GUARANTEES}, got {self.delivery_guarantee!r}",
                             path="ConsulAudit.delivery_guarantee")
        if not valid.duration(self.rotate_duration, "ConsulAudit.rotate_duration"):
            raise FieldError("ConsulAudit.rotate_duration must be longer than 0s (audit.mdx: "
                             "rotation must be set)", path="ConsulAudit.rotate_duration")
        _count(self.rotate_max_files, "ConsulAudit.rotate_max_files", 1)
        _count(self.rotate_bytes, "ConsulAudit.rotate_bytes", 1)

    def block(self) -> Block:
        """The `audit` block."""
        sink = block(
            "sink",
            self.sink,
            type="file",
            format="json",
            path=self.path,
            delivery_guarantee=self.delivery_guarantee,
            rotate_duration=self.rotate_duration,
            rotate_max_files=self.rotate_max_files,
            rotate_bytes=self.rotate_bytes,
        )
        return block("audit", blocks=[sink], enabled=True)


@dataclass(frozen=True)
class ConsulAgentConfig:
    """A Consul agent configuration file for a server or a client.

    Servers: `server = true`, `bootstrap_expect` (agent/config/builder.go
    refuses it on a client and warns on 2 or an even number), `ui_config`,
    `connect { enabled = true }` (service-mesh.mdx; the CA itself is set by
    `hashistack.consul.ConnectCa`), `auto_encrypt { allow_tls = true }`
    (builder.go: "auto_encrypt.allow_tls can only be used on a server").
    Clients: `auto_encrypt { tls = true }` when they have no certificate of
    their own (builder.go: "auto_encrypt.tls can only be used on a client");
    they ask the servers in `retry_join` for it (encryption.mdx), so a client
    needs them. Both: `acl` (default deny, token persistence; no token here,
    see the module docstring), `tls`, `ports`, `telemetry`, and `audit` on
    Consul Enterprise only.
    """

    role: str
    datacenter: str = "dc1"
    data_dir: str = "/opt/consul/data"
    retry_join: Sequence[str] = ()
    bootstrap_expect: int | None = None  # servers: None is 1
    bind_addr: str | None = None
    client_addr: str | None = None
    acl: bool = True
    default_policy: str = "deny"
    tls: ConsulTls | None = None
    # ports.http = -1 turns the plaintext API off (only with TLS: then 8501 serves it).
    disable_http: bool = False
    https_port: int = HTTPS_PORT
    grpc_tls_port: int = GRPC_TLS_PORT
    ui: bool = True
    telemetry: ConsulTelemetry | None = field(default_factory=ConsulTelemetry)
    audit: ConsulAudit | None = None

    def __post_init__(self) -> None:
        _role(self.role)
        valid.matches(self.datacenter, valid.DATACENTER, "ConsulAgentConfig.datacenter",
                      "may hold only lowercase letters, digits, '-' and '_'")
        valid.file_path(self.data_dir, "ConsulAgentConfig.data_dir", absolute=True)
        if isinstance(self.retry_join, str):
            raise FieldError("ConsulAgentConfig.retry_join must be a list of addresses, "
                             "not a string", path="ConsulAgentConfig.retry_join")
        object.__setattr__(self, "retry_join", tuple(self.retry_join))
        for address in self.retry_join:
            valid.join_address(address, "ConsulAgentConfig.retry_join entry")
        for name in ("bind_addr", "client_addr"):
            valid.text(getattr(self, name), f"ConsulAgentConfig.{name}", optional=True)
        if self.role == "server":
            if self.bootstrap_expect is None:
                object.__setattr__(self, "bootstrap_expect", 1)
            _count(self.bootstrap_expect, "ConsulAgentConfig.bootstrap_expect", 1)
        elif self.bootstrap_expect is not None:
            raise FieldError("ConsulAgentConfig.bootstrap_expect is for servers only "
                             "(builder.go: 'bootstrap_expect > 0' requires 'server = true')",
                             path="ConsulAgentConfig.bootstrap_expect")
        for name in ("acl", "disable_http", "ui"):
            valid.flag(getattr(self, name), f"ConsulAgentConfig.{name}")
        if self.default_policy not in DEFAULT_POLICIES:
            raise FieldError(f"ConsulAgentConfig.default_policy must be one of "
                             f"{DEFAULT_POLICIES}, got {self.default_policy!r}",
                             path="ConsulAgentConfig.default_policy")
        valid.port(self.https_port, "ConsulAgentConfig.https_port")
        valid.port(self.grpc_tls_port, "ConsulAgentConfig.grpc_tls_port")
        if self.disable_http and self.tls is None:
            raise FieldError("ConsulAgentConfig.disable_http needs tls: without it the "
                             "agent would have no HTTP API at all",
                             path="ConsulAgentConfig.disable_http")
        if self.tls is not None and self.role == "server" and self.tls.cert_file is None:
            raise FieldError("ConsulAgentConfig.tls: a server needs cert_file and key_file "
                             "(it presents its own certificate; builtin.mdx)",
                             path="ConsulAgentConfig.tls.cert_file")
        if (self.role == "client" and self.tls is not None and self.tls.auto_encrypt
                and not self.retry_join):
            raise FieldError("ConsulAgentConfig.retry_join is empty: an auto_encrypt client "
                             "asks the servers listed there for its certificate "
                             "(encryption.mdx)", path="ConsulAgentConfig.retry_join")

    def _blocks(self) -> list[Block]:
        server = self.role == "server"
        out: list[Block] = []
        if server:
            out.append(block("ui_config", enabled=self.ui))
            out.append(block("connect", enabled=True))
        if self.acl:
            out.append(block("acl", enabled=True, default_policy=self.default_policy,
                             enable_token_persistence=True))
        if self.tls is not None:
            out.append(self.tls.block(self.role))
            if server:
                out.append(block("auto_encrypt", allow_tls=True))
            elif self.tls.auto_encrypt:
                out.append(block("auto_encrypt", tls=True))
            # tls.mdx: no HTTPS "unless the https port has been assigned a port
            # number > 0"; gRPC TLS needs ports.grpc_tls the same way.
            out.append(block("ports", http=-1 if self.disable_http else None,
                             https=self.https_port, grpc_tls=self.grpc_tls_port))
        if self.telemetry is not None:
            out.append(self.telemetry.block())
        if self.audit is not None:
            out.append(self.audit.block())
        return out

    def to_hcl(self) -> str:
        """The agent configuration as HCL text."""
        server = self.role == "server"
        return render(
            *self._blocks(),
            attrs={
                "datacenter": self.datacenter,
                "data_dir": self.data_dir,
                "server": server,
                "bootstrap_expect": self.bootstrap_expect if server else None,
                "retry_join": list(self.retry_join) or None,
                "bind_addr": self.bind_addr,
                "client_addr": self.client_addr,
            },
        )
