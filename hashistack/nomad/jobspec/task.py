"""A jobspec `task` and what it holds: templates, the `vault` block, resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hashistack import _validate as valid
from hashistack.errors import FieldError
from hashistack.hcl import Block, block
from hashistack.nomad.jobspec.fields import _change, _unique
from hashistack.nomad.jobspec.templates import dynamic_secret_env_template, secret_env_template


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
            raise FieldError(
                "VaultBlock: set role (workload identity) or policies (legacy token), not both",
                path="VaultBlock.role",
            )
        if self.role is not None:
            valid.text(self.role, "VaultBlock.role")
        if self.policies is not None:
            if isinstance(self.policies, str):
                raise FieldError("VaultBlock.policies must be a list of names, not a string",
                                 path="VaultBlock.policies")
            object.__setattr__(self, "policies", tuple(self.policies))
            if not self.policies:
                raise FieldError("VaultBlock.policies must not be empty; leave it None instead",
                                 path="VaultBlock.policies")
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
            raise FieldError("Template.data must be non-empty template text", path="Template.data")
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
            raise FieldError(f"Resources.cpu must be an integer >= 1 (MHz), got {self.cpu!r}",
                             path="Resources.cpu")
        if isinstance(self.memory, bool) or not isinstance(self.memory, int) or self.memory < 10:
            raise FieldError(f"Resources.memory must be an integer >= 10 (MB), got {self.memory!r}",
                             path="Resources.memory")

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
                raise FieldError(f"Task.env[{key!r}] must be a string, got {value!r}",
                                 path="Task.env")
        self.templates = list(self.templates)
        _unique([t.destination for t in self.templates], f"Task {self.name!r} template destination",
                field="Task.templates")

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
        return self._add_env_template(destination, data)

    def use_dynamic_secret(
        self, path: str, env: Mapping[str, str], destination: str | None = None
    ) -> Template:
        """Expose one dynamic credential (`<mount>/creds/<role>`) as environment variables.

        `env` maps ENV_VAR -> a field of the credential (`username`,
        `password`). Appends and returns an `env = true` template with
        `change_mode = "restart"`: Nomad's template runner (consul-template)
        renews the credential's lease while it can and, when the lease can no
        longer be renewed (the role's max TTL), reads a new credential and
        re-renders; environment variables only change when the task restarts
        ("To update the environment on changes, you must set change_mode to
        restart", NMD@v1.10.0 website/content/docs/job-specification/template.mdx
        `env`), so the task restarts with the new credential before Vault revokes
        the old one.
        """
        data = dynamic_secret_env_template(path, env)
        if destination is None:
            destination = f"secrets/{path.strip('/').replace('/creds/', '-').replace('/', '-')}.env"
        return self._add_env_template(destination, data)

    def _add_env_template(self, destination: str, data: str) -> Template:
        template = Template(destination=destination, data=data, env=True, change_mode="restart")
        _unique(
            [t.destination for t in self.templates] + [destination],
            f"Task {self.name!r} template destination",
            field="Task.templates",
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
