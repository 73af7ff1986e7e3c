"""A group's `network` and `service` blocks: ports, checks, Connect upstreams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hashistack import _validate as valid
from hashistack.errors import FieldError
from hashistack.hcl import Block, block
from hashistack.nomad.jobspec.fields import _PORT_LABEL, _PORT_NUMBER, _unique


@dataclass(frozen=True)
class Network:
    """A group `network`: mode `bridge` (needed for Connect) or `host`, and the port
    labels, each mapped to a port inside the namespace (`to`) or dynamic."""

    mode: str = "bridge"
    ports: Mapping[str, int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in ("bridge", "host"):
            raise FieldError(f"Network.mode must be 'bridge' or 'host', got {self.mode!r}",
                             path="Network.mode")
        for label, to in self.ports.items():
            valid.matches(label, _PORT_LABEL, "Network.ports label", "is not a valid port label")
            if to is not None:
                valid.port(to, f"Network.ports[{label!r}]")

    def block(self) -> Block:
        """The group's `network` block with one `port` block per label."""
        ports = [block("port", label, to=to) for label, to in self.ports.items()]
        return block("network", blocks=ports, mode=self.mode)


@dataclass(frozen=True)
class Check:
    """A service `check`; `path` is written for http checks only.

    `expose = True` makes Nomad generate an Expose Path for the check on the
    sidecar proxy (check.mdx `expose`): http and grpc checks only, and only
    on a Connect-enabled group service using the default Connect proxy
    (`Group.validate` enforces the Connect half).
    """

    type: str = "http"
    path: str | None = None  # http: "/health" when not given
    interval: str = "10s"
    timeout: str = "2s"
    name: str | None = None
    expose: bool | None = None

    def __post_init__(self) -> None:
        if self.type not in ("http", "tcp", "grpc"):
            raise FieldError(f"Check.type must be http, tcp or grpc, got {self.type!r}",
                             path="Check.type")
        if self.type == "http" and self.path is None:
            object.__setattr__(self, "path", "/health")
        path_ok = isinstance(self.path, str) and self.path.startswith("/")
        if self.type == "http" and not path_ok:
            raise FieldError(f"Check.path must start with '/' for http checks, got {self.path!r}",
                             path="Check.path")
        # Nomad exposes only checks whose path starts with '/' (checkIsExposable in
        # nomad/job_endpoint_hook_expose_check.go); a grpc check without one is
        # silently not exposed, and the proxy never answers it.
        if self.expose and self.type == "grpc" and not path_ok:
            raise FieldError("Check.path must start with '/' for an exposed grpc check "
                             f"(e.g. '/grpc.health.v1.Health/Check'), got {self.path!r}",
                             path="Check.path")
        valid.duration(self.interval, "Check.interval")
        valid.duration(self.timeout, "Check.timeout")
        if self.name is not None:
            valid.text(self.name, "Check.name")
        valid.flag(self.expose, "Check.expose", optional=True)
        # check.mdx: expose paths are generated for HTTP and gRPC checks only.
        if self.expose and self.type not in ("http", "grpc"):
            raise FieldError(
                f"Check.expose is only for http and grpc checks, not {self.type!r}",
                path="Check.expose",
            )

    def block(self) -> Block:
        """The service's `check` block (`path` for http checks only)."""
        return block(
            "check",
            name=self.name,
            type=self.type,
            path=self.path if self.type == "http" or (self.expose and self.type == "grpc")
            else None,
            expose=self.expose,
            interval=self.interval,
            timeout=self.timeout,
        )


@dataclass(frozen=True)
class Upstream:
    """A Connect upstream: the Consul service to reach and the local port the
    sidecar listens on for it."""

    destination_name: str
    local_bind_port: int

    def __post_init__(self) -> None:
        valid.matches(self.destination_name, valid.SERVICE_NAME_ANY_CASE,
                      "Upstream.destination_name", "is not a service name (an RFC 1123 label)")
        valid.port(self.local_bind_port, "Upstream.local_bind_port")

    def block(self) -> Block:
        """The proxy's `upstreams` block."""
        return block(
            "upstreams",
            destination_name=self.destination_name,
            local_bind_port=self.local_bind_port,
        )


@dataclass(frozen=True)
class Connect:
    """`connect { sidecar_service { proxy { upstreams {...} } } }`."""

    upstreams: Sequence[Upstream] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "upstreams", tuple(self.upstreams))
        _unique([u.local_bind_port for u in self.upstreams], "Connect upstream local_bind_port",
                field="Connect.upstreams")

    def block(self) -> Block:
        """The service's `connect { sidecar_service { proxy { ... } } }` block."""
        proxy = [block("proxy", blocks=[u.block() for u in self.upstreams])]
        return block("connect", blocks=[block("sidecar_service", blocks=proxy)])


@dataclass(frozen=True)
class Service:
    """A group `service` registered in Consul (or Nomad's own catalog): its name,
    port label or number, tags, checks and optional Connect sidecar."""

    name: str
    port: str | int
    provider: str = "consul"
    tags: Sequence[str] = ()
    checks: Sequence[Check] = ()
    connect: Connect | None = None

    def __post_init__(self) -> None:
        valid.matches(self.name, valid.SERVICE_NAME_ANY_CASE, "Service.name",
                      "must be an RFC 1123 label (letters, digits, '-')")
        if isinstance(self.port, bool) or not isinstance(self.port, (str, int)) or self.port == "":
            raise FieldError(f"Service.port must be a port label or number, got {self.port!r}",
                             path="Service.port")
        # A number (int or "8080") is a port inside the network namespace, as
        # a Connect service with no host port label uses (expose.mdx example).
        if isinstance(self.port, int) or _PORT_NUMBER.fullmatch(self.port):
            valid.port(int(self.port), "Service.port")
        else:
            valid.matches(self.port, _PORT_LABEL, "Service.port", "is not a port label or number")
        if self.provider not in ("consul", "nomad"):
            raise FieldError(f"Service.provider must be 'consul' or 'nomad', got {self.provider!r}",
                             path="Service.provider")
        # Service mesh is a Consul feature; Nomad's native provider has no Connect.
        if self.connect is not None and self.provider != "consul":
            raise FieldError("Service.connect requires provider = 'consul'", path="Service.connect")
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "checks", tuple(self.checks))
        for tag in self.tags:
            valid.text(tag, "Service.tags entry")

    def block(self) -> Block:
        """The group's `service` block with its checks and Connect block."""
        children = [c.block() for c in self.checks]
        if self.connect is not None:
            children.append(self.connect.block())
        return block(
            "service",
            blocks=children,
            name=self.name,
            port=str(self.port),
            provider=self.provider,
            tags=list(self.tags) or None,
        )
