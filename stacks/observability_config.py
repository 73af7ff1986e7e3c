"""`[observability]` of an environment file: Prometheus scraping Vault, Consul, Nomad.

Paths here are files on the Prometheus machine. No token is ever written in
config: Vault's comes from the scraper's own Vault Agent (an AppRole login,
its sink is `vault.credentials_file`), Consul's is made out of band with the
policy this config names; Nomad's metrics need none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hashistack import _validate as valid
from hashistack import prometheus
from hashistack.names import VAULT_AGENT_PREFIX

if TYPE_CHECKING:
    from stacks.config import Environment


def _target(value: str) -> str:
    return prometheus.target(value, "the target")


def _prometheus_duration(value: str) -> str:
    if prometheus.duration_ms(value, "the duration") == 0:
        raise ValueError(f"{valid.shown(value)} must be longer than 0s")
    return value


def _name(value: str) -> str:
    if not valid.CONFIG_NAME.fullmatch(value):
        raise ValueError(f"{valid.shown(value)} may hold only ASCII letters, digits, '-' and '_'")
    return value


def _dns_name(value: str) -> str:
    if not valid.DNS_NAME.fullmatch(value):
        raise ValueError(f"{valid.shown(value)} is not a DNS name like vault.example.com")
    return value


Target = Annotated[str, AfterValidator(_target)]
PromDuration = Annotated[str, AfterValidator(_prometheus_duration)]
Name = Annotated[str, AfterValidator(_name)]
DnsName = Annotated[str, AfterValidator(_dns_name)]
MachineFile = Annotated[
    str, AfterValidator(lambda v: valid.file_path(v, "the path", absolute=True))
]
Cidr = Annotated[str, AfterValidator(lambda v: valid.cidr(v, "the value"))]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Scrape(Model):
    """Where and how Prometheus reaches one product."""

    targets: list[Target] | None = Field(default=None, min_length=1)  # None: its address
    ca_file: MachineFile | None = None  # None: <product>.tls.ca_file (if absolute)
    cert_file: MachineFile | None = None  # a client certificate, if the listener asks
    key_file: MachineFile | None = None
    server_name: DnsName | None = None  # None: <product>.tls.server_name

    @model_validator(mode="after")
    def _scrape(self) -> Scrape:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        if self.targets is not None and len(set(self.targets)) != len(self.targets):
            raise ValueError("targets: a target is listed twice")
        return self


class VaultScrape(Scrape):
    """The scraper logs in with AppRole `role` (its Vault Agent, rendered as
    prometheus-vault-agent.hcl, writes the token to `credentials_file`) and
    holds only `policy`: read on sys/metrics."""

    # The agent's own runtime directory (0700, the prometheus user's): None else reads it.
    credentials_file: MachineFile = "/run/prometheus-vault-agent/vault-token"
    role: Name = "prometheus"
    policy: Name = "prometheus-metrics"
    # The Prometheus machines: the secret ID does not expire, so it works from there only.
    bound_cidrs: list[Cidr] = Field(default_factory=list)
    role_dir: MachineFile = "/etc/vault-agent/prometheus"  # role_id and secret_id files

    @model_validator(mode="after")
    def _role(self) -> VaultScrape:
        if self.role.startswith(VAULT_AGENT_PREFIX):
            raise ValueError(f"role: {self.role!r} starts with {VAULT_AGENT_PREFIX!r}, the "
                             "prefix of the apps' Vault Agent roles")
        return self


class ConsulScrape(Scrape):
    """The token in `credentials_file` holds `policy` (agent read) only; it is
    made out of band: `consul acl token create -policy-name <policy>`."""

    credentials_file: MachineFile = "/etc/prometheus/consul-token"
    policy: Name = "prometheus-metrics"


class Observability(Model):
    """Prometheus scraping the three products (off unless `prometheus = true`)."""

    prometheus: bool = False
    scrape_interval: PromDuration = "30s"
    scrape_timeout: PromDuration = "10s"
    vault: VaultScrape = VaultScrape()
    consul: ConsulScrape = ConsulScrape()
    nomad: Scrape = Scrape()

    @model_validator(mode="after")
    def _timeout(self) -> Observability:
        if (prometheus.duration_ms(self.scrape_timeout, "scrape_timeout")
                > prometheus.duration_ms(self.scrape_interval, "scrape_interval")):
            raise ValueError(f"scrape_timeout {self.scrape_timeout} exceeds scrape_interval "
                             f"{self.scrape_interval} (Prometheus refuses that)")
        return self


PRODUCTS = ("vault", "consul", "nomad")


def default_target(address: str) -> str:
    """`host:port` of a product's address (the scheme's port if it names none)."""
    url = urlsplit(address)
    return url.netloc if url.port else f"{url.netloc}:{443 if url.scheme == 'https' else 80}"


def observability_problem(env: Environment) -> str | None:
    """What the environment lacks for its Prometheus config, if anything."""
    obs = env.observability
    if not obs.prometheus:
        return None
    for product in PRODUCTS:
        scrape: Scrape = getattr(obs, product)
        tls = getattr(env, product).tls
        https = getattr(env, product).address.startswith("https://")
        if https and scrape.ca_file is None and tls.ca_file and not tls.ca_file.startswith("/"):
            return (f"observability.{product}.ca_file is required: it defaults to "
                    f"{product}.tls.ca_file, {valid.shown(tls.ca_file)}, a relative path on "
                    "the deploy machine; the Prometheus machine needs an absolute one")
        if not https and (scrape.ca_file or scrape.cert_file):
            return f"observability.{product}: TLS files are set but {product}.address is http"
    return None
