"""Vault Agent configuration, rendered through `hashistack.hcl`.

Shapes follow Vault's agent-and-proxy docs: `auto_auth { method "approle" {
mount_path, config = {...} } sink "file" { config = {...} } }`, `template`,
and process-supervisor mode (`exec` + `env_template`, Vault 1.14+). Vault
reads this file with HCL1, so the output is also checked with pyhcl.
Rules mirror Vault's own `command/agent/config/config.go` validation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from hashistack import _validate as valid
from hashistack.errors import FieldError
from hashistack.hcl import Block, block, render

_PERMS = re.compile(r"0?[0-7]{3}")


def _mount(value: str, what: str) -> None:
    valid.text(value, what)
    if not value.startswith("auth/"):
        raise FieldError(f"{what} {value!r} must look like auth/<path>", path=what)
    valid.mount_path(value, what)


@dataclass(frozen=True)
class AppRoleMethod:
    """autoauth/methods/approle: role ID and secret ID read from files."""

    type: ClassVar[str] = "approle"
    role_id_file_path: str
    secret_id_file_path: str | None = None
    mount_path: str = "auth/approle"
    # Vault's default is true: the agent deletes the secret ID file once read.
    remove_secret_id_file_after_reading: bool | None = None

    def __post_init__(self) -> None:
        valid.text(self.role_id_file_path, "AppRoleMethod.role_id_file_path")
        valid.text(self.secret_id_file_path, "AppRoleMethod.secret_id_file_path", optional=True)
        _mount(self.mount_path, "AppRoleMethod.mount_path")

    def config(self) -> dict[str, Any]:
        """The method's `config` map."""
        return {
            "role_id_file_path": self.role_id_file_path,
            "secret_id_file_path": self.secret_id_file_path,
            "remove_secret_id_file_after_reading": self.remove_secret_id_file_after_reading,
        }


@dataclass(frozen=True)
class CertMethod:
    """autoauth/methods/cert: TLS client certificate login (`name` = cert role)."""

    type: ClassVar[str] = "cert"
    name: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    ca_cert: str | None = None
    mount_path: str = "auth/cert"

    def __post_init__(self) -> None:
        for f in ("name", "client_cert", "client_key", "ca_cert"):
            valid.text(getattr(self, f), f"CertMethod.{f}", optional=True)
        valid.together("CertMethod", client_cert=self.client_cert, client_key=self.client_key)
        _mount(self.mount_path, "CertMethod.mount_path")

    def config(self) -> dict[str, Any]:
        """The method's `config` map."""
        return {
            "name": self.name,
            "ca_cert": self.ca_cert,
            "client_cert": self.client_cert,
            "client_key": self.client_key,
        }


@dataclass(frozen=True)
class FileSink:
    """autoauth/sinks/file. Vault takes `mode` as an integer file mode."""

    path: str = "/tmp/vault-token"
    mode: int = 0o640

    def __post_init__(self) -> None:
        valid.text(self.path, "FileSink.path")
        mode = self.mode
        if isinstance(mode, bool) or not isinstance(mode, int) or not 0 < mode <= 0o777:
            raise FieldError(f"FileSink.mode must be a permission like 0o640, got {self.mode!r}",
                             path="FileSink.mode")

    def block(self) -> Block:
        """The `sink "file"` block; `mode` written as a decimal integer."""
        # Written as a decimal int (0o640 -> 416): Vault's file sink wants an
        # int, and a leading-zero literal means octal in HCL1 but decimal in
        # HCL2, so the decimal form is the one both read the same.
        return block("sink", "file", config={"path": self.path, "mode": self.mode})


@dataclass(frozen=True)
class AutoAuth:
    """The agent's `auto_auth`: one login method (AppRole or cert) and the sinks it
    writes the token to."""

    method: AppRoleMethod | CertMethod
    sinks: Sequence[FileSink] = (FileSink(),)

    def __post_init__(self) -> None:
        if not isinstance(self.method, (AppRoleMethod, CertMethod)):
            raise FieldError("AutoAuth.method must be an AppRoleMethod or a CertMethod",
                             path="AutoAuth.method")
        object.__setattr__(self, "sinks", tuple(self.sinks))

    def block(self) -> Block:
        """The `auto_auth` block: its `method` and its sinks."""
        method = block(
            "method", self.method.type, mount_path=self.method.mount_path,
            config=self.method.config(),
        )
        return block("auto_auth", blocks=[method, *(s.block() for s in self.sinks)])


def _source_or_contents(source: str | None, contents: str | None, where: str) -> None:
    if (source is None) == (contents is None):
        raise FieldError(f"{where}: set exactly one of source or contents", path=where)
    valid.text(source, f"{where}.source", optional=True)
    if contents is not None and (not isinstance(contents, str) or not contents):
        raise FieldError(f"{where}.contents must be non-empty template text",
                         path=f"{where}.contents")


