"""HS-VAULT-013/014 (and HS-CHECK-004, HS-VAULT-009) over rendered Vault server
configs: a failing and a passing case each, on tests/test_checks_rules.py's base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hashistack.checks import run_checks
from hashistack.checks.load import load_synth
from hashistack.vault.server_config import DeclaredAudit, Listener, RetryJoin, VaultServerConfig
from stacks.config import load
from stacks.vault_cluster import server_files
from tests.test_checks_rules import base

TLS = Listener(tls_cert_file="/etc/vault.d/tls/vault.pem",
               tls_key_file="/etc/vault.d/tls/vault-key.pem")


def server(i: int, n: int, *, dev: bool = False, **over) -> str:
    scheme = "http" if dev else "https"
    return VaultServerConfig(
        node_id=f"vault-{i}",
        api_addr=f"{scheme}://vault-{i}:8200",
        cluster_addr=f"https://vault-{i}:8201",
        listener=Listener(tls_disable=True) if dev else TLS,
        retry_join=[RetryJoin(f"{scheme}://vault-{j}:8200") for j in range(1, n + 1) if j != i],
        dev=dev,
        **over,
    ).to_hcl()


def cluster(n: int, **over) -> dict[str, str]:
    return {f"vault-server-vault-{i}.hcl": server(i, n, **over) for i in range(1, n + 1)}


def findings(tier: str, files: dict[str, str], rule: str) -> list[tuple[str, str, str]]:
    synth, rendered = base(tier)
    rendered["t-vault"] = files
    return [(f.level, f.resource, f.message) for f in run_checks(synth, rendered).findings
            if f.rule == rule]


# HS-VAULT-013 -------------------------------------------------------------------

@pytest.mark.parametrize(("tier", "level"), [("prod", "error"), ("staging", "warning")])
def test_listener_tls_disabled(tier, level):
    found = findings(tier, cluster(3, dev=True), "HS-VAULT-013")
    assert [(lv, res) for lv, res, _ in found] == [
        (level, f"rendered/vault-server-vault-{i}.hcl") for i in (1, 2, 3)]
    assert "tls_disable on" in found[0][2]


def test_listener_tls_disabled_as_written_by_hand():
    # Vault reads "1" and "true" as true too (strconv.ParseBool).
    text = server(1, 3).replace('tls_min_version', 'tls_disable = "1"\n  tls_min_version')
    assert [lv for lv, _, _ in findings("prod", {"vault-server-x.hcl": text},
                                        "HS-VAULT-013")] == ["error"]


def test_listener_tls_on_and_dev_pass():
    assert findings("prod", cluster(3), "HS-VAULT-013") == []
    assert findings("dev", cluster(3, dev=True), "HS-VAULT-013") == []


# HS-VAULT-014 -------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 4])
def test_raft_quorum_in_prod(n):
    found = findings("prod", cluster(n), "HS-VAULT-014")
    assert len(found) == 1 and found[0][0] == "error"
    assert f"{n} raft node(s)" in found[0][2]


@pytest.mark.parametrize("n", [3, 5])
def test_raft_quorum_odd_passes(n):
    assert findings("prod", cluster(n), "HS-VAULT-014") == []


def test_raft_quorum_only_in_prod():
    assert findings("staging", cluster(1), "HS-VAULT-014") == []
    assert findings("prod", {}, "HS-VAULT-014") == []  # no servers rendered: nothing to count


# HS-CHECK-004 and HS-VAULT-009 ----------------------------------------------------

def test_unreadable_server_config_is_an_error():
    found = findings("prod", {"vault-server-vault-1.hcl": 'storage "raft" {'},
                     "HS-CHECK-004")
    assert [(lv, res) for lv, res, _ in found] == [
        ("error", "rendered/vault-server-vault-1.hcl")]


def test_declared_audit_satisfies_hs_vault_009():
    synth, rendered = base("prod")
    del synth["t-vault"]["resource"]["vault_audit"]
    rendered["t-vault"] = cluster(3)
    assert any(f.rule == "HS-VAULT-009" for f in run_checks(synth, rendered).findings)
    audit = [DeclaredAudit("file", "file", {"file_path": "/var/log/vault/audit.log"})]
    rendered["t-vault"] = cluster(3, product="openbao", audit=audit)
    assert not any(f.rule == "HS-VAULT-009" for f in run_checks(synth, rendered).findings)


def test_shipped_environments_pass(tmp_path: Path):
    """The shipped prod and staging servers: TLS on, 5 and 3 nodes, read back from disk
    as `hashistack check` reads cdktf.out."""
    root = Path(__file__).resolve().parent.parent
    for name in ("staging", "prod"):
        env = load(root / "environments" / f"{name}.toml")
        synth, rendered = base(env.tier)
        out = tmp_path / name
        for stack, doc in synth.items():
            folder = out / "stacks" / stack
            (folder / "rendered").mkdir(parents=True)
            (folder / "cdk.tf.json").write_text(json.dumps(doc))
        for fname, text in server_files(env).items():
            (out / "stacks" / "t-vault" / "rendered" / fname).write_text(text)
        (out / "manifest.json").write_text(json.dumps({"version": "0.21.0", "stacks": {
            s: {"name": s, "synthesizedStackPath": f"stacks/{s}/cdk.tf.json"} for s in synth}}))
        synth_back, rendered_back = load_synth(out)
        assert len(rendered_back["t-vault"]) == len(env.vault.cluster.nodes)
        report = run_checks(synth_back, rendered_back)
        assert report.findings == [], [(f.rule, f.message) for f in report.findings]
