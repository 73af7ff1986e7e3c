"""Small field validators shared by the model classes.

Each raises `FieldError` (a `HashistackError`, hence a ValueError) naming the
field it was given (`what`, e.g. "Task.name" or "period"), so a message says
which setting is wrong and the error's `path` is that field; each returns the
checked value so calls can be chained. Durations go through
`hashistack.durations.seconds`, the project's one duration grammar.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Sequence
from typing import Any, Literal, overload
from urllib.parse import urlsplit

from hashistack.durations import seconds
from hashistack.errors import FieldError

# Names: one grammar per rule, side by side; each names what it validates and whose
# rule it is.
# Names Nomad allows for jobs, groups and tasks (and similar identifiers).
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# Vault's framework.GenericNameRegex, `\w(([\w-.]+)?\w)?` (sdk/framework/path.go):
# token role names, the last segment of paths like auth/token/create/<role>.
# Anchored, used with .match (Python's `\w` also takes non-ASCII letters).
VAULT_NAME = re.compile(r"^\w(?:[\w.-]*\w)?$")
# A name that is one path segment and safe unquoted in shell and systemd lines: the
# legacy start-up script's Vault cert role and policy names and its unit's User=
# (nomad/bootstrap.py), and the Vault Agent unit's User= (nomad/vault_agent.py).
SHELL_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
# What an environment file names (stacks/config.py `Name`): ASCII letters, digits,
# '-' and '_', so it can join resource IDs, paths and file names as is.
CONFIG_NAME = re.compile(r"[A-Za-z0-9_-]+")
# A Nomad namespace name: Nomad's validNamespaceName, ^[a-zA-Z0-9-]{1,128}$
# (nomad/structs/structs.go): no '_' or '.', unlike job names.
NOMAD_NAMESPACE = re.compile(r"[a-zA-Z0-9-]{1,128}")
# A service name: an RFC 1123 label (letters, digits, '-', at most 63). Nomad
# refuses other names (job-specification/service.mdx `name`) and takes them in any
# case: SERVICE_NAME_ANY_CASE, the jobspec's `service` and `upstreams`. The config
# asks for lower case (stacks/config.py `ServiceName`), as a Consul service name is
# looked up in DNS, which ignores case, and Nomad job IDs accept it too.
SERVICE_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# re.ASCII: under IGNORECASE alone, [a-z] would also match 'K' (the Kelvin sign).
SERVICE_NAME_ANY_CASE = re.compile(SERVICE_NAME.pattern, re.IGNORECASE | re.ASCII)
# Consul's datacenter rule (agent/config/builder.go, Validate): ^[a-z0-9_-]+$.
DATACENTER = re.compile(r"[a-z0-9_-]+")
# POSIX environment variable names, any case / the upper-case convention.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ENV_NAME_UPPER = re.compile(r"[A-Z_][A-Z0-9_]*")
SIGNAL = re.compile(r"SIG[A-Z0-9]+")
# A Terraform variable a secret is given through: an identifier that is also an
# environment variable name after TF_VAR_ (hashistack/vault/secret_variable.py).
TF_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A Vault mount path: segments without globs, templates or edge slashes.
MOUNT_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")
# A systemd unit name as a unit file names another (`After=vault.service`), or
# one of its parts (the instance in `vault-agent@myapp.service`): systemd's
# unit name characters, ASCII letters, digits, ':', '-', '_', '.', and '@'
# before an instance (src/basic/unit-name.c VALID_CHARS_WITH_AT; its backslash, the
# escape of unit names made from paths, is left out). Inside a template unit
# (`vault-agent@.service`) its own instance is a specifier, `%i`, which systemd
# expands in the unit's lines: SYSTEMD_UNIT_IN_TEMPLATE takes `%` and a letter too.
_UNIT_CHARS = r"[A-Za-z0-9:_.@-]"
SYSTEMD_UNIT = re.compile(rf"{_UNIT_CHARS}+")
SYSTEMD_UNIT_IN_TEMPLATE = re.compile(rf"(?:{_UNIT_CHARS}|%[A-Za-z])+")


def field_name(what: str) -> str | None:
    """The field a message's `what` names, as `FieldError.path`: "Job.datacenters
    entry" is the field Job.datacenters; "" names none."""
    return what.removesuffix(" entry") or None


