"""Nomad namespaces of an environment, and where an app's secrets live in them."""

from __future__ import annotations

from constructs import Construct

from hashistack.nomad import Capabilities, NodePoolConfig, NomadNamespace
from stacks.config import App, Environment
from stacks.namespace_config import NamespaceConfig


def nomad_namespaces(scope: Construct, env: Environment) -> dict[str, NomadNamespace]:
    """One `NomadNamespace` per `nomad.namespaces` entry but `default` (Nomad has it
    already). Each keeps the address the stack gave its raw resource before,
    `nomad_namespace.namespace-<ns>`, so existing state is not replaced."""
    made = {}
    for ns in env.nomad.namespaces:
        if ns == "default":
            continue
        c = env.nomad.namespace_config.get(ns) or NamespaceConfig()
        caps, pools = c.capabilities, c.node_pool_config
        made[ns] = NomadNamespace(
            scope, f"namespace-{ns}", name=ns, description=c.description or "hashistack",
            meta=c.meta or None, quota=c.quota, edition=env.nomad.edition,
            capabilities=Capabilities(**caps.model_dump()) if caps else None,
            node_pool_config=NodePoolConfig(**pools.model_dump()) if pools else None)
        made[ns].resource.override_logical_id(f"namespace-{ns}")
    return made


def secret_path(app: App) -> str:
    """The app's KV secret path under the mount: `<namespace>/<app>`, as Nomad's
    templated policy lays secrets out (`<ns>/<job>`, NMD integrations/vault/acl.mdx),
    for an app outside `default`, so an app's name in one namespace never reaches
    the same name's secret in another. `default` keeps `<app>`: the path its
    secrets already have."""
    return app.name if app.namespace == "default" else f"{app.namespace}/{app.name}"