@dataclass(frozen=True)
class AgentTemplate:
    """A file `template`. `command` runs after a change, via `exec { command = [...] }`
    (the docs deprecate the plain `command` string and recommend an array)."""

    destination: str
    source: str | None = None
    contents: str | None = None
    perms: str | None = None
    command: Sequence[str] | None = None
    error_on_missing_key: bool | None = None

    def __post_init__(self) -> None:
        valid.text(self.destination, "AgentTemplate.destination")
        _source_or_contents(self.source, self.contents, "AgentTemplate")
        perms = self.perms
        if perms is not None and not (isinstance(perms, str) and _PERMS.fullmatch(perms)):
            raise FieldError(f"AgentTemplate.perms must be octal text like '0640', got {perms!r}",
                             path="AgentTemplate.perms")
        if self.command is not None:
            if isinstance(self.command, str) or not self.command:
                raise FieldError("AgentTemplate.command must be a non-empty list of arguments",
                                 path="AgentTemplate.command")
            object.__setattr__(self, "command", tuple(self.command))

    def block(self) -> Block:
        """The `template` block, with an `exec` child when `command` is set."""
        children = [block("exec", command=list(self.command))] if self.command else []
        return block(
            "template",
            blocks=children,
            source=self.source,
            contents=self.contents,
            destination=self.destination,
            perms=self.perms,
            error_on_missing_key=self.error_on_missing_key,
        )


@dataclass(frozen=True)
class EnvTemplate:
    """`env_template "NAME" {...}`: one environment variable of the `exec` child."""

    name: str
    contents: str | None = None
    source: str | None = None
    # Off by default in Vault; its docs "highly recommend" turning it on.
    error_on_missing_key: bool = True

    def __post_init__(self) -> None:
        valid.env_name(self.name, "EnvTemplate.name")
        _source_or_contents(self.source, self.contents, f"EnvTemplate[{self.name}]")

    def block(self) -> Block:
        """The `env_template "NAME"` block."""
        return block(
            "env_template",
            self.name,
            contents=self.contents,
            source=self.source,
            error_on_missing_key=self.error_on_missing_key,
        )


@dataclass(frozen=True)
class Exec:
    """Process-supervisor `exec` (Vault 1.14+)."""

    command: Sequence[str]
    restart_on_secret_changes: str = "always"
    restart_stop_signal: str = "SIGTERM"

    def __post_init__(self) -> None:
        if isinstance(self.command, str) or not self.command:
            raise FieldError("Exec.command must be a non-empty list of arguments",
                             path="Exec.command")
        object.__setattr__(self, "command", tuple(self.command))
        for arg in self.command:
            if not isinstance(arg, str):
                raise FieldError(f"Exec.command entries must be strings, got {arg!r}",
                                 path="Exec.command")
        if not self.command[0]:
            raise FieldError("Exec.command[0] must name the program to run", path="Exec.command")
        if self.restart_on_secret_changes not in ("always", "never"):
            raise FieldError("Exec.restart_on_secret_changes must be 'always' or 'never'",
                             path="Exec.restart_on_secret_changes")
        valid.signal(self.restart_stop_signal, "Exec.restart_stop_signal")

    def block(self) -> Block:
        """The top-level `exec` block."""
        return block(
            "exec",
            command=list(self.command),
            restart_on_secret_changes=self.restart_on_secret_changes,
            restart_stop_signal=self.restart_stop_signal,
        )


@dataclass(frozen=True)
class VaultTLS:
    """TLS settings of the agent's `vault {}` block."""

    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    tls_skip_verify: bool | None = None

    def __post_init__(self) -> None:
        for f in ("ca_cert", "client_cert", "client_key"):
            valid.text(getattr(self, f), f"VaultTLS.{f}", optional=True)
        valid.together("VaultTLS", client_cert=self.client_cert, client_key=self.client_key)


