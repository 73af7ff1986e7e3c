"""`[consul.cluster]`, `[nomad.cluster]`, `nomad.acl` and the editions: what an
environment file turns into (stacks/agents.py, no cdktf), what it refuses, and the
Nomad agent model's `server_join`, `acl` and `audit`."""

from pathlib import Path

import hcl
import pytest

from hashistack.errors import FieldError
from hashistack.nomad.agent_config import AgentAudit, AgentConfig
from stacks import agents
from stacks.config import ConfigError, Environment, load
from tests.hashicorp_hcl import parse_many

ROOT = Path(__file__).resolve().parent.parent
STAGING = (ROOT / "environments" / "staging.toml").read_text(encoding="utf-8")
PROD = (ROOT / "environments" / "prod.toml").read_text(encoding="utf-8")
THREE = ('servers = ["staging-consul-1.example.internal", "staging-consul-2.example.internal", '
         '"staging-consul-3.example.internal"]')


def _load(tmp_path: Path, text: str, name: str) -> Environment:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return load(path)


def _refused(tmp_path: Path, text: str, name: str, *expected: str) -> str:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, text, name)
    message = str(err.value)
    assert message.startswith(str(tmp_path / f"{name}.toml")), message
    for part in expected:
        assert part in message, message
    return message


def _servers(product: str, env: str, n: int) -> str:
    # The shipped names: consul servers under the environment's node prefix.
    name = "{env}-consul-{i}.example.internal" if product == "consul" else \
        "{product}-{i}.{env}.example.internal"
    return "servers = [" + ", ".join(
        '"' + name.format(env=env, product=product, i=i) + '"' for i in range(1, n + 1)) + "]"


def _nomad_servers(text: str, env: str, n: int) -> str:
    return text.replace(_servers("nomad", env, 3), _servers("nomad", env, n))


def _consul_servers(text: str, env: str, n: int) -> str:
    return text.replace(_servers("consul", env, 3), _servers("consul", env, n))


def _editions(text: str, consul: str, nomad: str) -> str:
    text = text.replace("[consul]\n", f'[consul]\nedition = "{consul}"\n', 1)
    return text.replace("[nomad]\n", f'[nomad]\nedition = "{nomad}"\n', 1)


# Config -------------------------------------------------------------------------------------

def test_shipped_files_declare_three_servers_each(tmp_path):
    for name, text in (("staging", STAGING), ("prod", PROD)):
        env = _load(tmp_path, text, name)
        assert env.consul.cluster is not None and env.consul.cluster.expect == 3
        assert env.nomad.cluster is not None and env.nomad.cluster.expect == 3
        assert env.nomad_acl and env.consul_acl


@pytest.mark.parametrize("count", [2, 4, 6])
def test_prod_refuses_an_even_server_count(tmp_path, count):
    _refused(tmp_path, _nomad_servers(PROD, "prod", count), "prod",
             "nomad.cluster.servers", f"{count} servers is even (refused in prod)")
    _refused(tmp_path, _consul_servers(PROD, "prod", count), "prod",
             "consul.cluster.servers", "even (refused in prod)")


@pytest.mark.parametrize("count", [1, 7])
def test_prod_takes_three_or_five(tmp_path, count):
    _refused(tmp_path, _nomad_servers(PROD, "prod", count), "prod",
             "nomad.cluster.servers", "prod takes 3 or 5")


def test_prod_takes_five_and_staging_takes_any_count(tmp_path):
    env = _load(tmp_path, _consul_servers(_nomad_servers(PROD, "prod", 5), "prod", 5), "prod")
    assert env.nomad.cluster.expect == 5 and env.consul.cluster.expect == 5
    env = _load(tmp_path, _nomad_servers(STAGING, "staging", 2), "staging")
    assert env.nomad.cluster.expect == 2


def test_an_explicit_bootstrap_expect_is_checked_too(tmp_path):
    text = PROD.replace("[nomad.cluster]\n", "[nomad.cluster]\nbootstrap_expect = 2\n")
    _refused(tmp_path, text, "prod", "nomad.cluster.bootstrap_expect", "even")
    text = STAGING.replace("[nomad.cluster]\n", "[nomad.cluster]\nbootstrap_expect = 4\n")
    _refused(tmp_path, text, "staging", "nomad.cluster", "more than the 3 servers")