@overload
def text(value: Any, what: str, *, optional: Literal[False] = False) -> str: ...


@overload
def text(value: Any, what: str, *, optional: bool) -> str | None: ...


def text(value: Any, what: str, *, optional: bool = False) -> str | None:
    """A non-empty single-line string (no newline, carriage return or NUL).

    With `optional=True`, None passes too.
    """
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or any(c in value for c in "\n\r\0"):
        raise FieldError(f"{what} must be a non-empty single-line string, got {value!r}",
                         path=field_name(what))
    return value


def matches(value: Any, pattern: re.Pattern[str], what: str, expected: str) -> str:
    """A string wholly matching `pattern`; the message is "<what> <value> <expected>"."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise FieldError(f"{what} {value!r} {expected}", path=field_name(what))
    return value


def name(value: Any, what: str) -> str:
    """A job, group or task name: letters, digits, '_', '.', '-' (not first)."""
    return matches(value, NAME, what, "must be letters, digits, '_', '.', '-'")


def env_name(value: Any, what: str, *, upper: bool = False) -> str:
    """An environment variable name; `upper=True` asks for [A-Z_][A-Z0-9_]*."""
    if upper:
        return matches(value, ENV_NAME_UPPER, what, "must match [A-Z_][A-Z0-9_]*")
    return matches(value, ENV_NAME, what, "is not an environment variable name")


def signal(value: Any, what: str) -> str:
    """A signal name as Nomad and Vault take it ("SIGHUP", "SIGTERM")."""
    return matches(value, SIGNAL, what, "is not a signal name like 'SIGHUP'")


def abs_path(value: Any, what: str, *, spaces: bool = True) -> str:
    """A single-line absolute POSIX path; `spaces=False` also refuses whitespace
    (for paths that go into shell or systemd lines)."""
    path = text(value, what)
    if not posixpath.isabs(path) or (not spaces and re.search(r"\s", path)):
        detail = "an absolute path" if spaces else "an absolute path without spaces"
        raise FieldError(f"{what} must be {detail}, got {value!r}", path=field_name(what))
    return path


def duration(value: Any, what: str, *, optional: bool = False) -> int | None:
    """A Go-style duration ("10s", "1h30m", or int seconds); returns seconds."""
    if optional and value is None:  # a None that is not optional: `seconds` says why
        return None
    try:
        return seconds(value)
    except ValueError as err:
        raise FieldError(f"{what}: {err}", path=field_name(what)) from None


def port(value: Any, what: str) -> int:
    """A TCP/UDP port number 1-65535 (an int, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise FieldError(f"{what} must be a port number 1-65535, got {value!r}",
                         path=field_name(what))
    return value


def flag(value: Any, what: str, *, optional: bool = False) -> bool | None:
    """A bool (None passes with `optional=True`)."""
    if value is None and optional:
        return None
    if not isinstance(value, bool):
        allowed = "true, false or None" if optional else "true or false"
        raise FieldError(f"{what} must be {allowed}, got {value!r}", path=field_name(what))
    return value


def together(owner: str, **fields: Any) -> None:
    """Fields that are all set or all None ("X.cert_file and key_file ...")."""
    if len({v is None for v in fields.values()}) > 1:
        names = list(fields)
        joined = ", ".join(names[:-1]) + " and " + names[-1]
        missing = next(n for n, v in fields.items() if v is None)
        raise FieldError(f"{owner}.{joined} must be set together", path=f"{owner}.{missing}")


def unit_name(value: Any, what: str, *, in_template: bool = False) -> str:
    """A systemd unit name or part of one (`SYSTEMD_UNIT`); `in_template=True`
    also takes specifiers such as `%i`, for a line of a template unit."""
    pattern = SYSTEMD_UNIT_IN_TEMPLATE if in_template else SYSTEMD_UNIT
    return matches(text(value, what), pattern, what, "is not a unit name")


def mount_path(value: Any, what: str) -> str:
    """A Vault mount path such as "cert" or "auth/approle" (no globs, no edge '/')."""
    return matches(
        value, MOUNT_PATH, what, "is not a mount path like 'cert' (no globs, no edge '/')"
    )


# Grammars for values that reach Terraform, Nomad or the machines: one of each.

# A DNS name (RFC 1123 labels), as TLS server names and hosts are written.
DNS_NAME = re.compile(r"(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?")
# A container image reference: [host[:port]/]path[:tag][@algo:hex], lower-case path
# components joined by '.', '_', '__' or dashes (the distribution reference grammar).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?"
IMAGE = re.compile(
    rf"(?:{_HOST}/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"  # tag
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"  # digest
)
# Where HCL2 and Terraform start a template: `${` (interpolation), `%{` (directive).
TEMPLATE_START = re.compile(r"[$%]\{")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def shown(value: Any, limit: int = 60) -> str:
    """repr(value), cut to `limit` characters: messages name a value, never echo a file."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1]}"


def file_path(value: Any, what: str, *, absolute: bool = False) -> str:
    """A path a product or Terraform opens: one line, no quotes or backslashes
    (they would change meaning inside the `file("...")` and HCL strings it lands in)."""
    path = text(value, what)
    if _CONTROL.search(path) or any(c in path for c in '"\\'):
        raise FieldError(f"{what} {shown(value)} may not hold quotes, backslashes or "
                         "control characters", path=field_name(what))
    if absolute and not posixpath.isabs(path):
        raise FieldError(f"{what} must be an absolute path, got {shown(value)}",
                         path=field_name(what))
    return path


def cidr(value: Any, what: str) -> str:
    """An IP address or CIDR block, as Vault's bound_cidrs take them."""
    try:
        ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError):
        raise FieldError(f"{what} {shown(value)} is not an IP address or CIDR block "
                         "like 10.0.0.0/16", path=field_name(what)) from None
    return str(value)  # a str from the config model (ip_network would take an int too)