@dataclass(frozen=True)
class VaultAgentConfig:
    """A Vault Agent configuration file: the Vault address and TLS, `auto_auth`,
    and either file templates or process-supervisor mode (`exec` with
    `env_template`s), as Vault's own config validation allows."""

    vault_address: str
    auto_auth: AutoAuth
    templates: Sequence[AgentTemplate] = ()
    exec: Exec | None = None
    env_templates: Sequence[EnvTemplate] = ()
    tls: VaultTLS | None = None

    def __post_init__(self) -> None:
        if not valid.is_url(self.vault_address):
            raise FieldError(
                f"VaultAgentConfig.vault_address {self.vault_address!r} must look like "
                "https://host:8200",
                path="VaultAgentConfig.vault_address",
            )
        object.__setattr__(self, "templates", tuple(self.templates))
        object.__setattr__(self, "env_templates", tuple(self.env_templates))
        # Vault's validateEnvTemplateConfig (command/agent/config/config.go).
        if self.exec is not None or self.env_templates:
            if self.exec is None:
                raise FieldError("VaultAgentConfig.env_templates need a top-level exec",
                                 path="VaultAgentConfig.exec")
            if not self.env_templates:
                raise FieldError("VaultAgentConfig.exec needs at least one env_template",
                                 path="VaultAgentConfig.env_templates")
            if self.templates:
                raise FieldError(
                    "VaultAgentConfig.templates cannot be combined with exec/env_templates "
                    "(process-supervisor mode takes env_template only)",
                    path="VaultAgentConfig.templates",
                )
        names = [e.name for e in self.env_templates]
        if len(names) != len(set(names)):
            raise FieldError(f"VaultAgentConfig.env_templates has duplicate names: {names}",
                             path="VaultAgentConfig.env_templates")
        dests = [t.destination for t in self.templates]
        if len(dests) != len(set(dests)):
            raise FieldError(f"VaultAgentConfig.templates has duplicate destinations: {dests}",
                             path="VaultAgentConfig.templates")
        # Vault: "auto_auth requires at least one sink or at least one template".
        if not self.auto_auth.sinks and not self.templates and not self.env_templates:
            raise FieldError("VaultAgentConfig.auto_auth needs a sink when there are no templates",
                             path="VaultAgentConfig.auto_auth")

    def to_hcl(self) -> str:
        """The agent configuration as HCL text."""
        tls = self.tls or VaultTLS()
        vault = block(
            "vault",
            address=self.vault_address,
            ca_cert=tls.ca_cert,
            client_cert=tls.client_cert,
            client_key=tls.client_key,
            tls_skip_verify=tls.tls_skip_verify,
        )
        blocks = [vault, self.auto_auth.block()]
        blocks.extend(t.block() for t in self.templates)
        blocks.extend(e.block() for e in self.env_templates)
        if self.exec is not None:
            blocks.append(self.exec.block())
        return render(*blocks)


def systemd_unit(*, name: str, config_path: str, vault_binary: str = "/usr/bin/vault",
                 user: str = "vault-agent", runtime_directory: str | None = None,
                 read_write_paths: Sequence[str] = (), description: str | None = None,
                 after: Sequence[str] = ()) -> str:
    """A systemd unit that keeps one Vault Agent running unattended. With `%i` in
    `name` and the paths it is a template unit: one file for every agent
    (`systemctl enable --now vault-agent@myapp`).

    What survives a restart is on disk: the config, and the role and secret ID
    files it names (kept: `remove_secret_id_file_after_reading = false`). The
    token sink lives under /run, so a restart logs in anew; templates render
    again into `read_write_paths`, made (for `user`) before each start.
    `Restart=on-failure` brings the agent back, SIGHUP reloads it (Vault Agent
    docs: agent-and-proxy/agent). `after`: units the agent starts after (and
    wants), e.g. the service a template's command talks to.
    """
    # `name` is the instance of vault-agent@<name>.service, or `%i` in the template unit.
    valid.unit_name(name, "name", in_template=True)
    runtime = runtime_directory or f"vault-agent/{name}"
    valid.matches(runtime, re.compile(r"[A-Za-z0-9_.%-]+(?:/[A-Za-z0-9_.%-]+)*"),
                  "runtime_directory", "is not a relative directory under /run")
    valid.matches(valid.text(user, "user"), valid.SHELL_SAFE_NAME, "user", "is not a user name")
    if isinstance(after, str):
        raise FieldError("after must be a list of unit names, not a string", path="after")
    for unit in after:
        valid.unit_name(unit, "after")
    if isinstance(read_write_paths, str):
        raise FieldError("read_write_paths must be a list of directories, not a string",
                         path="read_write_paths")
    checked = [(config_path, "config_path"), (vault_binary, "vault_binary")]
    for value, what in checked + [(p, "read_write_paths entry") for p in read_write_paths]:
        if not valid.text(value, what).startswith("/") or " " in value:
            raise FieldError(f"{what} must be an absolute path without spaces, got {value!r}",
                             path=valid.field_name(what))
    # '+': as root, past ProtectSystem, so the agent's own user owns where it renders.
    make_dirs = "".join(f"ExecStartPre=+/usr/bin/install -d -o {user} -g {user} -m 0750 {p}\n"
                        for p in read_write_paths)
    return f"""[Unit]
Description={description or f"Vault Agent {name} (hashistack)"}
Documentation=https://developer.hashicorp.com/vault/docs/agent-and-proxy/agent
Wants=network-online.target{"".join(f" {u}" for u in after)}
After=network-online.target{"".join(f" {u}" for u in after)}

[Service]
User={user}
Group={user}
# /run/{runtime}: the token sink, gone at reboot; the agent logs in again.
RuntimeDirectory={runtime}
RuntimeDirectoryMode=0700
{make_dirs}ExecStart={vault_binary} agent -config={config_path}
ExecReload=/bin/kill -HUP $MAINPID
KillSignal=SIGINT
Restart=on-failure
RestartSec=5
NoNewPrivileges=yes
# /usr, /boot and /etc read-only, but where the templates write.
ProtectSystem=full
{"".join(f"ReadWritePaths={p}{chr(10)}" for p in read_write_paths)}PrivateTmp=yes

[Install]
WantedBy=multi-user.target
"""
