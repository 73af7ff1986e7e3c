"""The agents' Consul tokens kept alive by Vault Agents (stacks/agent_tokens.py):
who may read each creds path (proven with the ACL engine), the rendered configs
(HashiCorp's parser) and units, HS-VAULT-011 over them, config, and a live
OpenBao run of the rendered agent."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hashistack.checks import run_checks
from hashistack.consul.agent_rules import consul_agent_rules
from hashistack.vault.acl import Acl
from stacks.config import ConfigError, load
from tests import hashicorp_hcl
from tests.synth_json import policies, resources

ROOT = Path(__file__).resolve().parent.parent
ENVS = ("staging", "prod")
ROLES = ("consul-agent", "nomad-server", "nomad-client")
UNITS = ("vault-agent-consul-agent.service", "vault-agent-nomad-server.service",
         "vault-agent-nomad-client.service", "nomad-consul-token.path",
         "nomad-consul-token.service")
# A Consul ACL token's SecretID is a UUID.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def rendered(out: Path, env: str) -> dict[str, dict[str, str]]:
    """{stack: {file: text}} of one environment's rendered files."""
    files: dict[str, dict[str, str]] = {}
    for d in sorted((out / "stacks").glob(f"{env}-*/rendered")):
        files[d.parent.name] = {p.name: p.read_text() for p in d.iterdir() if p.is_file()}
    return files


def agent_files(out: Path, env: str) -> dict[str, str]:
    files = rendered(out, env)
    return {**files[f"{env}-consul"], **files[f"{env}-nomad"]}


@pytest.mark.parametrize("env", ENVS)
def test_each_role_reads_exactly_its_creds_path(shipped, env):
    _, stacks = shipped
    vault = stacks[f"{env}-vault"]
    texts = policies(vault)
    roles = {r["role_name"]: r for r in resources(vault, "vault_approle_auth_backend_role")
             .values()}
    for role in ROLES:
        approle = roles[f"vault-agent-{role}"]
        assert approle["token_policies"] == [f"consul-creds-{role}"]
        assert approle["secret_id_ttl"] == 0 and approle["secret_id_bound_cidrs"]
        # The login outlives no lease it makes: leases die with their token.
        assert (approle["token_ttl"], approle["token_max_ttl"]) == (3600, 86400)
        acl = Acl.from_hcl(texts[f"consul-creds-{role}"])
        for other in ROLES:
            want = ["read"] if other == role else ["deny"]
            assert acl.capabilities(f"consul/creds/{other}") == want, (role, other)
        assert acl.capabilities(f"consul/creds/{role}/x") == ["deny"]
        assert acl.capabilities("consul/roles/" + role) == ["deny"]
        assert acl.capabilities("consul/config/access") == ["deny"]


@pytest.mark.parametrize("env", ENVS)
def test_rendered_configs_parse_and_read_their_role(shipped, env):
    out, _ = shipped
    files = agent_files(out, env)
    names = {f"vault-agent-{r}.hcl": r for r in ROLES}
    parsed = hashicorp_hcl.parse_many({n: files[n] for n in names})
    for name, role in names.items():
        assert "ok" in parsed[name], parsed[name]
        doc = parsed[name]["ok"]
        [template] = doc["template"]
        assert f'secret "consul/creds/{role}"' in template["contents"]
        assert template["perms"] == "0600" and template["error_on_missing_key"] is True
        method = doc["auto_auth"][0]["method"]["approle"][0]
        assert method["config"]["remove_secret_id_file_after_reading"] is False
        assert method["config"]["role_id_file_path"] == f"/etc/vault-agent/{role}/role_id"
    consul = parsed["vault-agent-consul-agent.hcl"]["ok"]["template"][0]
    token_file = consul["destination"]
    command = consul["exec"][0]["command"]
    # The token is read from the file (consul's `@path`), never an argument.
    assert command[:3] == ["/usr/bin/consul", "acl", "set-agent-token"]
    assert command[-2:] == ["agent", f"@{token_file}"]
    assert f"-token-file={token_file}" in command
    for role in ("nomad-server", "nomad-client"):
        doc = parsed[f"vault-agent-{role}.hcl"]["ok"]
        assert doc["template"][0]["contents"].startswith("CONSUL_HTTP_TOKEN={{")
        assert doc["template"][0]["destination"] == "/run/vault-agent-nomad/consul-token.env"
        assert "exec" not in doc["template"][0]


