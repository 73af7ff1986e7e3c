"""HS-CONSUL-003: Connect upstreams against the service intentions that decide them."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, labeled
from hashistack.checks.facts.consul import decision, intentions, upstreams
from hashistack.checks.facts.jobs import jobs
from hashistack.checks.rulekit import ERROR, Hit, rule


@rule(
    "HS-CONSUL-003", ERROR, "Connect upstream denied by intentions",
    explanation=(
        "With a default-deny intention (`*` to `*` deny), Consul refuses every Connect "
        "connection that no allow intention matches (Consul docs, service intentions: "
        "precedence by exact then wildcard destination and source). A job whose sidecar "
        "lists an upstream that the intentions deny deploys fine and then fails every call."
    ),
    fix="Allow the caller on the upstream (stacks: the app's `upstreams` in the environment "
        "file; hashistack.consul.ServiceIntentions(allow_from=[...])), or drop the upstream.",
)
def upstream_denied(env: Env) -> Iterator[Hit]:
    denied = intentions(env)
    if not denied:
        return
    for job in jobs(env):
        body = next((b for _, b in labeled(job.raw.get("job"))), {})
        for service, destination in sorted(set(upstreams(body))):
            if decision(denied, service, destination) == "deny":
                yield Hit(job.resource, f"job {job.name!r}: service {service!r} lists upstream "
                          f"{destination!r}, but the intentions deny {service} -> {destination}")
