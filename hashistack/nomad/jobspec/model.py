"""The jobspec `group` and `job`, rendered by `Job.to_hcl` as Nomad's HCL2."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from hashistack import _validate as valid
from hashistack.errors import FieldError
from hashistack.hcl import Block, block, render
from hashistack.nomad.jobspec.consul import ConsulBlock
from hashistack.nomad.jobspec.fields import _PORT_NUMBER, JOB_TYPES, _unique
from hashistack.nomad.jobspec.service import Network, Service
from hashistack.nomad.jobspec.task import Task, VaultBlock
from hashistack.nomad.jobspec.templates import secret_paths_in_template


@dataclass
class Group:
    """A jobspec `group`: count, tasks, services, network and an optional group
    `vault` and `consul` block; validated on creation and again by `Job.to_hcl`."""

    name: str
    count: int = 1
    tasks: list[Task] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    network: Network | None = None
    vault: VaultBlock | None = None
    consul: ConsulBlock | None = None

    def __post_init__(self) -> None:
        valid.name(self.name, "Group.name")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise FieldError(f"Group.count must be an integer >= 0, got {self.count!r}",
                             path="Group.count")
        self.tasks = list(self.tasks)
        self.services = list(self.services)
        self.validate()

    def validate(self) -> None:
        """Group-wide rules Nomad enforces: unique task names, Connect only on a bridge
        network, service ports that name a port label, `expose` checks only on a
        Connect service."""
        _unique([t.name for t in self.tasks], f"Group {self.name!r} task name", field="Group.tasks")
        uses_connect = any(s.connect is not None for s in self.services)
        # Nomad refuses Connect sidecars outside bridge networking
        # ("Consul Connect sidecar requires bridge network").
        if uses_connect and (self.network is None or self.network.mode != "bridge"):
            raise FieldError(
                f"Group {self.name!r}: a service with connect needs network mode 'bridge'",
                path="Group.network",
            )
        labels = set(self.network.ports) if self.network is not None else set()
        for s in self.services:
            if isinstance(s.port, str) and s.port not in labels and not _PORT_NUMBER.fullmatch(
                s.port
            ):
                raise FieldError(
                    f"Group {self.name!r}: service {s.name!r} port {s.port!r} is not a "
                    "network port label of the group",
                    path="Service.port",
                )
            # check.mdx `expose`: "Only compatible with Connect-enabled
            # task-group services using the default Connect proxy".
            if s.connect is None and any(c.expose for c in s.checks):
                raise FieldError(
                    f"Group {self.name!r}: service {s.name!r} has a check with expose = true "
                    "but no connect block (expose needs a Connect sidecar)",
                    path="Check.expose",
                )

    def block(self) -> Block:
        """The `group` block: network, consul block, services, vault block and tasks."""
        children: list[Block] = []
        if self.network is not None:
            children.append(self.network.block())
        if self.consul is not None:
            children.append(self.consul.block())
        children.extend(s.block() for s in self.services)
        if self.vault is not None:
            children.append(self.vault.block())
        children.extend(t.block() for t in self.tasks)
        return block("group", self.name, blocks=children, count=self.count)


@dataclass(frozen=True)
class SecretRead:
    """One Vault path read by one task template."""

    group: str
    task: str
    destination: str
    path: str


@dataclass
class Job:
    """A Nomad jobspec: name, datacenters, type, namespace, region, groups and an
    optional job-level `vault` block, rendered by `to_hcl` as Nomad's HCL2."""

    name: str
    datacenters: Sequence[str] = ("dc1",)
    type: str = "service"
    namespace: str = "default"
    region: str | None = None
    groups: list[Group] = field(default_factory=list)
    vault: VaultBlock | None = None

    def __post_init__(self) -> None:
        valid.name(self.name, "Job.name")
        if self.type not in JOB_TYPES:
            raise FieldError(f"Job.type must be one of {JOB_TYPES}, got {self.type!r}",
                             path="Job.type")
        if isinstance(self.datacenters, str) or not self.datacenters:
            raise FieldError("Job.datacenters must be a non-empty list of names",
                             path="Job.datacenters")
        self.datacenters = list(self.datacenters)
        for dc in self.datacenters:
            valid.text(dc, "Job.datacenters entry")
        valid.text(self.namespace, "Job.namespace")
        if self.region is not None:
            valid.text(self.region, "Job.region")
        self.groups = list(self.groups)
        _unique([g.name for g in self.groups], f"Job {self.name!r} group name", field="Job.groups")

    def validate(self) -> None:
        """Whole-job rules; `to_hcl` runs this because groups and tasks are mutable."""
        if not self.groups:
            raise FieldError(f"Job {self.name!r}: Job.groups must hold at least one group",
                             path="Job.groups")
        _unique([g.name for g in self.groups], f"Job {self.name!r} group name", field="Job.groups")
        for g in self.groups:
            g.validate()
            for t in g.tasks:
                _unique([x.destination for x in t.templates], f"Task {t.name!r} destination",
                        field="Task.templates")
        for read in self.secret_reads():
            # A template can only read Vault with a token, and the client only
            # fetches one for tasks covered by a vault block.
            if self.effective_vault(read.group, read.task) is None:
                raise FieldError(
                    f"Job {self.name!r}: task {read.group}/{read.task} reads {read.path!r} "
                    "but no vault block covers it (task, group or job)",
                    path="Job.vault",
                )

    def effective_vault(self, group: str, task: str) -> VaultBlock | None:
        """Task's vault block, else its group's, else the job's.

        A whole block wins, fields are not merged: Nomad's parser copies the
        group or job block into tasks that have none (jobspec/parse_group.go,
        parse_job.go).
        """
        g = _find(self.groups, group, "group")
        t = _find(g.tasks, task, "task")
        return t.vault or g.vault or self.vault

    def effective_vaults(self) -> dict[tuple[str, str], VaultBlock | None]:
        """The effective vault block of every task, by (group, task)."""
        return {
            (g.name, t.name): self.effective_vault(g.name, t.name)
            for g in self.groups
            for t in g.tasks
        }

    def secret_reads(self) -> list[SecretRead]:
        """Every Vault path a task template reads, with its group, task and destination."""
        return [
            SecretRead(g.name, t.name, tpl.destination, path)
            for g in self.groups
            for t in g.tasks
            for tpl in t.templates
            for path in secret_paths_in_template(tpl.data)
        ]

    def to_hcl(self) -> str:
        """The jobspec as HCL text, after `validate`; every string is written as data
        (no `${...}` evaluated by Nomad's parser)."""
        self.validate()
        children: list[Block] = []
        if self.vault is not None:
            children.append(self.vault.block())
        children.extend(g.block() for g in self.groups)
        job = block(
            "job",
            self.name,
            blocks=children,
            datacenters=list(self.datacenters),
            type=self.type,
            namespace=self.namespace,
            region=self.region,
        )
        # Every string is data: Nomad's HCL2 must not evaluate `${...}` in an
        # image name or a template at parse time (file() would read the machine).
        return render(job, templates=True)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_N = TypeVar("_N", bound=_Named)


def _find(items: Sequence[_N], name: str, what: str) -> _N:
    for item in items:
        if item.name == name:
            return item
    raise KeyError(f"no {what} named {name!r}")
