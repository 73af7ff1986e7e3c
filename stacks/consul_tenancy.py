"""An app's Consul namespace and admin partition (Consul Enterprise), checked
against the editions the environment declares, and rendered as the group's
`consul {}` block.

Sources (hashicorp/nomad): api/consul.go, `Consul.Namespace` "(Enterprise-only)"
and `Partition` "available in Nomad CE but only works with Consul ENT";
nomad/structs/consul_ce.go, Nomad CE's `Consul.GetNamespace()` returns "", so a
namespace set in a job is silently ignored without Nomad Enterprise. Consul
names a namespace or partition by "a valid DNS hostname label" (Consul
Enterprise namespace docs, `Name`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hashistack._validate import SERVICE_NAME_ANY_CASE, shown
from hashistack.nomad.jobspec import ConsulBlock

if TYPE_CHECKING:
    from stacks.config import App


def consul_tenancy_name(value: str) -> str:
    """A Consul namespace or partition name: a DNS label (pydantic validator)."""
    if not SERVICE_NAME_ANY_CASE.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a Consul namespace or partition name (a DNS "
                         "label: letters, digits and '-', at most 63)")
    return value


def consul_tenancy_problem(app: App, consul_edition: str, nomad_edition: str) -> str | None:
    """Why the environment cannot give `app` its Consul namespace or partition
    (`<field>: <why>`), or None."""
    if app.consul_namespace is not None:
        if consul_edition != "enterprise":
            return ("consul_namespace: Consul namespaces are a Consul Enterprise feature; "
                    'set consul.edition = "enterprise" or remove it')
        if nomad_edition != "enterprise":
            return ("consul_namespace: only Nomad Enterprise places a job's services in a Consul "
                    'namespace (Nomad CE ignores it); set nomad.edition = "enterprise" or '
                    "remove it")
    if app.consul_partition is not None and consul_edition != "enterprise":
        return ("consul_partition: admin partitions are a Consul Enterprise feature; set "
                'consul.edition = "enterprise" or remove it')
    return None


def consul_block(app: App) -> ConsulBlock | None:
    """The group's `consul {}` block for `app`, or None when it sets neither field."""
    if app.consul_namespace is None and app.consul_partition is None:
        return None
    return ConsulBlock(namespace=app.consul_namespace, partition=app.consul_partition)
