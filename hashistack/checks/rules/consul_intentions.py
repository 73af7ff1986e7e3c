"""Connect upstreams against the service intentions that decide them."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.env import Env, blocks, labeled
from hashistack.checks.model import ERROR, Hit, rule
from hashistack.checks.rules._jobs import jobs


def upstreams(job_body: dict) -> Iterator[tuple[str, str]]:
    """(service, destination) for each Connect upstream of a parsed job."""
    for _, group in labeled(job_body.get("group")):
        for service in blocks(group.get("service")):
            name = service.get("name")
            for connect in blocks(service.get("connect")):
                for sidecar in blocks(connect.get("sidecar_service")):
                    for proxy in blocks(sidecar.get("proxy")):
                        for up in blocks(proxy.get("upstreams")):
                            if isinstance(name, str) and up.get("destination_name"):
                                yield name, str(up["destination_name"])


def _intentions(env: Env) -> dict[str, dict[str, str]]:
    """destination -> {source: action}, from consul_config_entry_service_intentions."""
    out: dict[str, dict[str, str]] = {}
    for res in env.resources("consul_config_entry_service_intentions"):
        sources = out.setdefault(str(res.value("name")), {})
        for s in res.items("sources"):
            if isinstance(s, dict) and s.get("name") and s.get("action"):
                sources[str(s["name"])] = str(s["action"])
    return out


def decision(intentions: dict[str, dict[str, str]], source: str, destination: str) -> str | None:
    """Consul's precedence: an exact destination before `*`, an exact source before `*`."""
    for dest in (destination, "*"):
        for src in (source, "*"):
            action = intentions.get(dest, {}).get(src)
            if action is not None:
                return action
    return None


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
    intentions = _intentions(env)
    if not intentions:
        return
    for job in jobs(env):
        body = next((b for _, b in labeled(job.raw.get("job"))), {})
        for service, destination in sorted(set(upstreams(body))):
            if decision(intentions, service, destination) == "deny":
                yield Hit(job.resource, f"job {job.name!r}: service {service!r} lists upstream "
                          f"{destination!r}, but the intentions deny {service} -> {destination}")