@pytest.mark.parametrize("address", ["consul one", "https://consul-1:8301", "provider=aws",
                                     "consul-1:99999"])
def test_join_addresses_are_dns_names_or_ips(tmp_path, address):
    text = STAGING.replace('"staging-consul-1.example.internal"', f'"{address}"')
    _refused(tmp_path, text, "staging", "consul.cluster.servers.0", "not a DNS name or IP")


def test_duplicate_and_empty_server_lists_are_refused(tmp_path):
    dupes = STAGING.replace("staging-consul-2.", "staging-consul-1.")
    _refused(tmp_path, dupes, "staging", "consul.cluster", "given more than once")
    empty = STAGING.replace(THREE, "servers = []")
    _refused(tmp_path, empty, "staging", "consul.cluster.servers")


def test_staging_cluster_needs_tls_files_on_the_machines(tmp_path):
    start = STAGING.index("[consul.cluster.tls]")
    end = STAGING.index("[nomad]")
    _refused(tmp_path, STAGING[:start] + STAGING[end:], "staging",
             "consul.cluster.tls is required in staging")
    relative = STAGING.replace('ca_file = "/etc/consul.d/tls/ca.pem"', 'ca_file = "ca.pem"')
    _refused(tmp_path, relative, "staging", "consul.cluster.tls.ca_file", "absolute")


def test_retention_must_be_positive(tmp_path):
    text = STAGING.replace("[consul.cluster]\n",
                           '[consul.cluster]\nprometheus_retention_time = "0s"\n')
    _refused(tmp_path, text, "staging", "consul.cluster.prometheus_retention_time",
             "longer than 0s")


def test_unknown_cluster_keys_are_refused(tmp_path):
    text = STAGING.replace("[nomad.cluster]\n", '[nomad.cluster]\nencrypt = "abc"\n')
    _refused(tmp_path, text, "staging", "nomad.cluster.encrypt", "unknown key")


def test_nomad_acl_follows_the_tier_unless_set(tmp_path):
    assert not _load(tmp_path, "", "dev").nomad_acl
    assert _load(tmp_path, "[nomad]\nacl = true\n", "dev").nomad_acl
    assert not _load(tmp_path, STAGING.replace("[nomad]\n", "[nomad]\nacl = false\n"),
                     "staging").nomad_acl


# Composition --------------------------------------------------------------------------------

def test_without_clusters_nothing_changes(tmp_path):
    dev = _load(tmp_path, "", "dev")
    assert agents.consul_files(dev) == {}
    assert agents.nomad_settings(dev, "server") == {"acl": False}
    assert AgentConfig("server", **agents.nomad_settings(dev, "server")).to_hcl() == \
        AgentConfig("server").to_hcl()


def test_staging_consul_files(tmp_path):
    env = _load(tmp_path, STAGING, "staging")
    files = agents.consul_files(env)
    assert sorted(files) == ["consul-client.hcl", "consul-server.hcl"]
    server, client = hcl.loads(files["consul-server.hcl"]), hcl.loads(files["consul-client.hcl"])
    assert server["bootstrap_expect"] == 3 and server["server"] is True
    assert server["retry_join"] == client["retry_join"] == env.consul.cluster.servers
    assert server["acl"]["default_policy"] == "deny"
    # Terraform's provider has no client certificate (consul.tls): the HTTPS API takes none.
    assert server["tls"]["https"] == {"verify_incoming": False}
    assert client["auto_encrypt"] == {"tls": True}
    assert "cert_file" not in client["tls"]["defaults"]
    assert "audit" not in server and "audit" not in client  # Consul CE


def test_consul_acl_off_leaves_no_acl_block(tmp_path):
    text = STAGING.replace("[consul]\n", "[consul]\nacl = false\n")
    # Vault leasing the agents' tokens needs ACLs: off with them.
    text = text.replace("[consul.agent_tokens]\nenabled = true",
                        "[consul.agent_tokens]\nenabled = false")
    env = _load(tmp_path, text, "staging")
    assert "acl" not in hcl.loads(agents.consul_files(env)["consul-server.hcl"])


def test_a_provider_client_certificate_keeps_https_mutual(tmp_path):
    text = STAGING.replace(
        'tls = { ca_file = "/etc/ssl/hashistack/staging-ca.pem" }\n\n[consul.connect_ca]',
        'tls = { ca_file = "/etc/ssl/hashistack/staging-ca.pem", cert_file = "c.pem", '
        'key_file = "k.pem" }\n\n[consul.connect_ca]')
    env = _load(tmp_path, text, "staging")
    assert "https" not in hcl.loads(agents.consul_files(env)["consul-server.hcl"])["tls"]