_PEM_CERTIFICATE = re.compile(
    r"-----BEGIN CERTIFICATE-----[ \t]*\r?\n(?:[A-Za-z0-9+/=]+[ \t]*\r?\n)+"
    r"-----END CERTIFICATE-----"
)


def certificates(value: Any, what: str) -> str:
    """PEM text holding CERTIFICATE blocks and nothing else.

    Where a CA certificate is expected, anything more (a private key, a stray
    `VAULT_TOKEN=` line) would be copied into Terraform state and JSON as is.
    """
    who = f"{what} " if what else ""
    if not isinstance(value, str):
        raise FieldError(f"{who}must be PEM text, got {shown(value)}", path=field_name(what))
    blocks = _PEM_CERTIFICATE.findall(value)
    rest = _PEM_CERTIFICATE.sub("", value)
    if not blocks:
        raise FieldError(f"{who}is not a PEM certificate (no well-formed -----BEGIN "
                         "CERTIFICATE----- ... -----END CERTIFICATE----- block)",
                         path=field_name(what))
    if rest.strip():
        extra = "a private key" if "PRIVATE KEY" in rest else "text outside them"
        raise FieldError(f"{who}holds {extra}; give only PEM CERTIFICATE blocks "
                         "(the CA certificates)", path=field_name(what))
    return value


# Addresses: one parser for the host of any address, and one rule for each kind of
# address a product takes.


