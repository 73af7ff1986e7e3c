"""The shipped environments, synthesized: nine stacks, wired, parsed, snapshotted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from hashistack.checks.jsonattr import json_attribute
from hashistack.vault.policy import PolicyDocument
from tests import hashicorp_hcl
from tests.synth_json import by, policies, resources
from tests.text_snapshot import TextFileSnapshot

ENVS = ("dev", "staging", "prod")
STACKS = [f"{e}-{p}" for e in ENVS for p in ("vault", "consul", "nomad")] + [
    f"{e}-nomad-acl" for e in ENVS if e != "dev"]  # where Vault leases Nomad tokens

# Every policy, jobspec and rendered file of the shipped and legacy stacks, one
# file each under __snapshots__/test_stacks/ (test_text_snapshot), so a grant
# change reviews as a diff of HCL. The whole-stack JSON snapshots hold the same
# policies and jobspecs as one-line strings; they stay, as the guard of
# everything else (and of the exact, escaped value Terraform is given).
SHIPPED_TEXTS = [
    f"{env}-{path}"
    for env in ENVS
    for path in (
        "vault/policy-app-myapp.hcl",
        "vault/policy-consul-connect-ca.hcl",
        "vault/policy-nomad-workloads.hcl",
        # [consul.cluster]: staging and prod only (dev runs `consul agent -dev`).
        *(["consul/rendered/consul-client.hcl", "consul/rendered/consul-server.hcl"]
          if env != "dev" else []),
        "nomad/job-myapp.hcl",
        *(["nomad/job-web.hcl"] if env == "staging" else []),
        "nomad/rendered/nomad-client.hcl",
        "nomad/rendered/nomad-server.hcl",
        "nomad/rendered/vault-agent-myapp-exec.hcl",
        "nomad/rendered/vault-agent-myapp.hcl",
        "nomad/rendered/vault-agent@.service",
        # [vault.cluster]: one server config per node (none in dev).
        *(f"vault/rendered/vault-server-vault-{i}.{env}.example.internal.hcl"
          for i in range(1, {"dev": 0, "staging": 3, "prod": 5}[env] + 1)),
        # [observability] (staging and prod): the scraper's policy and its files.
        *([
            "vault/policy-prometheus-metrics.hcl",
            "nomad/rendered/prometheus-vault-agent.hcl",
            "nomad/rendered/prometheus-vault-agent.service",
            "nomad/rendered/prometheus.yml",
        ] if env != "dev" else []),
        # Who may read Nomad and Consul tokens from Vault (stacks/acl_tokens.py).
        *([f"vault/policy-{m}-creds-{r}.hcl" for m, roles in (
            ("nomad", ("ci-deploy", "operator", "read-only")),
            ("consul", ("consul-agent", "nomad-client", "nomad-server"))) for r in roles]
          if env != "dev" else []),
        # Consul and Nomad ACL rules (Consul's ACLs and Vault-leased tokens: not in dev).
        *([f"consul/consul-acl-{p}.hcl" for p in (
            "consul-agent", "nomad-client", "nomad-server", "nomad-tasks", "prometheus-metrics")]
          + [f"nomad-acl/nomad-acl-{p}.hcl" for p in ("ci-deploy", "operator", "read-only")]
          if env != "dev" else []),
        # The agents' Consul tokens kept by Vault Agents (stacks/agent_tokens.py).
        *([f"consul/rendered/vault-agent-consul-agent.{x}" for x in ("hcl", "service")]
          + [f"nomad/rendered/vault-agent-nomad-{r}.{x}" for r in ("client", "server")
             for x in ("hcl", "service")]
          + [f"nomad/rendered/nomad-consul-token.{x}" for x in ("conf", "path", "service")]
          if env != "dev" else []),
    )
]
LEGACY_TEXTS = [
    "legacy-vault/policy-app-myapp.hcl",
    "legacy-vault/policy-consul-connect-ca.hcl",
    "legacy-vault/policy-nomad-server.hcl",
    "legacy-vault/policy-nomad_startup.hcl",
    "legacy-consul/consul-acl-nomad-client.hcl",
    "legacy-consul/consul-acl-nomad-server.hcl",
    "legacy-nomad/job-myapp.hcl",
    "legacy-nomad/rendered/nomad-client.hcl",
    "legacy-nomad/rendered/nomad-server.hcl",
    "legacy-nomad/rendered/nomad-startup.sh",
    "legacy-nomad/rendered/nomad.service",
    "legacy-nomad/rendered/vault-agent-myapp-exec.hcl",
    "legacy-nomad/rendered/vault-agent-myapp.hcl",
    "legacy-nomad/rendered/vault-agent@.service",
]
TEXT_SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_stacks"

# Terraform reads a JSON string as a template: `$${` and `%%{` are its escapes
# for a literal `${` and `%{`; an unescaped one is a reference it fills in.
_TEMPLATE_ESCAPE = re.compile(r"([$%])\1\{")
_TEMPLATE = re.compile(r"[$%]\{")
_JOB_NAME = re.compile(r'\Ajob "([^"]+)" \{')


def as_terraform_reads(value: str) -> str:
    """A Terraform JSON string `value` with its template escapes read."""
    return _TEMPLATE_ESCAPE.sub(r"\1{", value)


def terraform_references(value: str) -> list[str]:
    """The `${`/`%{` sequences Terraform would evaluate in `value`."""
    return _TEMPLATE.findall(_TEMPLATE_ESCAPE.sub("", value))


def synthesized_texts(out: Path, stacks: dict[str, dict]) -> dict[str, str]:
    """{`<stack>/policy-<name>.hcl` | `<stack>/job-<name>.hcl` | `<stack>/rendered/<file>`: text}.

    A policy is its `policy` value as Terraform reads it (a reference such as
    the JWT mount's accessor stays as written; Terraform fills it in at apply);
    a jobspec is the text Nomad gets.
    """
    texts: dict[str, str] = {}

    def add(path: str, text: str) -> None:
        assert path not in texts, f"two texts would be snapshotted as {path}"
        texts[path] = text

    for stack_name, stack in stacks.items():
        for name, policy in policies(stack).items():
            add(f"{stack_name}/policy-{name}.hcl", as_terraform_reads(policy))
        # ACL rules: Consul's (rules) and Nomad's (rules_hcl), HCL each.
        for rtype, field, kind in (("consul_acl_policy", "rules", "consul-acl"),
                                   ("nomad_acl_policy", "rules_hcl", "nomad-acl")):
            for body in resources(stack, rtype).values():
                add(f"{stack_name}/{kind}-{body['name']}.hcl", as_terraform_reads(body[field]))
        for job in resources(stack, "nomad_job").values():
            jobspec = as_terraform_reads(job["jobspec"])
            match = _JOB_NAME.match(jobspec)
            assert match, jobspec[:80]
            add(f"{stack_name}/job-{match[1]}.hcl", jobspec)
    for path in sorted((out / "stacks").glob("*/rendered/*")):
        add(f"{path.parent.parent.name}/rendered/{path.name}", path.read_text())
    return texts


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.fixture
def text_snapshot(snapshot):
    return snapshot.use_extension(TextFileSnapshot)


@pytest.fixture(scope="module")
def texts(shipped, legacy) -> dict[str, str]:
    return {**synthesized_texts(*shipped), **synthesized_texts(*legacy)}


def test_stacks_in_deploy_order(shipped):
    out, stacks = shipped
    assert sorted(stacks) == sorted(STACKS)
    manifest = json.loads((out / "manifest.json").read_text())["stacks"]
    for env in ENVS:
        assert manifest[f"{env}-vault"]["dependencies"] == []
        assert manifest[f"{env}-consul"]["dependencies"] == [f"{env}-vault"]
        assert manifest[f"{env}-nomad"]["dependencies"] == [f"{env}-consul"]
        if env != "dev":
            assert manifest[f"{env}-nomad-acl"]["dependencies"] == [f"{env}-vault"]


def test_the_nomad_acl_policies_are_apart_from_the_jobs(shipped):
    """Only a management token reads a Nomad ACL policy it does not hold, so the stack
    CI deploys with a ci-deploy token holds none (stacks/nomad_acl_stack.py)."""
    stacks = shipped[1]
    for env in ("staging", "prod"):
        assert not resources(stacks[f"{env}-nomad"], "nomad_acl_policy")
        acl = stacks[f"{env}-nomad-acl"]
        assert sorted(b["name"] for b in resources(acl, "nomad_acl_policy").values()) == [
            "ci-deploy", "operator", "read-only"]
        assert set(acl["resource"]) == {"nomad_acl_policy"}


@pytest.mark.parametrize("name", STACKS)
def test_snapshot(shipped, json_snapshot, name):
    assert shipped[1][name] == json_snapshot


@pytest.mark.parametrize("name", ["legacy-vault", "legacy-consul", "legacy-nomad"])
def test_legacy_snapshot(legacy, json_snapshot, name):
    assert legacy[1][name] == json_snapshot


@pytest.mark.parametrize("path", SHIPPED_TEXTS + LEGACY_TEXTS)
def test_text_snapshot(texts, text_snapshot, path):
    if path not in texts:
        pytest.fail(f"{path} is no longer synthesized: drop it from the list and its file")
    assert texts[path] == text_snapshot


def test_the_text_snapshots_are_every_synthesized_policy_jobspec_and_rendered_file(texts):
    listed = set(SHIPPED_TEXTS + LEGACY_TEXTS)
    assert sorted(set(texts) - listed) == [], "synthesized, not in SHIPPED_TEXTS/LEGACY_TEXTS"
    assert sorted(listed - set(texts)) == [], "listed, no longer synthesized"


def test_no_text_snapshot_file_is_left_without_its_test():
    on_disk = {
        p.relative_to(TEXT_SNAPSHOTS).as_posix()
        for p in TEXT_SNAPSHOTS.glob("*/**/*")
        if p.is_file()
    }
    listed = set(SHIPPED_TEXTS + LEGACY_TEXTS)
    assert sorted(on_disk - listed) == [], f"stale files under {TEXT_SNAPSHOTS}: delete them"
    assert sorted(listed - on_disk) == [], "not written yet: run the file with --snapshot-update"


def test_jobspecs_hold_nothing_for_terraform_to_evaluate(shipped, legacy):
    # The nomad_job's jobspec is Terraform template text; with none of `${`/`%{`
    # left unescaped, Nomad gets exactly the jobspec HCL (test_text_snapshot's
    # job-*.hcl files).
    jobs = [
        job["jobspec"]
        for stacks in (shipped[1], legacy[1])
        for stack in stacks.values()
        for job in resources(stack, "nomad_job").values()
    ]
    assert len(jobs) == 5
    for jobspec in jobs:
        assert terraform_references(jobspec) == [], jobspec


def test_terraform_template_escapes_read_as_the_literal():
    assert as_terraform_reads("a $${NOMAD_ALLOC_DIR} %%{ if } $$${x} $5") == (
        "a ${NOMAD_ALLOC_DIR} %{ if } $${x} $5"
    )
    assert terraform_references("$${a} %%{b}") == []
    assert terraform_references("${a} $$${b} %{c}") == ["${", "%{"]


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
    # 3 per shipped env, the scraper's and 6 creds policies in staging and prod,
    # 4 in the legacy example
    assert len(texts) == 27
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
