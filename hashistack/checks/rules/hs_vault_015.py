"""HS-VAULT-015: a metrics scraper's policy that grants more than read on sys/metrics."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env
from hashistack.checks.facts.policies import granted
from hashistack.checks.rulekit import WARNING, Hit, rule

METRICS = "sys/metrics"


@rule(
    "HS-VAULT-015", WARNING, "scraper policy broader than read on sys/metrics",
    explanation=(
        "A policy that names sys/metrics itself is a metrics scraper's (a broader admin "
        "policy reaches it through a glob). The scraper's token sits in a file on the "
        "Prometheus machine, read at every scrape; GET /v1/sys/metrics is a read and the "
        "path has no other operation (hashicorp/vault api-docs/system/metrics.mdx; "
        "openbao internal/vault/logical_system_paths.go metricsPath), so read there is "
        "all it needs. Anything more, there or on another path, goes wherever that file "
        "goes. Vault's telemetry docs also list `list`, which the endpoint never uses."
    ),
    fix="Keep the scraper's policy to `path \"sys/metrics\" { capabilities = [\"read\"] }` "
        "(hashistack.vault.presets.sys_metrics_reader) and give other access its own policy.",
)
def scraper_policy_broad(env: Env) -> Iterator[Hit]:
    for res in env.policies.values():
        doc = env.policy_doc(res)
        rules = list(doc.rules) if doc else []
        if not any(r.path.lstrip("/") == METRICS for r in rules):
            continue
        extra = []
        for r in rules:
            caps = granted(r) - ({"read"} if r.path.lstrip("/") == METRICS else set())
            if caps:
                extra.append(f"{sorted(caps)} on {r.path!r}")
        if extra:
            yield Hit(res, f"policy {res.get('name')!r} reads {METRICS} (a metrics scraper's) "
                           f"and also grants {'; '.join(extra)}")