def test_nomad_settings_from_the_cluster(tmp_path):
    env = _load(tmp_path, STAGING, "staging")
    server = agents.nomad_settings(env, "server")
    assert server["bootstrap_expect"] == 3 and server["acl"] is True
    assert server["server_join"] == env.nomad.cluster.servers
    assert "bootstrap_expect" not in agents.nomad_settings(env, "client")
    assert "audit" not in server  # Nomad CE


@pytest.mark.parametrize("consul, nomad", [("ce", "ce"), ("enterprise", "enterprise"),
                                           ("enterprise", "ce"), ("ce", "enterprise")])
def test_audit_only_on_enterprise_editions(tmp_path, consul, nomad):
    env = _load(tmp_path, _editions(STAGING, consul, nomad), "staging")
    for text in agents.consul_files(env).values():
        assert ("audit" in hcl.loads(text)) == (consul == "enterprise")
    for role in ("server", "client"):
        settings = agents.nomad_settings(env, role)
        assert ("audit" in settings) == (nomad == "enterprise")


def test_every_rendered_agent_file_parses_with_hashicorp(tmp_path):
    files = {}
    for name, text in (("staging", STAGING), ("prod", PROD)):
        for consul, nomad in (("ce", "ce"), ("enterprise", "enterprise")):
            env = _load(tmp_path, _editions(text, consul, nomad), name)
            for fname, body in agents.consul_files(env).items():
                files[f"{name}-{consul}/{fname}"] = body
            for role in ("server", "client"):
                config = AgentConfig(role, servers=() if role == "server" else (),
                                     **agents.nomad_settings(env, role))
                files[f"{name}-{nomad}/nomad-{role}.hcl"] = config.to_hcl()
    results = parse_many(files)
    assert len(files) == 16
    for fname, result in results.items():
        assert "ok" in result, (fname, result)
    audit = results["prod-enterprise/nomad-server.hcl"]["ok"]["audit"][0]
    assert audit["sink"]["audit"][0]["type"] == "file"
    assert results["prod-enterprise/consul-client.hcl"]["ok"]["audit"][0]["enabled"] is True


# The Nomad agent model ----------------------------------------------------------------------

JOIN = ["nomad-1.example.internal", "10.0.0.2", "nomad-3.example.internal:4648"]


@pytest.fixture(scope="module")
def nomad_parsed() -> dict[str, dict]:
    texts = {
        "server": AgentConfig("server", bootstrap_expect=3, server_join=JOIN, acl=True,
                              audit=AgentAudit()).to_hcl(),
        "client": AgentConfig("client", server_join=JOIN, acl=True,
                              audit=AgentAudit(delivery_guarantee="best-effort")).to_hcl(),
    }
    results = parse_many(texts)
    for name, text in texts.items():
        assert "ok" in results[name], results[name]
        hcl.loads(text)
    return {name: r["ok"] for name, r in results.items()}


def test_nomad_server_join_inside_server_and_client(nomad_parsed):
    assert nomad_parsed["server"]["server"] == [
        {"enabled": True, "bootstrap_expect": 3, "server_join": [{"retry_join": JOIN}]}]
    assert nomad_parsed["client"]["client"] == [
        {"enabled": True, "server_join": [{"retry_join": JOIN}]}]


def test_nomad_acl_and_audit_blocks(nomad_parsed):
    for role in ("server", "client"):
        assert nomad_parsed[role]["acl"] == [{"enabled": True}]
    assert nomad_parsed["server"]["audit"] == [{"enabled": True, "sink": {"audit": [{
        "type": "file", "delivery_guarantee": "enforced", "format": "json",
        "path": "/var/lib/nomad/audit/audit.log", "rotate_duration": "24h",
        "rotate_max_files": 10, "rotate_bytes": 104857600}]}}]
    assert nomad_parsed["client"]["audit"][0]["sink"]["audit"][0]["delivery_guarantee"] == \
        "best-effort"


def test_a_client_with_server_join_needs_no_consul_auto_join():
    AgentConfig("client", server_join=JOIN)  # no consul block, no servers: fine
    with pytest.raises(FieldError) as err:
        AgentConfig("client")
    assert err.value.path == "AgentConfig.servers"


