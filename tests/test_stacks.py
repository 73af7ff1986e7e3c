"""The shipped environments, synthesized: nine stacks, wired, parsed, snapshotted."""

from __future__ import annotations

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from hashistack.checks.jsonattr import json_attribute
from hashistack.vault.policy import PolicyDocument
from tests import hashicorp_hcl
from tests.synth_json import by, policies, resources

ENVS = ("dev", "staging", "prod")
STACKS = [f"{e}-{p}" for e in ENVS for p in ("vault", "consul", "nomad")]


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_nine_stacks_in_deploy_order(shipped):
    out, stacks = shipped
    assert sorted(stacks) == sorted(STACKS)
    manifest = json.loads((out / "manifest.json").read_text())["stacks"]
    for env in ENVS:
        assert manifest[f"{env}-vault"]["dependencies"] == []
        assert manifest[f"{env}-consul"]["dependencies"] == [f"{env}-vault"]
        assert manifest[f"{env}-nomad"]["dependencies"] == [f"{env}-consul"]


@pytest.mark.parametrize("name", STACKS)
def test_snapshot(shipped, json_snapshot, name):
    assert shipped[1][name] == json_snapshot


@pytest.mark.parametrize("name", ["legacy-vault", "legacy-consul", "legacy-nomad"])
def test_legacy_snapshot(legacy, json_snapshot, name):
    assert legacy[1][name] == json_snapshot


@pytest.mark.parametrize("name", STACKS)
def test_providers_take_tokens_from_the_environment(shipped, name):
    stack = shipped[1][name]
    for configs in stack["provider"].values():
        for config in configs:
            assert not {"token", "secret_id", "http_auth"} & set(config)
    text = json.dumps(stack)
    assert not re.search(r"\b(hv[sbr]\.[A-Za-z0-9_-]{20,}|s\.[A-Za-z0-9]{24})\b", text)
    assert "PRIVATE KEY" not in text
    for ca in resources(stack, "consul_certificate_authority").values():
        token = json_attribute(ca["config_json"]).get("Token")
        # Only ever a reference Terraform fills in from the Vault stack's state.
        assert token is None or token.startswith("${data.terraform_remote_state.")


def test_every_policy_parses_with_hashicorp_and_our_parser(shipped, legacy):
    texts = {}
    for stacks in (shipped[1], legacy[1]):
        for stack_name, stack in stacks.items():
            for name, text in policies(stack).items():
                texts[f"{stack_name}/{name}.hcl"] = text
    assert len(texts) == 13  # 3 per shipped env, 4 in the legacy example
    # Vault gets the text after Terraform fills in `${...}` (the JWT mount's
    # accessor); HashiCorp's parser must accept that text.
    resolved = {n: re.sub(r"\$\{[^}]+\}", "auth_jwt_0a1b2c3d", t) for n, t in texts.items()}
    parsed = hashicorp_hcl.parse_many(resolved)
    for name, text in texts.items():
        assert "ok" in parsed[name], f"{name}: {parsed[name]}"
        ours = PolicyDocument.parse(text, source=name)
        # Round trip: our canonical text is what was synthesized, and HashiCorp's
        # parser sees the same paths and capabilities we do.
        assert ours.to_hcl() == text
        theirs = {
            path: caps[0]["capabilities"] for path, caps in parsed[name]["ok"]["path"].items()
        }
        resolved_ours = PolicyDocument.parse(resolved[name])
        assert theirs == {r.path: list(r.capabilities) for r in resolved_ours.rules}


def test_every_jobspec_and_rendered_file_parses_with_hashicorp(shipped, legacy):
    files = {}
    for out, stacks in (shipped, legacy):
        for stack_name, stack in stacks.items():
            for key, job in resources(stack, "nomad_job").items():
                files[f"{stack_name}/{key}.nomad.hcl"] = job["jobspec"]
        for path in sorted((out / "stacks").glob("*/rendered/*.hcl")):
            files[f"{path.parent.parent.name}/{path.name}"] = path.read_text()
    assert any(n.endswith(".nomad.hcl") for n in files)
    assert any("vault-agent" in n for n in files)
    parsed = hashicorp_hcl.parse_many(files)
    bad = {n: r["error"] for n, r in parsed.items() if "error" in r}
    assert not bad


def test_dev_is_the_local_dev_servers(shipped):
    stacks = shipped[1]
    assert stacks["dev-vault"]["provider"]["vault"] == [{"address": "http://127.0.0.1:8200"}]
    consul = stacks["dev-consul"]["provider"]["consul"][0]
    assert (consul["address"], consul["scheme"]) == ("127.0.0.1:8500", "http")
    assert stacks["dev-nomad"]["provider"]["nomad"][0]["address"] == "http://127.0.0.1:4646"
    assert "vault_audit" not in stacks["dev-vault"]["resource"]
    # `vault server -dev` mounts secret/ already.
    assert all(
        m["path"] != "secret" for m in resources(stacks["dev-vault"], "vault_mount").values()
    )


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_strict_environments(shipped, env):
    stacks = shipped[1]
    vault = stacks[f"{env}-vault"]
    assert vault["provider"]["vault"][0]["ca_cert_file"].endswith(".pem")
    assert resources(vault, "vault_audit")
    assert by(vault, "vault_mount", "path", "secret")["options"] == {"version": "2"}
    assert stacks[f"{env}-consul"]["provider"]["consul"][0]["scheme"] == "https"


def test_backends_from_config(shipped):
    stacks = shipped[1]
    # Relative to cdktf.out/stacks/dev-vault/, where Terraform runs: the root.
    assert stacks["dev-vault"]["terraform"]["backend"] == {
        "local": {"path": "../../../terraform.dev-vault.tfstate"}
    }
    consul = stacks["staging-nomad"]["terraform"]["backend"]["consul"]
    assert consul["path"] == "terraform/hashistack/staging-nomad"
    assert "access_token" not in consul
    s3 = stacks["prod-consul"]["terraform"]["backend"]["s3"]
    assert s3["key"] == "hashistack/prod-consul.tfstate" and s3["encrypt"] is True


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_nomad_agents_use_the_local_consul_agent_not_the_servers(shipped, env):
    out, stacks = shipped
    server = stacks[f"{env}-consul"]["provider"]["consul"][0]["address"]
    for role in ("server", "client"):
        text = (out / "stacks" / f"{env}-nomad" / "rendered" / f"nomad-{role}.hcl").read_text()
        consul = hashicorp_hcl.parse(text)["consul"][0]
        assert consul["address"] == "127.0.0.1:8501" and consul["ssl"] is True
        assert server.split(":")[0] not in text
    client = (out / "stacks" / f"{env}-nomad" / "rendered" / "nomad-client.hcl").read_text()
    assert hashicorp_hcl.parse(client)["consul"][0]["grpc_address"] == "127.0.0.1:8503"
