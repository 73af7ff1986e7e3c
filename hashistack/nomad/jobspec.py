"""Nomad job specification model, rendered through `hashistack.hcl`.

Field names are Nomad's own (job-specification/*.mdx). The model also knows
which Vault paths each task's templates read (`Job.secret_reads`) and which
`vault` block applies to each task (`Job.effective_vault`), and can recover
both from jobspec text (`read_jobspec`, `read_vault_blocks`) so a
check over synthesized Terraform JSON needs no Node.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from hashistack import _validate as valid
from hashistack.hcl import Block, block, render
from hashistack.hcl_read import read as read_hcl

# RFC 1123 label: Nomad refuses other service names (service.mdx `name`).
_SERVICE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_GO_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PORT_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PORT_NUMBER = re.compile(r"[0-9]+")

CHANGE_MODES = ("noop", "restart", "signal")
JOB_TYPES = ("service", "batch", "system", "sysbatch")


def _change(mode: str, signal: str | None, where: str) -> None:
    # job-specification/vault.mdx and template.mdx: change_signal is
    # "required if the change_mode is signal"; it means nothing otherwise.
    if mode not in CHANGE_MODES:
        raise ValueError(f"{where}.change_mode must be one of {CHANGE_MODES}, got {mode!r}")
    if mode == "signal" and not signal:
        raise ValueError(f"{where}.change_signal is required when change_mode is 'signal'")
    if mode != "signal" and signal is not None:
        raise ValueError(f"{where}.change_signal is only allowed when change_mode is 'signal'")
    if signal is not None:
        valid.signal(signal, f"{where}.change_signal")


@dataclass(frozen=True)
class VaultBlock:
    """The jobspec `vault` block (job, group or task level).

    `role` selects the workload-identity JWT role (Nomad 1.7+); `policies` is
    the legacy token workflow, removed in Nomad 1.10 (upgrade-specific.mdx). Set
    one, or neither (WI then uses the client's `create_from_role`, then the
    auth method's default role).
    """

    role: str | None = None
    policies: Sequence[str] | None = None
    change_mode: str = "restart"
    change_signal: str | None = None
    env: bool = True
    disable_file: bool = False
    namespace: str | None = None

    def __post_init__(self) -> None:
        if self.role is not None and self.policies is not None:
            raise ValueError(
                "VaultBlock: set role (workload identity) or policies (legacy token), not both"
            )
        if self.role is not None:
            valid.text(self.role, "VaultBlock.role")
        if self.policies is not None:
            if isinstance(self.policies, str):
                raise ValueError("VaultBlock.policies must be a list of names, not a string")
            object.__setattr__(self, "policies", tuple(self.policies))
            if not self.policies:
                raise ValueError("VaultBlock.policies must not be empty; leave it None instead")
            for p in self.policies:
                valid.text(p, "VaultBlock.policies entry")
        _change(self.change_mode, self.change_signal, "VaultBlock")
        if self.namespace is not None:
            valid.text(self.namespace, "VaultBlock.namespace")

    def block(self) -> Block:
        """The `vault` block, as the HCL writer renders it."""
        return block(
            "vault",
            role=self.role,
            policies=list(self.policies) if self.policies is not None else None,
            change_mode=self.change_mode,
            change_signal=self.change_signal,
            env=self.env,
            disable_file=self.disable_file,
            namespace=self.namespace,
        )


@dataclass
class Template:
    """A task `template` block; `env = true` reads the result back as env vars."""

    destination: str
    data: str
    env: bool = False
    change_mode: str = "restart"
    change_signal: str | None = None

    def __post_init__(self) -> None:
        valid.text(self.destination, "Template.destination")
        if not isinstance(self.data, str) or not self.data.strip():
            raise ValueError("Template.data must be non-empty template text")
        _change(self.change_mode, self.change_signal, "Template")

    def block(self) -> Block:
        """The task's `template` block."""
        return block(
            "template",
            data=self.data,
            destination=self.destination,
            env=self.env,
            change_mode=self.change_mode,
            change_signal=self.change_signal,
        )


@dataclass(frozen=True)
class Resources:
    """A task's `resources`: CPU in MHz (at least 1) and memory in MB (at least 10),
    Nomad's own minimums."""

    cpu: int = 100
    memory: int = 128

    def __post_init__(self) -> None:
        # Nomad's Resources.MeetsMinResources: "minimum CPU value is 1",
        # "minimum MemoryMB value is 10".
        if isinstance(self.cpu, bool) or not isinstance(self.cpu, int) or self.cpu < 1:
            raise ValueError(f"Resources.cpu must be an integer >= 1 (MHz), got {self.cpu!r}")
        if isinstance(self.memory, bool) or not isinstance(self.memory, int) or self.memory < 10:
            raise ValueError(f"Resources.memory must be an integer >= 10 (MB), got {self.memory!r}")

    def block(self) -> Block:
        """The task's `resources` block."""
        return block("resources", cpu=self.cpu, memory=self.memory)


@dataclass
class Task:
    """A jobspec `task`: driver and its config, environment, templates (secrets
    read through `use_secret`), an optional `vault` block and resources."""

    name: str
    driver: str = "docker"
    config: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    templates: list[Template] = field(default_factory=list)
    vault: VaultBlock | None = None
    resources: Resources = field(default_factory=Resources)

    def __post_init__(self) -> None:
        valid.name(self.name, "Task.name")
        valid.text(self.driver, "Task.driver")
        for key, value in self.env.items():
            valid.env_name(key, "Task.env name")
            if not isinstance(value, str):
                raise ValueError(f"Task.env[{key!r}] must be a string, got {value!r}")
        self.templates = list(self.templates)
        _unique([t.destination for t in self.templates], f"Task {self.name!r} template destination")

    def use_secret(
        self, path: str, env: Mapping[str, str], destination: str | None = None
    ) -> Template:
        """Expose keys of one KV v2 secret as environment variables.

        `path` is the KV v2 API path ("secret/data/myapp"); `env` maps
        ENV_VAR -> key in the secret. Appends and returns an `env = true`
        template (seed 002's pattern, without `export`: Nomad reads the file
        as KEY=value lines).
        """
        data = secret_env_template(path, env)
        if destination is None:
            destination = f"secrets/{path.rstrip('/').rsplit('/', 1)[-1]}.env"
        template = Template(destination=destination, data=data, env=True)
        _unique(
            [t.destination for t in self.templates] + [destination],
            f"Task {self.name!r} template destination",
        )
        self.templates.append(template)
        return template

    def block(self) -> Block:
        """The `task` block with its templates, vault block and resources."""
        # Block(...) rather than block(**attrs): driver keys are free-form.
        children = [Block("config", (), dict(self.config))]
        if self.env:
            children.append(Block("env", (), dict(self.env)))
        children.extend(t.block() for t in self.templates)
        if self.vault is not None:
            children.append(self.vault.block())
        children.append(self.resources.block())
        return block("task", self.name, blocks=children, driver=self.driver)


def _kv2_path(path: str) -> None:
    # KV v2: "Writing and reading versions are prefixed with the data/ path".
    if not isinstance(path, str) or re.search(r'[\s"`\\]', path) or path.startswith("/"):
        raise ValueError(f"use_secret: path {path!r} must be a Vault API path like secret/data/app")
    segments = path.split("/")
    if "data" not in segments[1:-1] or "" in segments:
        raise ValueError(
            f"use_secret: path {path!r} is not a KV v2 read path; KV v2 reads go through "
            "<mount>/data/<name>, e.g. secret/data/myapp"
        )


def secret_env_template(path: str, env: Mapping[str, str]) -> str:
    """consul-template text writing ENV_VAR=value lines from one KV v2 secret.

    The one place this text is made: Nomad `template` blocks and Vault Agent
    templates both use it, so they read secrets the same way.
    """
    _kv2_path(path)
    if not env:
        raise ValueError("use_secret: env must map at least one ENV_VAR to a secret key")
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


def _data_ref(key: str) -> str:
    if not isinstance(key, str) or not key or re.search(r'["\\\n`]|\}\}', key):
        raise ValueError(f"use_secret: secret key {key!r} is not usable in a template")
    if _GO_FIELD.fullmatch(key):
        return f"{{{{ .Data.data.{key} }}}}"
    # Go templates cannot reach "my-key" as a field; `index` can.
    return f'{{{{ index .Data.data "{key}" }}}}'


@dataclass(frozen=True)
class Network:
    """A group `network`: mode `bridge` (needed for Connect) or `host`, and the port
    labels, each mapped to a port inside the namespace (`to`) or dynamic."""

    mode: str = "bridge"
    ports: Mapping[str, int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in ("bridge", "host"):
            raise ValueError(f"Network.mode must be 'bridge' or 'host', got {self.mode!r}")
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
            raise ValueError(f"Check.type must be http, tcp or grpc, got {self.type!r}")
        if self.type == "http" and self.path is None:
            object.__setattr__(self, "path", "/health")
        path_ok = isinstance(self.path, str) and self.path.startswith("/")
        if self.type == "http" and not path_ok:
            raise ValueError(f"Check.path must start with '/' for http checks, got {self.path!r}")
        # Nomad exposes only checks whose path starts with '/' (checkIsExposable in
        # nomad/job_endpoint_hook_expose_check.go); a grpc check without one is
        # silently not exposed, and the proxy never answers it.
        if self.expose and self.type == "grpc" and not path_ok:
            raise ValueError("Check.path must start with '/' for an exposed grpc check "
                             f"(e.g. '/grpc.health.v1.Health/Check'), got {self.path!r}")
        valid.duration(self.interval, "Check.interval")
        valid.duration(self.timeout, "Check.timeout")
        if self.name is not None:
            valid.text(self.name, "Check.name")
        valid.flag(self.expose, "Check.expose", optional=True)
        # check.mdx: expose paths are generated for HTTP and gRPC checks only.
        if self.expose and self.type not in ("http", "grpc"):
            raise ValueError(
                f"Check.expose is only for http and grpc checks, not {self.type!r}"
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
        valid.matches(self.destination_name, _SERVICE, "Upstream.destination_name",
                      "is not a service name (an RFC 1123 label)")
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
        _unique([u.local_bind_port for u in self.upstreams], "Connect upstream local_bind_port")

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
        valid.matches(self.name, _SERVICE, "Service.name",
                      "must be an RFC 1123 label (letters, digits, '-')")
        if isinstance(self.port, bool) or not isinstance(self.port, (str, int)) or self.port == "":
            raise ValueError(f"Service.port must be a port label or number, got {self.port!r}")
        # A number (int or "8080") is a port inside the network namespace, as
        # a Connect service with no host port label uses (expose.mdx example).
        if isinstance(self.port, int) or _PORT_NUMBER.fullmatch(self.port):
            valid.port(int(self.port), "Service.port")
        else:
            valid.matches(self.port, _PORT_LABEL, "Service.port", "is not a port label or number")
        if self.provider not in ("consul", "nomad"):
            raise ValueError(f"Service.provider must be 'consul' or 'nomad', got {self.provider!r}")
        # Service mesh is a Consul feature; Nomad's native provider has no Connect.
        if self.connect is not None and self.provider != "consul":
            raise ValueError("Service.connect requires provider = 'consul'")
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


@dataclass
class Group:
    """A jobspec `group`: count, tasks, services, network and an optional group
    `vault` block; validated on creation and again by `Job.to_hcl`."""

    name: str
    count: int = 1
    tasks: list[Task] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    network: Network | None = None
    vault: VaultBlock | None = None

    def __post_init__(self) -> None:
        valid.name(self.name, "Group.name")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise ValueError(f"Group.count must be an integer >= 0, got {self.count!r}")
        self.tasks = list(self.tasks)
        self.services = list(self.services)
        self.validate()

    def validate(self) -> None:
        """Group-wide rules Nomad enforces: unique task names, Connect only on a bridge
        network, service ports that name a port label, `expose` checks only on a
        Connect service."""
        _unique([t.name for t in self.tasks], f"Group {self.name!r} task name")
        uses_connect = any(s.connect is not None for s in self.services)
        # Nomad refuses Connect sidecars outside bridge networking
        # ("Consul Connect sidecar requires bridge network").
        if uses_connect and (self.network is None or self.network.mode != "bridge"):
            raise ValueError(
                f"Group {self.name!r}: a service with connect needs network mode 'bridge'"
            )
        labels = set(self.network.ports) if self.network is not None else set()
        for s in self.services:
            if isinstance(s.port, str) and s.port not in labels and not _PORT_NUMBER.fullmatch(
                s.port
            ):
                raise ValueError(
                    f"Group {self.name!r}: service {s.name!r} port {s.port!r} is not a "
                    "network port label of the group"
                )
            # check.mdx `expose`: "Only compatible with Connect-enabled
            # task-group services using the default Connect proxy".
            if s.connect is None and any(c.expose for c in s.checks):
                raise ValueError(
                    f"Group {self.name!r}: service {s.name!r} has a check with expose = true "
                    "but no connect block (expose needs a Connect sidecar)"
                )

    def block(self) -> Block:
        """The `group` block: network, services, vault block and tasks."""
        children: list[Block] = []
        if self.network is not None:
            children.append(self.network.block())
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
            raise ValueError(f"Job.type must be one of {JOB_TYPES}, got {self.type!r}")
        if isinstance(self.datacenters, str) or not self.datacenters:
            raise ValueError("Job.datacenters must be a non-empty list of names")
        self.datacenters = list(self.datacenters)
        for dc in self.datacenters:
            valid.text(dc, "Job.datacenters entry")
        valid.text(self.namespace, "Job.namespace")
        if self.region is not None:
            valid.text(self.region, "Job.region")
        self.groups = list(self.groups)
        _unique([g.name for g in self.groups], f"Job {self.name!r} group name")

    def validate(self) -> None:
        """Whole-job rules; `to_hcl` runs this because groups and tasks are mutable."""
        if not self.groups:
            raise ValueError(f"Job {self.name!r}: Job.groups must hold at least one group")
        _unique([g.name for g in self.groups], f"Job {self.name!r} group name")
        for g in self.groups:
            g.validate()
            for t in g.tasks:
                _unique([x.destination for x in t.templates], f"Task {t.name!r} destination")
        for read in self.secret_reads():
            # A template can only read Vault with a token, and the client only
            # fetches one for tasks covered by a vault block.
            if self.effective_vault(read.group, read.task) is None:
                raise ValueError(
                    f"Job {self.name!r}: task {read.group}/{read.task} reads {read.path!r} "
                    "but no vault block covers it (task, group or job)"
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


def _unique(values: Sequence[Any], what: str) -> None:
    seen: set[Any] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what} {v!r}")
        seen.add(v)


# consul-template: `secret "path"`, `with secret "path"`, `secret "path" "k=v"`,
# also with a raw `path` string. `secrets` (LIST) is a different function and
# is not a read; `(?<![\w.$])` keeps `.secret` / `$secret` variables out.
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
_SECRET = re.compile(r'(?<![\w.$])secret\s+(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)')


def secret_paths_in_template(data: str) -> list[str]:
    """Vault paths read with consul-template's `secret` function, first-seen order."""
    paths: list[str] = []
    for action in _ACTION.finditer(data):
        for m in _SECRET.finditer(action.group(1)):
            path = m.group(2) if m.group(1) is None else re.sub(r"\\(.)", r"\1", m.group(1))
            if path not in paths:
                paths.append(path)
    return paths


# Reading jobspec text back (hashistack.hcl_read): one labeled block is
# {label: body} and repeated ones [{label: body}, ...]; unlabeled repeated
# blocks come back as a list of bodies.


def _labeled(value: Any) -> list[tuple[str, dict[str, Any]]]:
    items = value if isinstance(value, list) else [value]
    return [(label, body) for item in items for label, body in item.items()]


def _bodies(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _load_job(text: str) -> dict[str, Any]:
    jobs = _labeled(read_hcl(text).get("job", []))
    if len(jobs) != 1:
        raise ValueError(f"jobspec must hold exactly one job block, found {len(jobs)}")
    return jobs[0][1]


def _vault_from(body: dict[str, Any]) -> VaultBlock | None:
    blocks = _bodies(body.get("vault"))
    if not blocks:
        return None
    v = blocks[-1]
    return VaultBlock(
        role=v.get("role"),
        policies=v.get("policies"),
        change_mode=v.get("change_mode", "restart"),
        change_signal=v.get("change_signal"),
        env=v.get("env", True),
        disable_file=v.get("disable_file", False),
        namespace=v.get("namespace"),
    )


def read_jobspec(text: str) -> list[SecretRead]:
    """Every Vault path every task template reads, from jobspec text."""
    job = _load_job(text)
    return [
        SecretRead(group, task, tpl.get("destination", ""), path)
        for group, g in _labeled(job.get("group", []))
        for task, t in _labeled(g.get("task", []))
        for tpl in _bodies(t.get("template"))
        for path in secret_paths_in_template(tpl.get("data", ""))
    ]


def read_vault_blocks(text: str) -> dict[tuple[str, str], VaultBlock | None]:
    """(group, task) -> effective vault block, from jobspec text."""
    job = _load_job(text)
    job_vault = _vault_from(job)
    out: dict[tuple[str, str], VaultBlock | None] = {}
    for group, g in _labeled(job.get("group", [])):
        group_vault = _vault_from(g)
        for task, t in _labeled(g.get("task", [])):
            out[(group, task)] = _vault_from(t) or group_vault or job_vault
    return out
