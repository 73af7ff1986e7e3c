"""Consul as the rules see it: auth method configs, and the service intentions that
decide each Connect upstream."""

from __future__ import annotations

from collections.abc import Iterator

from hashistack.checks.core import JsonObject
from hashistack.checks.env import Env, Resource, blocks, labeled
from hashistack.checks.jsonattr import json_attribute


def auth_method_configs(env: Env) -> list[tuple[Resource, JsonObject]]:
    """Each consul_acl_auth_method with its config; one that cannot be read is noted."""
    out = []
    for res in env.resources("consul_acl_auth_method"):
        config = json_attribute(res.get("config_json") or "{}")
        if isinstance(config, dict):
            out.append((res, config))
        else:
            env.cannot_evaluate(res, "config_json is neither JSON nor jsonencode() of a "
                                     "literal: its JWKSURL is not checked")
    return out


def upstreams(job_body: JsonObject) -> Iterator[tuple[str, str]]:
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


def intentions(env: Env) -> dict[str, dict[str, str]]:
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