@pytest.mark.parametrize("make, path", [
    (lambda: AgentConfig("server", server_join="nomad-1"), "AgentConfig.server_join"),
    (lambda: AgentConfig("server", server_join=["nomad 1"]), "AgentConfig.server_join"),
    (lambda: AgentConfig("server", acl="yes"), "AgentConfig.acl"),
    (lambda: AgentAudit(path="audit.log"), "AgentAudit.path"),
    (lambda: AgentAudit(delivery_guarantee="maybe"), "AgentAudit.delivery_guarantee"),
    (lambda: AgentAudit(rotate_bytes=0), "AgentAudit.rotate_bytes"),
    (lambda: AgentAudit(rotate_duration="daily"), "AgentAudit.rotate_duration"),
])
def test_nomad_refusals_name_the_field(make, path):
    with pytest.raises(FieldError) as err:
        make()
    assert err.value.path == path, str(err.value)


def test_the_readme_excerpt_is_what_staging_renders(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Consul and Nomad agents (HA, ACLs, TLS)", 1)[1]
    excerpt = section.split("```hcl\n", 1)[1].split("```", 1)[0]
    rendered = agents.consul_files(_load(tmp_path, STAGING, "staging"))["consul-client.hcl"]
    assert excerpt in rendered
    assert "Enterprise" in section and "not** audited" in section


def test_a_node_prefix_must_cover_the_consul_servers(tmp_path):
    text = STAGING.replace('"staging-consul-2.example.internal"',
                           '"consul-2.staging.example.internal"')
    _refused(tmp_path, text, "staging", "node_prefix 'staging-' does not cover the Consul "
             "server consul-2.staging.example.internal")
    # An IP names no node: nothing to check.
    _load(tmp_path, STAGING.replace('"staging-consul-2.example.internal"', '"10.20.1.12"'),
          "staging")


@pytest.mark.parametrize("bind", ["10.20.1.5", '{{ GetInterfaceIP "eth0" }}'])
def test_consul_bind_addr_is_an_ip_or_a_sockaddr_template(tmp_path, bind):
    env = _load(tmp_path, _in_cluster(STAGING, f"bind_addr = '{bind}'"), "staging")
    for role in ("server", "client"):
        assert hcl.loads(agents.consul_files(env)[f"consul-{role}.hcl"])["bind_addr"] == bind


def test_consul_bind_addr_defaults_to_the_private_ip_with_the_default_route(tmp_path):
    env = _load(tmp_path, STAGING, "staging")
    assert hcl.loads(agents.consul_files(env)["consul-client.hcl"])["bind_addr"] == \
        "{{ GetPrivateIP }}"
    _refused(tmp_path, _in_cluster(STAGING, 'bind_addr = "eth0"'), "staging",
             "consul.cluster.bind_addr", "neither an IP address nor a go-sockaddr template")


def _in_cluster(text: str, line: str) -> str:
    """`text` with `line` in [consul.cluster] (after its servers)."""
    return text.replace(THREE, THREE + "\n" + line, 1)


@pytest.mark.parametrize("product", ["consul", "nomad"])
def test_an_audit_path_on_ce_is_refused_not_ignored(tmp_path, product):
    text = STAGING.replace(f"[{product}.cluster]\n",
                           f'[{product}.cluster]\naudit_path = "/var/log/{product}/a.json"\n', 1)
    _refused(tmp_path, text, "staging", f"{product}.cluster.audit_path",
             "Enterprise feature, and CE has none")
    enterprise = text.replace(f"[{product}]\n", f'[{product}]\nedition = "enterprise"\n', 1)
    assert _load(tmp_path, enterprise, "staging")


@pytest.mark.parametrize("product", ["consul", "nomad"])
def test_bootstrap_expect_below_a_majority_is_refused_outside_dev(tmp_path, product):
    text = STAGING.replace(f"[{product}.cluster]\n",
                           f"[{product}.cluster]\nbootstrap_expect = 1\n", 1)
    _refused(tmp_path, text, "staging", f"{product}.cluster.bootstrap_expect",
             "fewer than a majority (2) of the 3 servers")
    assert _load(tmp_path, text.replace("bootstrap_expect = 1", "bootstrap_expect = 2"),
                 "staging")
