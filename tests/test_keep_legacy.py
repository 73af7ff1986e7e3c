"""`nomad.keep_legacy_flow`: the legacy example switched to workload identity with
the token flow kept beside it keeps every legacy address (no destroy, no `state
rm`), renders the servers' `vault {}` with both flows and still the start-up
script; migrate-report's steps use it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hashistack.__main__ import main
from stacks.config import ConfigError, load
from tests.conftest import ROOT, synth_environments
from tests.hashicorp_hcl import parse_many
from tests.synth_json import by, policies
from tests.test_state_addresses import addresses

EXAMPLE = ROOT / "examples" / "legacy-nomad-1.9"


def switched(tmp_path: Path, extra: str = 'keep_legacy_flow = true') -> Path:
    """The legacy example with `integration = "workload-identity"` and `extra`."""
    src = tmp_path / "env"
    shutil.copytree(EXAMPLE, src)
    toml = src / "legacy.toml"
    text = toml.read_text()
    assert 'integration = "legacy"\n' in text
    toml.write_text(text.replace('integration = "legacy"\n',
                                 f'integration = "workload-identity"\n{extra}\n'))
    return src


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    tmp = tmp_path_factory.mktemp("keep-legacy")
    out = tmp / "out"
    return out, synth_environments(switched(tmp), out)


def test_every_legacy_address_is_kept(both):
    recorded = json.loads((ROOT / "tests" / "state_addresses.json").read_text())
    now = addresses(both[1])
    for stack in ("legacy-vault", "legacy-consul", "legacy-nomad"):
        assert set(recorded[stack]) <= set(now[stack]), stack
    vault = both[1]["legacy-vault"]
    # The token-flow objects and the workload-identity ones, side by side.
    assert by(vault, "vault_token_auth_backend_role", "role_name", "nomad-cluster")
    assert by(vault, "vault_cert_auth_backend_role", "name", "nomad_startup")
    assert {"nomad-server", "nomad_startup", "nomad-workloads"} <= set(policies(vault))
    assert by(vault, "vault_jwt_auth_backend", "path", "jwt-nomad")


def test_without_it_the_switch_drops_them(tmp_path):
    stacks = synth_environments(switched(tmp_path, ""), tmp_path / "out")
    assert "vault_token_auth_backend_role" not in stacks["legacy-vault"]["resource"]


def test_servers_run_both_flows_and_keep_the_start_up_script(both):
    rendered = both[0] / "stacks" / "legacy-nomad" / "rendered"
    assert (rendered / "nomad-startup.sh").is_file() and (rendered / "nomad.service").is_file()
    files = {n: (rendered / n).read_text() for n in ("nomad-server.hcl", "nomad-client.hcl")}
    parsed = parse_many(files)
    server = parsed["nomad-server.hcl"]["ok"]["vault"][0]
    assert server["create_from_role"] == "nomad-cluster"
    assert server["default_identity"] == [{"aud": ["vault.io"], "ttl": "1h"}]
    client = parsed["nomad-client.hcl"]["ok"]["vault"][0]
    assert client["jwt_auth_backend_path"] == "jwt-nomad" and "default_identity" not in client


def test_the_checks_pass(both, capsys):
    assert main(["check", str(both[0])]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("integration, version, why", [
    ("legacy", "1.9.7", 'only with integration = "workload-identity"'),
    ("workload-identity", "1.10.0", "Nomad 1.10.0 has no token flow to keep"),
])
def test_refused_where_there_is_nothing_to_keep(tmp_path, integration, version, why):
    src = switched(tmp_path)
    toml = src / "legacy.toml"
    toml.write_text(toml.read_text()
                    .replace('integration = "workload-identity"', f'integration = "{integration}"')
                    .replace('version = "1.9.7"', f'version = "{version}"'))
    with pytest.raises(ConfigError, match=why):
        load(toml)


def test_it_needs_what_the_legacy_flow_needs(tmp_path):
    src = switched(tmp_path)
    toml = src / "legacy.toml"
    text = toml.read_text()
    lines = [ln for ln in text.splitlines() if not ln.startswith("ca_pem_file")]
    toml.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="the legacy flow needs ca_pem_file or ca_pem"):
        load(toml)


def test_migrate_report_uses_it_and_guards_prod(legacy, tmp_path, capsys):
    rc = main(["migrate-report", str(legacy[0])])
    out = capsys.readouterr().out
    assert rc == 0
    steps = out[out.index("## Steps"):out.index("## Sources")]
    assert "keep_legacy_flow = true" in steps and "state rm" not in steps
    # In prod the auth method is guarded (prevent_destroy): out of the state, then Vault.
    copy = tmp_path / "cdktf.out"
    shutil.copytree(legacy[0], copy)
    path = copy / "stacks" / "legacy-vault" / "cdk.tf.json"
    doc = json.loads(path.read_text())
    (key,) = [k for k, v in doc["resource"]["vault_auth_backend"].items()
              if v["type"] == "cert"]
    doc["resource"]["vault_auth_backend"][key]["lifecycle"] = {"prevent_destroy": True}
    path.write_text(json.dumps(doc))
    assert main(["migrate-report", str(copy)]) == 0
    steps = capsys.readouterr().out.split("## Steps")[1]
    last = steps[steps.index("Remove the token role"):steps.index("Upgrade to Nomad 1.10")]
    assert f"state rm vault_auth_backend.{key}" in last
    assert "vault auth disable cert" in last
    assert f"destroys vault_auth_backend.{key}" not in last
