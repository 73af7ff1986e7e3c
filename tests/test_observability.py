"""Metrics (issue 12 §4): the scraper's access, proven; prometheus.yml, parsed and held
to Prometheus' documented fields; the environment's `[observability]`; the stacks."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from hashistack import prometheus
from hashistack.consul.acl_rules import agent_metrics_rules
from hashistack.errors import FieldError
from hashistack.prometheus import ScrapeConfig, ScrapeJob, TlsConfig
from hashistack.vault import presets
from hashistack.vault.acl import OPERATIONS, Acl
from stacks.config import ConfigError, Environment, load
from tests import hashicorp_hcl
from tests.synth_json import policies, resources

ROOT = Path(__file__).resolve().parent.parent

# prometheus/prometheus docs/configuration/configuration.md: the keys each section
# takes (the service-discovery lists other than static_configs left out: unused here).
GLOBAL_KEYS = {
    "scrape_interval", "scrape_timeout", "scrape_protocols", "evaluation_interval",
    "rule_query_offset", "external_labels", "query_log_file", "scrape_failure_log_file",
    "body_size_limit", "sample_limit", "label_limit", "label_name_length_limit",
    "label_value_length_limit", "target_limit", "keep_dropped_targets",
    "metric_name_validation_scheme", "metric_name_escaping_scheme",
}
HTTP_CONFIG_KEYS = {  # <http_config>, inlined in <scrape_config>
    "basic_auth", "authorization", "oauth2", "follow_redirects", "enable_http2", "tls_config",
    "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "http_headers",
}
SCRAPE_CONFIG_KEYS = {
    "job_name", "scrape_interval", "scrape_timeout", "scrape_protocols",
    "fallback_scrape_protocol", "metrics_path", "honor_labels", "honor_timestamps",
    "track_timestamps_staleness", "scheme", "params", "enable_compression",
    "scrape_failure_log_file", "static_configs", "relabel_configs", "metric_relabel_configs",
    "body_size_limit", "sample_limit", "label_limit", "label_name_length_limit",
    "label_value_length_limit", "target_limit", "keep_dropped_targets",
    "metric_name_validation_scheme", "metric_name_escaping_scheme",
    "native_histogram_bucket_limit", "native_histogram_min_bucket_factor",
} | HTTP_CONFIG_KEYS
AUTHORIZATION_KEYS = {"type", "credentials", "credentials_file"}
TLS_CONFIG_KEYS = {"ca", "ca_file", "cert", "cert_file", "key", "key_file", "server_name",
                   "insecure_skip_verify", "min_version", "max_version"}
STATIC_CONFIG_KEYS = {"targets", "labels"}


def schema_problems(doc: object) -> list[str]:
    """Where `doc` (a parsed prometheus.yml) leaves the documented schema."""
    problems: list[str] = []

    def keys(where: str, value: object, allowed: set[str]) -> dict:
        if not isinstance(value, dict):
            problems.append(f"{where}: not a mapping")
            return {}
        problems.extend(f"{where}.{k}: not a documented field" for k in set(value) - allowed)
        return value

    def duration(where: str, value: object) -> None:
        if not isinstance(value, str) or not prometheus.DURATION.fullmatch(value):
            problems.append(f"{where}: {value!r} is not a <duration>")

    top = keys("", doc, {"global", "scrape_configs", "rule_files", "alerting",
                         "remote_write", "remote_read", "storage", "tracing", "runtime",
                         "otlp", "scrape_config_files"})
    glob = keys("global", top.get("global", {}), GLOBAL_KEYS)
    for k in ("scrape_interval", "scrape_timeout"):
        if k in glob:
            duration(f"global.{k}", glob[k])
    names = []
    for i, job in enumerate(top.get("scrape_configs") or []):
        where = f"scrape_configs[{i}]"
        job = keys(where, job, SCRAPE_CONFIG_KEYS)
        names.append(job.get("job_name"))
        if not isinstance(job.get("job_name"), str):
            problems.append(f"{where}.job_name: required string")
        if job.get("scheme", "http") not in ("http", "https"):
            problems.append(f"{where}.scheme: not http or https")
        if not str(job.get("metrics_path", "/metrics")).startswith("/"):
            problems.append(f"{where}.metrics_path: not a path")
        for k, v in (job.get("params") or {}).items():
            if not (isinstance(v, list) and all(isinstance(s, str) for s in v)):
                problems.append(f"{where}.params.{k}: not a list of strings")
        auth = keys(f"{where}.authorization", job.get("authorization", {}), AUTHORIZATION_KEYS)
        if "credentials" in auth and "credentials_file" in auth:
            problems.append(f"{where}.authorization: credentials and credentials_file")
        keys(f"{where}.tls_config", job.get("tls_config", {}), TLS_CONFIG_KEYS)
        for j, static in enumerate(job.get("static_configs") or []):
            static = keys(f"{where}.static_configs[{j}]", static, STATIC_CONFIG_KEYS)
            if not all(isinstance(t, str) for t in static.get("targets", [])):
                problems.append(f"{where}.static_configs[{j}].targets: not strings")
    if len(set(names)) != len(names):
        problems.append("scrape_configs: job_name repeats")
    return problems


# Vault: the scraper's policy, proven with the ACL engine.


def test_vault_scraper_policy_is_read_on_sys_metrics_and_nothing_else():
    doc = presets.sys_metrics_reader()
    assert doc.name == "prometheus-metrics"
    assert [(r.path, r.capabilities) for r in doc.rules] == [("sys/metrics", ("read",))]
    acl = Acl.from_policies(doc)
    assert acl.capabilities("sys/metrics") == ["read"]
    assert [op for op in OPERATIONS if acl.allows("sys/metrics", op)] == ["read"]
    # The path is exact: no neighbour, no child, no other system path.
    for path in ("sys/metrics/x", "sys/metricsx", "sys/mounts", "sys/policies/acl/x",
                 "sys/pprof/heap", "sys/internal/counters/activity", "sys/in-flight-req",
                 "auth/token/create", "secret/data/x", "sys/seal", "sys/raw/core"):
        assert acl.capabilities(path) == ["deny"], path
    # A leading '/' (how the docs write it) is the same path to Vault.
    assert acl.allows("/sys/metrics", "read")


def test_vault_scraper_policy_text_parses_back_to_the_same_access():
    text = presets.sys_metrics_reader("scraper").to_hcl()
    assert Acl.from_hcl(text).capabilities("sys/metrics") == ["read"]
    with pytest.raises(FieldError, match="not a plain name"):
        presets.sys_metrics_reader("a/b")


# Consul: the rules, parsed with HashiCorp's parser.


def test_consul_metrics_rules_are_agent_read_only():
    parsed = hashicorp_hcl.parse(agent_metrics_rules(), "metrics.hcl")
    assert parsed == {"agent_prefix": {"": [{"policy": "read"}]}}


# prometheus.yml: the model.


def test_product_jobs_use_the_documented_endpoints():
    vault = prometheus.vault_job(["v:8200"], credentials_file="/run/t")
    consul = prometheus.consul_job(["c:8501"], credentials_file="/etc/c")
    nomad = prometheus.nomad_job(["n:4646"])
    assert (vault.metrics_path, consul.metrics_path, nomad.metrics_path) == (
        "/v1/sys/metrics", "/v1/agent/metrics", "/v1/metrics")
    for job in (vault, consul, nomad):
        assert job.to_dict()["params"] == {"format": ["prometheus"]}
    assert "authorization" not in nomad.to_dict()  # Nomad: ACL Required none
    assert vault.to_dict()["authorization"] == {"credentials_file": "/run/t"}


def test_yaml_parses_and_fits_the_documented_schema():
    config = ScrapeConfig(
        jobs=[
            prometheus.vault_job(["vault-1.example.com:8200", "10.0.0.2:8200"],
                                 credentials_file="/run/p/vault-token",
                                 tls=TlsConfig(ca_file="/etc/ca.pem",
                                               server_name="vault.example.com")),
            prometheus.consul_job(["[::1]:8501"], credentials_file="/etc/p/consul-token",
                                  tls=TlsConfig(ca_file="/etc/ca.pem", cert_file="/etc/c.pem",
                                                key_file="/etc/k.pem")),
            prometheus.nomad_job(["nomad:4646"], scheme="http"),
        ],
        scrape_interval="15s",
    )
    text = config.to_yaml()
    doc = yaml.safe_load(text)
    assert schema_problems(doc) == []
    assert doc == config.to_dict()
    vault, consul, nomad = doc["scrape_configs"]
    assert vault["static_configs"] == [{"targets": ["vault-1.example.com:8200", "10.0.0.2:8200"]}]
    assert vault["tls_config"] == {"ca_file": "/etc/ca.pem", "server_name": "vault.example.com"}
    assert consul["tls_config"]["cert_file"] == "/etc/c.pem"
    assert nomad["scheme"] == "http" and "tls_config" not in nomad
    assert doc["global"] == {"scrape_interval": "15s", "scrape_timeout": "10s"}


def test_the_schema_check_finds_undocumented_fields():
    doc = ScrapeConfig(jobs=[prometheus.nomad_job(["n:4646"])]).to_dict()
    doc["scrape_configs"][0]["bearer_token"] = "x"  # removed from Prometheus (3.x)
    doc["scrape_configs"][0]["tls_config"] = {"ca_file": "/a", "verify": True}
    doc["global"]["scrape_interval"] = "1.5m"
    assert sorted(schema_problems(doc)) == [
        "global.scrape_interval: '1.5m' is not a <duration>",
        "scrape_configs[0].bearer_token: not a documented field",
        "scrape_configs[0].tls_config.verify: not a documented field",
    ]


@pytest.mark.parametrize(("make", "message"), [
    (lambda: ScrapeJob(job_name="x", targets=[]), "targets is empty"),
    (lambda: ScrapeJob(job_name="x", targets=["a:1", "a:1"]), "listed twice"),
    (lambda: ScrapeJob(job_name="x", targets=["http://a:1"]), "not host:port"),
    (lambda: ScrapeJob(job_name="x", targets=["a:70000"]), "not host:port"),
    (lambda: ScrapeJob(job_name="x", targets=["a:1"], scheme="ftp"), "http or https"),
    (lambda: ScrapeJob(job_name="x", targets=["a:1"], metrics_path="/m?format=p"), "URL path"),
    (lambda: ScrapeJob(job_name="x", targets=["a:1"], credentials_file="token"), "absolute"),
    (lambda: ScrapeJob(job_name="x", targets=["a:1"], tls=TlsConfig()), "scheme is http"),
    (lambda: ScrapeJob(job_name="a b", targets=["a:1"]), "job_name"),
    (lambda: TlsConfig(cert_file="/c"), "set together"),
    (lambda: ScrapeConfig(jobs=[]), "nothing to scrape"),
    (lambda: ScrapeConfig(jobs=[prometheus.nomad_job(["a:1"]), prometheus.nomad_job(["b:1"])]),
     "job names repeat"),
    (lambda: ScrapeConfig(jobs=[prometheus.nomad_job(["a:1"])], scrape_interval="5s"),
     "scrape_timeout"),
    (lambda: ScrapeConfig(jobs=[prometheus.nomad_job(["a:1"])], scrape_interval="30 s"),
     "Prometheus duration"),
])
def test_bad_models_are_refused_naming_the_field(make, message):
    with pytest.raises(FieldError, match=message):
        make()


def test_promtool_accepts_the_file(tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("no promtool binary on this machine; the schema test above holds the "
                    "fields to configuration.md instead")
    (tmp_path / "token").write_text("x\n")
    (tmp_path / "ca.pem").write_text("")
    config = ScrapeConfig(jobs=[
        prometheus.vault_job(["v:8200"], credentials_file=str(tmp_path / "token"),
                             tls=TlsConfig(ca_file=str(tmp_path / "ca.pem"))),
        prometheus.nomad_job(["n:4646"]),
    ])
    (tmp_path / "prometheus.yml").write_text(config.to_yaml())
    done = subprocess.run([promtool, "check", "config", "--syntax-only",
                           str(tmp_path / "prometheus.yml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# [observability] in the environment file.

BASE = {"name": "t", "observability": {"prometheus": True}}


def test_targets_default_to_each_products_address():
    from stacks.observability import scrape_config

    env = Environment.model_validate({**BASE, "vault": {"address": "https://vault.example.com"}})
    jobs = {j.job_name: j for j in scrape_config(env).jobs}
    assert jobs["vault"].targets == ("vault.example.com:443",)
    assert jobs["vault"].scheme == "https"
    assert jobs["consul"].targets == ("127.0.0.1:8500",) and jobs["consul"].scheme == "http"
    # dev: Consul without ACLs takes no token; Vault always does.
    assert jobs["consul"].credentials_file is None
    assert jobs["vault"].credentials_file == "/run/prometheus-vault-agent/vault-token"


def test_targets_default_to_each_server_of_a_cluster():
    from stacks.config import load
    from stacks.observability import scrape_config

    env = load(ROOT / "environments" / "prod.toml")
    jobs = {j.job_name: j for j in scrape_config(env).jobs}
    # A standby redirects an authenticated scrape to the active node: the address.
    assert jobs["vault"].targets == ("vault.prod.example.internal:8200",)
    open_metrics = env.model_copy(update={"vault": env.vault.model_copy(update={
        "cluster": env.vault.cluster.model_copy(
            update={"unauthenticated_metrics_access": True})})})
    assert {j.job_name: j for j in scrape_config(open_metrics).jobs}["vault"].targets == tuple(
        f"vault-{i}.prod.example.internal:8200" for i in range(1, 6))
    assert jobs["consul"].targets == tuple(
        f"prod-consul-{i}.example.internal:8501" for i in range(1, 4))
    assert jobs["nomad"].targets == tuple(
        f"nomad-{i}.prod.example.internal:4646" for i in range(1, 4))


def test_a_join_address_with_a_port_scrapes_the_api_port():
    from hashistack._validate import join_host as _host

    assert [_host(s) for s in ("a.example", "a.example:8301", "10.0.0.1:8301",
                               "[fd00::1]:8301", "fd00::1")] == [
        "a.example", "a.example", "10.0.0.1", "[fd00::1]", "fd00::1"]


def test_targets_and_files_from_the_file():
    from stacks.observability import scrape_config

    env = Environment.model_validate({
        "name": "t", "consul": {"acl": True},
        "observability": {"prometheus": True, "scrape_interval": "1m",
                          "nomad": {"targets": ["n1:4646", "n2:4646"]},
                          "consul": {"credentials_file": "/srv/c"}},
    })
    config = scrape_config(env)
    jobs = {j.job_name: j for j in config.jobs}
    assert jobs["nomad"].targets == ("n1:4646", "n2:4646")
    assert jobs["consul"].credentials_file == "/srv/c"
    assert config.scrape_interval == "1m"


@pytest.mark.parametrize(("observability", "message"), [
    ({"scrape_interval": "5s"}, "scrape_timeout 10s exceeds scrape_interval 5s"),
    ({"scrape_interval": "1.5m"}, "not a Prometheus duration"),
    ({"nomad": {"targets": []}}, "at least 1"),
    ({"nomad": {"targets": ["n:1", "n:1"]}}, "listed twice"),
    ({"vault": {"credentials_file": "token"}}, "absolute"),
    ({"vault": {"role": "vault-agent-x"}}, "apps' Vault Agent roles"),
    ({"vault": {"token": "s.x"}}, "unknown key"),
    ({"consul": {"cert_file": "/c"}}, "go together"),
    ({"nomad": {"ca_file": "/ca.pem"}}, "nomad.address is http"),
])
def test_bad_observability_config_is_one_clear_error(tmp_path, observability, message):
    path = tmp_path / "t.toml"
    lines = ["[observability]", "prometheus = true"]
    for key, value in observability.items():
        if isinstance(value, dict):
            lines.append(f"[observability.{key}]")
            lines.extend(f"{k} = {json.dumps(v)}" for k, v in value.items())
        else:
            lines.insert(2, f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match=message) as err:
        load(path)
    assert str(path) in str(err.value)


def test_a_relative_ca_file_needs_the_prometheus_machines_own():
    data = {"name": "t", "tier": "dev", "observability": {"prometheus": True},
            "vault": {"address": "https://v:8200", "tls": {"ca_file": "certs/ca.pem"}}}
    with pytest.raises(ValueError, match="observability.vault.ca_file is required"):
        Environment.model_validate(data)
    data["observability"]["vault"] = {"ca_file": "/etc/prometheus/ca.pem"}
    Environment.model_validate(data)


def test_off_by_default_and_nothing_rendered():
    from stacks.observability import rendered_files

    env = Environment.model_validate({"name": "t"})
    assert env.observability.prometheus is False
    assert rendered_files(env) == {}


# The composed stacks (the shipped environments).


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_stacks_grant_the_scraper_exactly_its_access(shipped, env):
    out, stacks = shipped
    vault, consul = stacks[f"{env}-vault"], stacks[f"{env}-consul"]
    text = policies(vault)["prometheus-metrics"]
    acl = Acl.from_hcl(text)
    assert acl.capabilities("sys/metrics") == ["read"]
    assert acl.capabilities("sys/metrics/x") == ["deny"]
    role = next(r for r in resources(vault, "vault_approle_auth_backend_role").values()
                if r["role_name"] == "prometheus")
    assert role["token_policies"] == ["prometheus-metrics"]
    assert role["secret_id_ttl"] == 0 and role["secret_id_bound_cidrs"]
    assert role["token_bound_cidrs"] == role["secret_id_bound_cidrs"]
    acl_policy = next(p for p in resources(consul, "consul_acl_policy").values()
                      if p["name"] == "prometheus-metrics")
    assert hashicorp_hcl.parse(acl_policy["rules"]) == {"agent_prefix": {"": [{"policy": "read"}]}}
    # No token anywhere in what was synthesized: only the file names.
    assert not resources(vault, "vault_token")


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_rendered_prometheus_files(shipped, env):
    out, _ = shipped
    rendered = out / "stacks" / f"{env}-nomad" / "rendered"
    doc = yaml.safe_load((rendered / "prometheus.yml").read_text())
    assert schema_problems(doc) == []
    jobs = {j["job_name"]: j for j in doc["scrape_configs"]}
    assert set(jobs) == {"vault", "consul", "nomad"}
    assert jobs["vault"]["static_configs"] == [
        {"targets": [f"vault.{env}.example.internal:8200"]}]
    assert len(jobs["consul"]["static_configs"][0]["targets"]) == 3  # each server
    assert jobs["vault"]["authorization"]["credentials_file"] == (
        "/run/prometheus-vault-agent/vault-token")
    assert "authorization" not in jobs["nomad"]
    assert all(j["scheme"] == "https" and j["tls_config"]["ca_file"] for j in jobs.values())
    agent = hashicorp_hcl.parse((rendered / "prometheus-vault-agent.hcl").read_text())
    sink = agent["auto_auth"][0]["sink"]["file"][0]["config"]
    assert sink == {"path": "/run/prometheus-vault-agent/vault-token", "mode": 0o600}
    method = agent["auto_auth"][0]["method"]["approle"][0]
    assert method["config"]["remove_secret_id_file_after_reading"] is False
    unit = (rendered / "prometheus-vault-agent.service").read_text()
    assert "User=prometheus\n" in unit and "RuntimeDirectory=prometheus-vault-agent\n" in unit


def test_dev_has_no_scraper(shipped):
    out, stacks = shipped
    assert "prometheus-metrics" not in policies(stacks["dev-vault"])
    assert not (out / "stacks" / "dev-nomad" / "rendered" / "prometheus.yml").exists()


def test_shipped_environment_files_turn_it_on():
    for env in ("staging", "prod"):
        assert load(ROOT / "environments" / f"{env}.toml").observability.prometheus


# HS-VAULT-015 (the clean base of tests/test_checks_rules.py, plus one planted problem).


def _with_scraper_policy(text: str):
    from tests.test_checks_rules import base

    synth, rendered = base()
    synth["t-vault"]["resource"]["vault_policy"]["scraper"] = {
        "name": "prometheus-metrics", "policy": text}
    return synth, rendered


def test_scraper_policy_exactly_read_is_clean():
    from tests.test_checks_rules import found

    synth, rendered = _with_scraper_policy(presets.sys_metrics_reader().to_hcl())
    assert found(synth, rendered) == set()


@pytest.mark.parametrize("extra", [
    'path "sys/metrics" {\n  capabilities = ["read", "list"]\n}\n',
    'path "/sys/metrics" {\n  capabilities = ["update"]\n}\n',
    'path "secret/data/x" {\n  capabilities = ["read"]\n}\n',
])
def test_scraper_policy_broader_than_read_warns(extra):
    from tests.test_checks_rules import found

    synth, rendered = _with_scraper_policy(presets.sys_metrics_reader().to_hcl() + extra)
    assert found(synth, rendered) == {("HS-VAULT-015", "vault_policy.scraper")}
    assert found(synth, rendered, level="error") == set()


def test_a_policy_without_sys_metrics_is_not_a_scrapers():
    from tests.test_checks_rules import found

    synth, rendered = _with_scraper_policy('path "secret/data/x" {\n  capabilities = ["read"]\n}\n')
    assert ("HS-VAULT-015", "vault_policy.scraper") not in found(synth, rendered)
