"""`[consul.cluster]` and `[nomad.cluster]`: the servers and agent files of each cluster.

Hooked into stacks/config.py as `Consul.cluster` and `Nomad.cluster`. Absent,
nothing changes: no Consul agent files (dev runs `consul agent -dev`), and the
Nomad files keep `bootstrap_expect = 1` and no `server_join`.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hashistack import _validate as valid
from hashistack.durations import seconds


def _join(value: str) -> str:
    return valid.join_address(value, "the address")


def _machine_file(value: str) -> str:
    return valid.file_path(value, "the path", absolute=True)


def _retention(value: str) -> str:
    if seconds(value) == 0:
        raise ValueError("must be longer than 0s: 0s turns Consul's Prometheus metrics off "
                         "(telemetry.mdx prometheus_retention_time)")
    return value


def _bind(value: str) -> str:
    """An IP address, or a go-sockaddr template (`{{ GetPrivateIP }}`) Consul resolves
    at start (agent configuration: bind_addr)."""
    valid.text(value, "the address")
    if value.startswith("{{") and value.endswith("}}"):
        return value
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{valid.shown(value)} is neither an IP address nor a go-sockaddr "
                         'template such as {{ GetPrivateIP }}') from None
    return value


BindAddress = Annotated[str, AfterValidator(_bind)]
JoinAddress = Annotated[str, AfterValidator(_join)]
MachineFile = Annotated[str, AfterValidator(_machine_file)]
Retention = Annotated[str, AfterValidator(_retention)]
# Raft needs a majority: 3 servers survive one failure, 5 survive two (Consul's and
# Nomad's deployment tables); an even count adds no tolerance.
PROD_SERVER_COUNTS = (3, 5)


class _Model(BaseModel):
    # As stacks.config.Model: exact TOML types, no unknown keys.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Cluster(_Model):
    servers: list[JoinAddress] = Field(min_length=1)
    bootstrap_expect: int | None = Field(default=None, ge=1)  # None: len(servers)

    @model_validator(mode="after")
    def _servers(self) -> _Cluster:
        dupes = sorted({s for s in self.servers if self.servers.count(s) > 1})
        if dupes:
            raise ValueError(f"servers: {', '.join(dupes)} given more than once")
        if self.bootstrap_expect is not None and self.bootstrap_expect > len(self.servers):
            raise ValueError(f"bootstrap_expect {self.bootstrap_expect} is more than the "
                             f"{len(self.servers)} servers listed: the cluster would never "
                             "elect a leader")
        return self

    @property
    def expect(self) -> int:
        """How many servers the cluster waits for before electing a leader."""
        return self.bootstrap_expect or len(self.servers)


def quorum_problem(expect: int) -> str | None:
    """Why `expect` servers is refused in prod, or None."""
    if expect % 2 == 0:
        return (f"{expect} servers is even (refused in prod): an even count tolerates "
                "no more failures than one server fewer; use 3 or 5")
    if expect not in PROD_SERVER_COUNTS:
        return f"{expect} servers: prod takes 3 or 5"
    return None


class ConsulClusterTls(_Model):
    """Files on the Consul machines (not the deploy machine's `consul.tls`).

    Servers present `cert_file`/`key_file`; clients get theirs through
    auto_encrypt and need only `ca_file`."""

    ca_file: MachineFile
    cert_file: MachineFile
    key_file: MachineFile


class ConsulCluster(_Cluster):
    """`[consul.cluster]`: renders `consul-server.hcl` and `consul-client.hcl`."""

    data_dir: MachineFile = "/opt/consul/data"
    tls: ConsulClusterTls | None = None  # required outside dev
    disable_http: bool = True  # with TLS: ports.http = -1, the API on 8501 only
    # The address agents bind and advertise for gossip and RPC: an IP or a go-sockaddr
    # template. Consul's default (0.0.0.0, advertising the one private IPv4) refuses to
    # start on a machine with several, as Nomad clients have (docker0, Nomad's bridge);
    # GetPrivateIP is the private address with the default route.
    bind_addr: BindAddress = "{{ GetPrivateIP }}"
    prometheus_retention_time: Retention = "60s"
    # Consul Enterprise only (consul.edition = "enterprise"); CE has no audit log.
    audit_path: MachineFile = "/var/log/consul/audit/audit.json"


class NomadCluster(_Cluster):
    """`[nomad.cluster]`: `bootstrap_expect` and `server_join` in the Nomad agent files."""

    data_dir: MachineFile = "/opt/nomad/data"
    # Nomad Enterprise only (nomad.edition = "enterprise"); CE has no audit log.
    audit_path: MachineFile = "/var/lib/nomad/audit/audit.log"


def cluster_problems(tier: str, consul: ConsulCluster | None,
                     nomad: NomadCluster | None) -> list[str]:
    """What an environment's tier refuses in its clusters, each naming its field."""
    problems = []
    for name, cluster in (("consul", consul), ("nomad", nomad)):
        if cluster is None or tier == "dev":
            continue
        majority = len(cluster.servers) // 2 + 1
        if cluster.expect < majority:
            # Fewer than a majority of the listed servers could elect a leader of
            # their own while the others elect another: two clusters, split data.
            problems.append(f"{name}.cluster.bootstrap_expect: {cluster.expect} is fewer than "
                            f"a majority ({majority}) of the {len(cluster.servers)} servers "
                            "listed: two groups could each bootstrap a cluster")
            continue
        if tier != "prod":
            continue
        problem = quorum_problem(cluster.expect)
        if problem:
            field = "bootstrap_expect" if cluster.bootstrap_expect else "servers"
            problems.append(f"{name}.cluster.{field}: {problem}")
    if consul is not None and tier != "dev" and consul.tls is None:
        problems.append(f"consul.cluster.tls is required in {tier}: the agents' CA, "
                        "certificate and key on the Consul machines")
    return problems
