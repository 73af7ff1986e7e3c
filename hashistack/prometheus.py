"""A Prometheus scrape configuration for Vault, Consul and Nomad (pure).

Field names are Prometheus' own (prometheus/prometheus
docs/configuration/configuration.md: `global`, `<scrape_config>`,
`<http_config>`'s `authorization`, `<tls_config>`, `<static_config>`).
Tokens never appear here: a job that needs one names the file it is in
(`authorization.credentials_file`), which Prometheus reads again on every
scrape (prometheus/common config/http_config.go `FileSecret.Fetch`), so a
token a Vault Agent renews or replaces there is picked up without a reload.

The product jobs (`vault_job`, `consul_job`, `nomad_job`) encode each
product's metrics endpoint, with its source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hashistack import _validate as valid
from hashistack.errors import FieldError

# configuration.md, "Generic placeholders": <duration>.
DURATION = re.compile(r"(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?"
                      r"(([0-9]+)s)?(([0-9]+)ms)?|0")
_UNITS_MS = {"y": 365 * 86400_000, "w": 7 * 86400_000, "d": 86400_000, "h": 3600_000,
             "m": 60_000, "s": 1000, "ms": 1}
# <job_name>: any string; kept to what reads well as the `job` label.
JOB_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# <host>: "a hostname or IP followed by an optional port number".
_TARGET = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+)(?::(?P<port>[0-9]{1,5}))?")


def duration_ms(value: str, what: str) -> int:
    """Milliseconds in a Prometheus `<duration>`; FieldError naming `what` if it is not one."""
    text = valid.text(value, what)
    if not text or not DURATION.fullmatch(text):
        raise FieldError(f"{what} {valid.shown(value)} is not a Prometheus duration like 30s, "
                         "1m or 1h30m", path=what)
    return sum(int(n) * _UNITS_MS[u] for n, u in re.findall(r"([0-9]+)(ms|[ywdhms])", text))


def target(value: str, what: str = "target") -> str:
    """A `<host>`: host name or IP address and an optional port (1-65535)."""
    text = valid.text(value, what)
    m = _TARGET.fullmatch(text)
    host = m["host"].strip("[]") if m else ""
    if m is None or not valid.is_host(host) or (m["port"] and not 0 < int(m["port"]) < 65536):
        raise FieldError(f"{what} {valid.shown(value)} is not host:port like "
                         "vault.example.com:8200", path=what)
    return text


@dataclass(frozen=True)
class TlsConfig:
    """`<tls_config>`: files on the Prometheus machine."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None

    def __post_init__(self) -> None:
        for name in ("ca_file", "cert_file", "key_file"):
            value = getattr(self, name)
            if value is not None:
                valid.file_path(value, f"TlsConfig.{name}", absolute=True)
        valid.together("TlsConfig", cert_file=self.cert_file, key_file=self.key_file)
        if self.server_name is not None and not valid.DNS_NAME.fullmatch(self.server_name):
            raise FieldError(f"TlsConfig.server_name {valid.shown(self.server_name)} is not a "
                             "DNS name", path="TlsConfig.server_name")

    def to_dict(self) -> dict[str, str]:
        """The `tls_config` mapping, unset fields left out."""
        return {k: v for k, v in (("ca_file", self.ca_file), ("cert_file", self.cert_file),
                                  ("key_file", self.key_file),
                                  ("server_name", self.server_name)) if v is not None}


@dataclass(frozen=True)
class ScrapeJob:
    """One `<scrape_config>` with static targets.

    `credentials_file` becomes `authorization: {credentials_file: ...}`
    (type Bearer, Prometheus' default): the file holds the token, never this
    model. `params` are the URL parameters (`?format=prometheus`).
    """

    job_name: str
    targets: Sequence[str]
    metrics_path: str = "/metrics"
    scheme: str = "http"
    params: Mapping[str, Sequence[str]] = field(default_factory=dict)
    credentials_file: str | None = None
    tls: TlsConfig | None = None
    scrape_interval: str | None = None

    def __post_init__(self) -> None:
        where = f"ScrapeJob {self.job_name!r}"
        if not isinstance(self.job_name, str) or not JOB_NAME.fullmatch(self.job_name):
            raise FieldError(f"ScrapeJob.job_name {valid.shown(self.job_name)} must be letters, "
                             "digits, '_', '.' or '-'", path="ScrapeJob.job_name")
        object.__setattr__(self, "targets", tuple(self.targets))
        if not self.targets:
            raise FieldError(f"{where}: targets is empty", path="ScrapeJob.targets")
        for t in self.targets:
            target(t, f"{where} target")
        if len(set(self.targets)) != len(self.targets):
            raise FieldError(f"{where}: a target is listed twice", path="ScrapeJob.targets")
        if self.scheme not in ("http", "https"):
            raise FieldError(f"{where}: scheme must be http or https, got "
                             f"{valid.shown(self.scheme)}", path="ScrapeJob.scheme")
        if not self.metrics_path.startswith("/") or "?" in self.metrics_path:
            raise FieldError(f"{where}: metrics_path must be a URL path (query in params), got "
                             f"{valid.shown(self.metrics_path)}", path="ScrapeJob.metrics_path")
        object.__setattr__(self, "params", {k: tuple(v) for k, v in self.params.items()})
        if self.credentials_file is not None:
            valid.file_path(self.credentials_file, f"{where} credentials_file", absolute=True)
        if self.tls is not None and self.scheme != "https":
            raise FieldError(f"{where}: tls is set but scheme is http", path="ScrapeJob.tls")
        if self.scrape_interval is not None:
            duration_ms(self.scrape_interval, f"{where} scrape_interval")

    def to_dict(self) -> dict[str, Any]:
        """The `<scrape_config>` mapping, in configuration.md's order."""
        job: dict[str, Any] = {"job_name": self.job_name}
        if self.scrape_interval is not None:
            job["scrape_interval"] = self.scrape_interval
        job["metrics_path"] = self.metrics_path
        job["scheme"] = self.scheme
        if self.params:
            job["params"] = {k: list(v) for k, v in self.params.items()}
        if self.credentials_file is not None:
            job["authorization"] = {"credentials_file": self.credentials_file}
        if self.tls is not None and self.tls.to_dict():
            job["tls_config"] = self.tls.to_dict()
        job["static_configs"] = [{"targets": list(self.targets)}]
        return job