@pytest.mark.parametrize("env", ENVS)
def test_units_and_the_nomad_restart(shipped, env, tmp_path):
    out, _ = shipped
    files = agent_files(out, env)
    users = {"consul-agent": "consul", "nomad-server": "nomad", "nomad-client": "root"}
    for role, user in users.items():
        unit = files[f"vault-agent-{role}.service"]
        assert f"User={user}\n" in unit
        assert f"-config=/etc/vault-agent/vault-agent-{role}.hcl" in unit
    consul_unit = files["vault-agent-consul-agent.service"]
    assert "After=network-online.target consul.service\n" in consul_unit
    assert "consul.service" not in files["vault-agent-nomad-server.service"]
    env_file = "/run/vault-agent-nomad/consul-token.env"
    assert f"EnvironmentFile={env_file}\n" in files["nomad-consul-token.conf"]
    assert f"PathChanged={env_file}\n" in files["nomad-consul-token.path"]
    assert "systemctl restart nomad.service" in files["nomad-consul-token.service"]
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: units not verified")
    for name in UNITS:
        # /bin/true stands in for the vault and systemctl binaries verify wants to exist.
        text = files[name].replace("/usr/bin/vault", "/bin/true").replace(
            "/usr/bin/systemctl", "/bin/true")
        (tmp_path / name).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in UNITS)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("env", ENVS)
def test_no_token_in_what_is_rendered_or_synthesized(shipped, env):
    out, _ = shipped
    for stack in rendered(out, env).values():
        for name, text in stack.items():
            assert not UUID.search(text), name
    for path in (out / "stacks").glob(f"{env}-*/cdk.tf.json"):
        assert not UUID.search(path.read_text()), path


def test_dev_renders_none(shipped):
    out, stacks = shipped
    names = {n for s in rendered(out, "dev").values() for n in s}
    assert not {n for n in names if "consul-agent" in n or "nomad-consul-token" in n}
    roles = {r["role_name"] for r in resources(stacks["dev-vault"],
                                               "vault_approle_auth_backend_role").values()}
    assert not roles & {f"vault-agent-{r}" for r in ROLES}


# HS-VAULT-011 over the new configs ---------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_hs_vault_011_resolves_each_agent_and_passes(shipped, env):
    out, stacks = shipped
    synth = {k: v for k, v in stacks.items() if k.startswith(f"{env}-")}
    report = run_checks(synth, rendered(out, env))
    hits = [f for f in report.findings if f.rule == "HS-VAULT-011"]
    assert hits == []


@pytest.mark.parametrize("fname,other", [
    ("vault-agent-nomad-server.hcl", "nomad-client"),
    ("vault-agent-nomad-client.hcl", "consul-agent"),
    ("vault-agent-consul-agent.hcl", "nomad-server"),
])
def test_hs_vault_011_catches_a_planted_mismatch(shipped, fname, other):
    out, stacks = shipped
    synth = {k: v for k, v in stacks.items() if k.startswith("prod-")}
    files = rendered(out, "prod")
    stack = "prod-consul" if "consul-agent.hcl" in fname else "prod-nomad"
    role = fname[len("vault-agent-"):-len(".hcl")]
    files[stack][fname] = files[stack][fname].replace(
        f"consul/creds/{role}", f"consul/creds/{other}")
    hits = [f for f in run_checks(synth, files).findings if f.rule == "HS-VAULT-011"]
    assert [(f.level, f.resource, f.vault_path) for f in hits] == [
        ("error", f"rendered/{fname}", f"consul/creds/{other}")]
    assert f"'vault-agent-{role}'" in hits[0].message


