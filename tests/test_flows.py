"""The seed flows, end to end in the synthesized output."""

from __future__ import annotations

import json
import subprocess

from hashistack.nomad.jobspec import read_jobspec, read_vault_blocks
from hashistack.vault.acl import Acl, Identity
from tests import hashicorp_hcl
from tests.synth_json import by, policies, resources


def _jobspec(stack: dict, name: str) -> str:
    [spec] = [
        j["jobspec"]
        for j in resources(stack, "nomad_job").values()
        if f'job "{name}"' in j["jobspec"]
    ]
    return spec


def test_seed_002_template_flow_with_workload_identity(shipped):
    _, stacks = shipped
    spec = _jobspec(stacks["dev-nomad"], "myapp")
    [read] = read_jobspec(spec)
    assert read.path == "secret/data/myapp"
    role_name = read_vault_blocks(spec)[(read.group, read.task)].role
    role = by(stacks["dev-vault"], "vault_jwt_auth_backend_role", "role_name", role_name)
    assert role["bound_claims"] == {"nomad_job_id": "myapp", "nomad_namespace": "default"}
    texts = [policies(stacks["dev-vault"])[p] for p in role["token_policies"]]
    acl = Acl.from_hcl(texts, Identity(alias_metadata={"nomad_job_id": "myapp"}))
    assert acl.capabilities("secret/data/myapp") == ["read"]
    assert acl.capabilities("secret/data/other") == ["deny"]
    assert acl.capabilities("secret/metadata/myapp") == ["deny"]


def test_seed_002_vault_agent(shipped):
    out, _ = shipped
    rendered = out / "stacks" / "dev-nomad" / "rendered"
    parsed = hashicorp_hcl.parse((rendered / "vault-agent-myapp.hcl").read_text())
    method = parsed["auto_auth"][0]["method"]["approle"][0]
    assert method["mount_path"] == "auth/approle"
    assert parsed["auto_auth"][0]["sink"]["file"][0]["config"]["path"]
    [template] = parsed["template"]
    assert 'with secret "secret/data/myapp"' in template["contents"]
    exec_mode = hashicorp_hcl.parse((rendered / "vault-agent-myapp-exec.hcl").read_text())
    assert set(exec_mode["env_template"]) == {"DB_USER", "DB_PASS"}
    assert exec_mode["exec"][0]["command"] == ["/usr/local/bin/myapp"]


def test_modern_nomad_agents_use_workload_identity(shipped):
    out, _ = shipped
    rendered = out / "stacks" / "prod-nomad" / "rendered"
    server = hashicorp_hcl.parse((rendered / "nomad-server.hcl").read_text())
    client = hashicorp_hcl.parse((rendered / "nomad-client.hcl").read_text())
    assert server["vault"][0]["default_identity"][0]["aud"] == ["vault.io"]
    assert client["vault"][0]["jwt_auth_backend_path"] == "jwt-nomad"
    assert "create_from_role" not in server["vault"][0]
    assert server["consul"][0]["service_identity"][0]["aud"] == ["consul.io"]
    assert server["telemetry"][0]["prometheus_metrics"] is True
    for agent in (server, client):
        tls = agent["tls"][0]
        assert tls["http"] is True and tls["rpc"] is True and tls["cert_file"]
    assert client["consul"][0]["grpc_address"].endswith(":8503")
    assert not (rendered / "nomad-startup.sh").exists()


def test_seed_003_token_bootstrap_flow(legacy):
    out, stacks = legacy
    vault = stacks["legacy-vault"]
    texts = policies(vault)
    server = Acl.from_hcl([texts["nomad-server"]])
    assert server.allows("auth/token/create/nomad-cluster", "update")
    assert server.allows("auth/token/roles/nomad-cluster", "read")
    assert not server.allows("auth/token/create-orphan", "update")
    role = by(vault, "vault_token_auth_backend_role", "role_name", "nomad-cluster")
    assert role["disallowed_policies"] == ["nomad-server"]
    assert (role["renewable"], role["orphan"], role["token_explicit_max_ttl"]) == (True, True, 0)
    cert = by(vault, "vault_cert_auth_backend_role", "name", "nomad_startup")
    assert cert["token_policies"] == ["nomad_startup", "nomad-server"]
    startup = Acl.from_hcl([texts["nomad_startup"], texts["nomad-server"]])
    assert startup.allows("auth/token/create-orphan", "update")
    assert startup.allows("auth/token/create-orphan", "sudo")  # `period` needs sudo there
    rendered = out / "stacks" / "legacy-nomad" / "rendered"
    script = (rendered / "nomad-startup.sh").read_text()
    assert "-method=cert" in script and "auth/token/create-orphan" in script
    assert "policies=nomad-server" in script and "period=72h" in script
    subprocess.run(["bash", "-n", str(rendered / "nomad-startup.sh")], check=True)
    unit = (rendered / "nomad.service").read_text()
    assert "Type=forking" in unit and "ExecStart=/opt/nomad/bin/nomad-startup.sh" in unit
    agent = hashicorp_hcl.parse((rendered / "nomad-server.hcl").read_text())
    assert agent["vault"][0]["create_from_role"] == "nomad-cluster"
    assert "token" not in agent["vault"][0]
    spec = _jobspec(stacks["legacy-nomad"], "myapp")
    assert read_vault_blocks(spec)[("myapp", "myapp")].policies == ("app-myapp",)
    assert role["allowed_policies"] == ["app-myapp"]


def test_consul_connect_ca_on_vault(shipped):
    _, stacks = shipped
    ca = next(iter(resources(stacks["prod-consul"], "consul_certificate_authority").values()))
    config = json.loads(ca["config_json"])
    vault = stacks["prod-vault"]
    mounts = {m["path"] for m in resources(vault, "vault_mount").values() if m["type"] == "pki"}
    assert {config["RootPKIPath"], config["IntermediatePKIPath"]} == mounts
    approle = by(vault, "vault_approle_auth_backend_role", "role_name", "consul-connect-ca")
    assert approle["token_period"] > 0 and approle["token_policies"] == ["consul-connect-ca"]
    assert config["AuthMethod"]["Type"] == "approle"
    acl = Acl.from_hcl([policies(vault)["consul-connect-ca"]])
    assert acl.allows("connect-root/root/sign-intermediate", "update")
    assert not acl.allows("connect-root/root/generate/internal", "update")
    assert ca["lifecycle"] == {"prevent_destroy": True}


def test_intentions_follow_upstreams(shipped):
    _, stacks = shipped
    consul = stacks["staging-consul"]
    intents = {
        i["name"]: i["sources"]
        for i in resources(consul, "consul_config_entry_service_intentions").values()
    }
    assert intents["*"] == [{"action": "deny", "name": "*"}]
    assert intents["myapp"] == [{"action": "allow", "name": "web"}]
    web = _jobspec(stacks["staging-nomad"], "web")
    parsed = hashicorp_hcl.parse(web)
    proxy = parsed["job"]["web"][0]["group"]["web"][0]["service"][0]["connect"][0]
    upstream = proxy["sidecar_service"][0]["proxy"][0]["upstreams"][0]
    assert upstream["destination_name"] == "myapp"
    # Only through the mesh: no host port, the check goes through the proxy.
    group = parsed["job"]["web"][0]["group"]["web"][0]
    assert "port" not in group["network"][0]
    service = group["service"][0]
    assert service["port"] == "8000" and service["check"][0]["expose"] is True