@dataclass(frozen=True)
class ScrapeConfig:
    """A `prometheus.yml`: `global` intervals and the `scrape_configs`."""

    jobs: Sequence[ScrapeJob]
    scrape_interval: str = "1m"
    scrape_timeout: str = "10s"

    def __post_init__(self) -> None:
        object.__setattr__(self, "jobs", tuple(self.jobs))
        if not self.jobs:
            raise FieldError("ScrapeConfig.jobs is empty: nothing to scrape",
                             path="ScrapeConfig.jobs")
        names = [j.job_name for j in self.jobs]
        if len(set(names)) != len(names):
            raise FieldError(f"ScrapeConfig.jobs: job names repeat ({', '.join(names)}); "
                             "Prometheus refuses that", path="ScrapeConfig.jobs")
        interval = duration_ms(self.scrape_interval, "ScrapeConfig.scrape_interval")
        timeout = duration_ms(self.scrape_timeout, "ScrapeConfig.scrape_timeout")
        if interval == 0:
            raise FieldError("ScrapeConfig.scrape_interval must be longer than 0s",
                             path="ScrapeConfig.scrape_interval")
        # configuration.md: scrape_timeout "cannot be greater than the scrape interval".
        shortest = min([interval] + [duration_ms(j.scrape_interval, "scrape_interval")
                                     for j in self.jobs if j.scrape_interval is not None])
        if timeout > shortest:
            raise FieldError(f"ScrapeConfig.scrape_timeout {self.scrape_timeout} is longer than "
                             "a scrape interval; Prometheus refuses that",
                             path="ScrapeConfig.scrape_timeout")

    def to_dict(self) -> dict[str, Any]:
        """The whole file as a mapping."""
        return {
            "global": {"scrape_interval": self.scrape_interval,
                       "scrape_timeout": self.scrape_timeout},
            "scrape_configs": [j.to_dict() for j in self.jobs],
        }

    def to_yaml(self) -> str:
        """`prometheus.yml` text: block-style YAML, keys in the order written."""
        import yaml  # type: ignore[import-untyped,unused-ignore]  # no stubs in the venv

        header = "# Rendered by hashistack: Vault, Consul and Nomad metrics.\n"
        return header + str(yaml.safe_dump(self.to_dict(), sort_keys=False,
                                           default_flow_style=False))


# The products' endpoints. Each answers Prometheus' text format with
# `?format=prometheus` once its telemetry has Prometheus on.
PROMETHEUS_FORMAT = {"format": ("prometheus",)}


def vault_job(targets: Sequence[str], *, scheme: str = "https", credentials_file: str | None,
              tls: TlsConfig | None = None, job_name: str = "vault") -> ScrapeJob:
    """Vault's `GET /v1/sys/metrics?format=prometheus`.

    hashicorp/vault website/content/api-docs/system/metrics.mdx (the path and
    `format`), docs/configuration/telemetry.mdx (a token is required, unless
    the listener has `unauthenticated_metrics_access`; standbys redirect an
    authenticated scrape to the active node). The token needs `read` on
    `sys/metrics`: presets.sys_metrics_reader.
    """
    return ScrapeJob(job_name=job_name, targets=targets, metrics_path="/v1/sys/metrics",
                     scheme=scheme, params=PROMETHEUS_FORMAT, credentials_file=credentials_file,
                     tls=tls)


def consul_job(targets: Sequence[str], *, scheme: str = "https", credentials_file: str | None,
               tls: TlsConfig | None = None, job_name: str = "consul") -> ScrapeJob:
    """Consul's `GET /v1/agent/metrics?format=prometheus`.

    hashicorp/consul website/content/api-docs/agent/index.mdx, "View Metrics":
    ACL Required `agent:read`; Prometheus output needs the agent's
    `telemetry.prometheus_retention_time`. The token: acl_rules.agent_metrics_rules.
    """
    return ScrapeJob(job_name=job_name, targets=targets, metrics_path="/v1/agent/metrics",
                     scheme=scheme, params=PROMETHEUS_FORMAT, credentials_file=credentials_file,
                     tls=tls)


def nomad_job(targets: Sequence[str], *, scheme: str = "https", tls: TlsConfig | None = None,
              job_name: str = "nomad") -> ScrapeJob:
    """Nomad's `GET /v1/metrics?format=prometheus`: no token.

    NMD@v1.10.0 website/content/api-docs/metrics.mdx: ACL Required `none`;
    command/agent/metrics_endpoint.go checks no ACL and answers 415 "Prometheus
    is not enabled" unless the agent's `telemetry.prometheus_metrics` is true.
    """
    return ScrapeJob(job_name=job_name, targets=targets, metrics_path="/v1/metrics",
                     scheme=scheme, params=PROMETHEUS_FORMAT, tls=tls)