def is_host(host: str) -> bool:
    """An IP address or a DNS name."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(DNS_NAME.fullmatch(host))


def address_host(address: str) -> str:
    """The host of `host:port`, `[v6]:port` or `scheme://host:port`, lower case;
    "" when there is none to read (e.g. an unclosed `[v6`)."""
    text = address if "://" in address else f"//{address}"
    try:
        return (urlsplit(text).hostname or "").lower()
    except ValueError:
        return ""


def is_url(value: Any, schemes: Sequence[str] = ("http", "https")) -> bool:
    """`scheme://host...` with a scheme of `schemes`: what Nomad's `vault.address`
    ("must include the protocol, host/ip, and port", NMD configuration/vault.mdx),
    Vault Agent's `vault.address` and a JWKS URL take."""
    if not isinstance(value, str):
        return False
    try:
        url = urlsplit(value)
    except ValueError:
        return False
    return url.scheme in schemes and bool(url.hostname)


def no_credentials(value: str) -> None:
    """Refuse `user:password@` in an address, before anything else parses (and so
    could echo) it: it would land in JSON, rendered files and, in the legacy flow,
    on a command line anyone can read with `ps`. Tokens come from the environment."""
    if "@" in value.split("://", 1)[-1].split("/", 1)[0]:
        raise FieldError("an address may not hold credentials (user:password@); "
                         "each tool reads its token from its own environment")


def server_address(value: str) -> str:
    """A server's base URL, `http(s)://host[:port]` and nothing after (an optional
    '/' is dropped): where Terraform and the agents reach Vault, Consul or Nomad."""
    no_credentials(value)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as err:
        raise FieldError(f"{shown(value)} is not an address: {err}") from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or not is_host(parts.hostname)
            or parts.path not in ("", "/") or parts.query or parts.fragment
            or "?" in value or "#" in value or port == 0):
        raise FieldError(f"{shown(value)} is not an address like https://vault.example.com:8200")
    return value.rstrip("/")


_HOST_PORT = re.compile(r"[^\s/]+:([0-9]{1,5})")


def is_agent_address(value: Any) -> bool:
    """`host:port` (port 1-65535) or `unix:///path`, what Nomad's `consul.address`
    and `grpc_address` take (NMD configuration/consul.mdx: the local Consul agent),
    and what a socket is dialed at (Go's net.Dial)."""
    if not isinstance(value, str) or _CONTROL.search(value):
        return False
    if value.startswith("unix:///"):
        return True
    m = _HOST_PORT.fullmatch(value)
    return m is not None and 0 < int(m.group(1)) < 65536


def agent_address(value: str) -> str:
    """An agent address (`is_agent_address`), refused without credentials in it."""
    no_credentials(value)
    if not is_agent_address(value):
        raise FieldError(f"{value!r} is not host:port (like 127.0.0.1:8501) or unix:///path")
    return value


def is_join_address(value: Any) -> bool:
    """A host (DNS name or IP address) with an optional `:port`: what Consul's
    `retry_join` and Nomad's `server_join.retry_join` take for a fixed server
    (cloud auto-join strings are not taken here)."""
    if not isinstance(value, str) or not value:
        return False
    host, sep, port_text = value.rpartition(":") if value.count(":") == 1 else ("", "", "")
    if sep:
        return is_host(host) and port_text.isdigit() and 0 < int(port_text) < 65536
    if value.startswith("[") and "]:" in value:
        v6, _, port_text = value[1:].partition("]:")
        return is_host(v6) and port_text.isdigit() and 0 < int(port_text) < 65536
    return is_host(value)


def join_host(join: str) -> str:
    """The host of a join address (`host`, `host:port`, `[v6]:port`, or a bare IPv6)."""
    if join.startswith("["):
        return join[:join.index("]") + 1]
    return join.rpartition(":")[0] if join.count(":") == 1 else join


def join_address(value: Any, what: str) -> str:
    """A server join address (`is_join_address`), else a FieldError naming `what`."""
    if not is_join_address(value):
        raise FieldError(f"{what} {shown(value)} is not a DNS name or IP address "
                         "(optionally with :port)", path=field_name(what))
    return str(value)
