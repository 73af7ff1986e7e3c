"""Small field validators shared by the model classes.

Each raises ValueError naming the field it was given (`what`, e.g.
"Task.name" or "period"), so a message says which setting is wrong, and
returns the checked value so calls can be chained. Durations go through
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
# (nomad/bootstrap.py).
SHELL_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
# What an environment file names (stacks/config.py `Name`): ASCII letters, digits,
# '-' and '_', so it can join resource IDs, paths and file names as is.
CONFIG_NAME = re.compile(r"[A-Za-z0-9_-]+")
# A Consul service name: a lower-case DNS label (RFC 1123), which Nomad job IDs
# accept too (stacks/config.py `ServiceName`).
SERVICE_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Consul's datacenter rule (agent/config/builder.go, Validate): ^[a-z0-9_-]+$.
DATACENTER = re.compile(r"[a-z0-9_-]+")
# POSIX environment variable names, any case / the upper-case convention.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ENV_NAME_UPPER = re.compile(r"[A-Z_][A-Z0-9_]*")
SIGNAL = re.compile(r"SIG[A-Z0-9]+")
# A Vault mount path: segments without globs, templates or edge slashes.
MOUNT_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")


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
        raise ValueError(f"{what} must be a non-empty single-line string, got {value!r}")
    return value


def matches(value: Any, pattern: re.Pattern[str], what: str, expected: str) -> str:
    """A string wholly matching `pattern`; the message is "<what> <value> <expected>"."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{what} {value!r} {expected}")
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
        raise ValueError(f"{what} must be {detail}, got {value!r}")
    return path


def duration(value: Any, what: str, *, optional: bool = False) -> int | None:
    """A Go-style duration ("10s", "1h30m", or int seconds); returns seconds."""
    if value is None and optional:
        return None
    try:
        return seconds(value)
    except ValueError as err:
        raise ValueError(f"{what}: {err}") from None


def port(value: Any, what: str) -> int:
    """A TCP/UDP port number 1-65535 (an int, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"{what} must be a port number 1-65535, got {value!r}")
    return value


def flag(value: Any, what: str, *, optional: bool = False) -> bool | None:
    """A bool (None passes with `optional=True`)."""
    if value is None and optional:
        return None
    if not isinstance(value, bool):
        allowed = "true, false or None" if optional else "true or false"
        raise ValueError(f"{what} must be {allowed}, got {value!r}")
    return value


def together(owner: str, **fields: Any) -> None:
    """Fields that are all set or all None ("X.cert_file and key_file ...")."""
    if len({v is None for v in fields.values()}) > 1:
        names = list(fields)
        joined = ", ".join(names[:-1]) + " and " + names[-1]
        raise ValueError(f"{owner}.{joined} must be set together")


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
        raise ValueError(f"{what} {shown(value)} may not hold quotes, backslashes or "
                         "control characters")
    if absolute and not posixpath.isabs(path):
        raise ValueError(f"{what} must be an absolute path, got {shown(value)}")
    return path


def cidr(value: Any, what: str) -> str:
    """An IP address or CIDR block, as Vault's bound_cidrs take them."""
    try:
        ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError):
        raise ValueError(f"{what} {shown(value)} is not an IP address or CIDR block "
                         "like 10.0.0.0/16") from None
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
        raise ValueError(f"{who}must be PEM text, got {shown(value)}")
    blocks = _PEM_CERTIFICATE.findall(value)
    rest = _PEM_CERTIFICATE.sub("", value)
    if not blocks:
        raise ValueError(f"{who}is not a PEM certificate (no well-formed -----BEGIN "
                         "CERTIFICATE----- ... -----END CERTIFICATE----- block)")
    if rest.strip():
        extra = "a private key" if "PRIVATE KEY" in rest else "text outside them"
        raise ValueError(f"{who}holds {extra}; give only PEM CERTIFICATE blocks "
                         "(the CA certificates)")
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
        raise ValueError("an address may not hold credentials (user:password@); "
                         "each tool reads its token from its own environment")


def server_address(value: str) -> str:
    """A server's base URL, `http(s)://host[:port]` and nothing after (an optional
    '/' is dropped): where Terraform and the agents reach Vault, Consul or Nomad."""
    no_credentials(value)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as err:
        raise ValueError(f"{shown(value)} is not an address: {err}") from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or not is_host(parts.hostname)
            or parts.path not in ("", "/") or parts.query or parts.fragment
            or "?" in value or "#" in value or port == 0):
        raise ValueError(f"{shown(value)} is not an address like https://vault.example.com:8200")
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
        raise ValueError(f"{value!r} is not host:port (like 127.0.0.1:8501) or unix:///path")
    return value