# Config ------------------------------------------------------------------------------


def _env_file(tmp_path, env: str, old: str, new: str) -> Path:
    text = (ROOT / "environments" / f"{env}.toml").read_text()
    assert old in text
    path = tmp_path / f"{env}.toml"
    path.write_text(text.replace(old, new))
    return path


def test_prod_requires_bound_cidrs_for_each_kind(tmp_path):
    path = _env_file(tmp_path, "prod", 'bound_cidrs = ["10.30.3.0/24"]\n', "")
    with pytest.raises(ConfigError, match=r"consul.agent_tokens.nomad_server.bound_cidrs "
                                          "required in prod"):
        load(path)
    # Staging takes it (HS-VAULT-012 warns there).
    load(_env_file(tmp_path, "staging", 'bound_cidrs = ["10.20.3.0/24"]\n', ""))


def test_defaults_and_bad_values(tmp_path):
    env = load(ROOT / "environments" / "staging.toml")
    logins = env.consul.agent_tokens.logins()
    assert {r: (lg.role_dir, lg.user) for r, lg in logins.items()} == {
        "consul-agent": ("/etc/vault-agent/consul-agent", "consul"),
        "nomad-server": ("/etc/vault-agent/nomad-server", "nomad"),
        "nomad-client": ("/etc/vault-agent/nomad-client", "root")}
    old = '[consul.agent_tokens.nomad_client]\nbound_cidrs = ["10.20.4.0/24"]\n'
    section = '[consul.agent_tokens.nomad_client]\n'
    for bad, message in (('role_dir = "relative"\n', "nomad_client.role_dir"),
                         ('bound_cidrs = ["10.0.0.0/33"]\n', "nomad_client.bound_cidrs"),
                         ('user = "a b"\n', "nomad_client.user")):
        with pytest.raises(ConfigError, match=message):
            load(_env_file(tmp_path, "staging", old, section + bad))


def test_an_app_cannot_take_an_agent_role_name(tmp_path):
    path = _env_file(tmp_path, "staging", 'name = "myapp"', 'name = "nomad-server"')
    with pytest.raises(ConfigError, match="taken by consul.agent_tokens"):
        load(path)


def test_agent_write_is_on_the_same_names_only():
    rules = hashicorp_hcl.parse(consul_agent_rules(node_prefix="prod-", agent_write=True))
    assert rules == {"node_prefix": {"prod-": [{"policy": "write"}]},
                     "agent_prefix": {"prod-": [{"policy": "write"}]},
                     "service_prefix": {"": [{"policy": "read"}]}}
    rules = hashicorp_hcl.parse(consul_agent_rules(nodes=["a", "b"], agent_write=True))
    assert set(rules["agent"]) == {"a", "b"} and set(rules["node"]) == {"a", "b"}
    assert "agent" not in hashicorp_hcl.parse(consul_agent_rules(nodes=["a"]))


def test_unit_after_takes_unit_names_only():
    from hashistack.errors import FieldError
    from hashistack.nomad.vault_agent import systemd_unit

    for bad in ("consul.service", ["consul service"], ["a;b"]):
        with pytest.raises(FieldError, match="after"):
            systemd_unit(name="x", config_path="/etc/vault-agent/x.hcl", after=bad)


def test_the_token_template_comes_from_the_one_template_builder():
    from hashistack.errors import FieldError
    from hashistack.nomad.jobspec import creds_field_template

    assert creds_field_template("consul/creds/consul-agent", "token") == (
        '{{ with secret "consul/creds/consul-agent" }}{{ .Data.token }}{{ end }}')
    with pytest.raises(FieldError, match="not a credentials path"):
        creds_field_template("consul/roles/consul-agent", "token")
