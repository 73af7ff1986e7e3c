"""An app's Consul namespace and admin partition (Consul Enterprise), checked
against the editions the environment declares, and rendered as the group's
`consul {}` block.

Sources (hashicorp/nomad): api/consul.go, `Consul.Namespace` "(Enterprise-only)"
and `Partition` "available in Nomad CE but only works with Consul ENT";
nomad/structs/consul_ce.go, Nomad CE's `Consul.GetNamespace()` returns "", so a
namespace set in a job is silently ignored without Nomad Enterprise. Consul
names a namespace or partition by "a valid DNS hostname label" (Consul
Enterprise namespace docs, `Name`).

The Consul side (`consul_namespaces`): each app's namespace as a
`consul_namespace`, and with Consul ACLs and workload identities the
`nomad-workloads` auth method's namespace rule plus the `nomad-tasks` policy and
roles inside each namespace (`NomadWorkloadAuth(consul_namespaces=...)`, whose
docstring cites the sources). Admin partitions are refused there: Nomad logs a
workload in in its client's partition (NMD client/consul/consul.go,
`DeriveTokenWithJWT`), which needs its own auth method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hashistack._validate import SERVICE_NAME_ANY_CASE, shown
from hashistack.nomad.jobspec import ConsulBlock

if TYPE_CHECKING:
    from constructs import Construct

    from hashistack.consul.namespace import ConsulNamespace
    from stacks.config import App, Environment


def consul_tenancy_name(value: str) -> str:
    """A Consul namespace or partition name: a DNS label (pydantic validator)."""
    if not SERVICE_NAME_ANY_CASE.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a Consul namespace or partition name (a DNS "
                         "label: letters, digits and '-', at most 63)")
    return value


def consul_tenancy_problem(app: App, consul_edition: str, nomad_edition: str,
                           workload_logins: bool = False) -> str | None:
    """Why the environment cannot give `app` its Consul namespace or partition
    (`<field>: <why>`), or None. `workload_logins`: the Consul stack makes the
    workload-identity auth method (Consul ACLs with workload identities)."""
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
    if workload_logins and app.consul_partition not in (None, "default"):
        return ("consul_partition: not built with Consul ACLs and workload identities: Nomad "
                "logs a workload in to Consul in its client's admin partition, which needs "
                "its own nomad-workloads auth method, binding rules and roles, and these "
                "stacks make them in the default partition only; remove it, or set that "
                "partition up with `nomad setup consul` (CONSUL_PARTITION=<partition>) and "
                "run the job outside these stacks")
    return None


def consul_namespaces(scope: Construct, env: Environment) -> list[ConsulNamespace]:
    """One `consul_namespace` per Consul namespace the apps use (in their
    partition), besides `default`; none without them (Consul CE)."""
    from hashistack.consul.namespace import ConsulNamespace

    made: dict[tuple[str | None, str], ConsulNamespace] = {}
    for app in env.apps:
        name = app.consul_namespace
        if name is None or name == "default":
            continue
        partition = None if app.consul_partition in (None, "default") else app.consul_partition
        if (partition, name) not in made:
            where = f"-in-{partition}" if partition else ""
            made[(partition, name)] = ConsulNamespace(
                scope, f"consul-namespace-{name}{where}", name=name, partition=partition,
                description="Nomad jobs' services (hashistack)")
    return list(made.values())


def consul_block(app: App) -> ConsulBlock | None:
    """The group's `consul {}` block for `app`, or None when it sets neither field."""
    if app.consul_namespace is None and app.consul_partition is None:
        return None
    return ConsulBlock(namespace=app.consul_namespace, partition=app.consul_partition)
