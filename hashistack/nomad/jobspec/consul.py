"""The jobspec `consul` block at group level: Consul namespace, partition, cluster.

NMD job-specification/consul.mdx and api/consul.go: `namespace` is Nomad
Enterprise only (Nomad CE ignores it: nomad/structs/consul_ce.go), `cluster`
other than "default" needs Nomad Enterprise (nomad/job_endpoint_hook_consul_ce.go,
"non-default Consul cluster requires Nomad Enterprise"), and `partition` works in
Nomad CE but needs Consul Enterprise. The environment config says which edition
runs (stacks/consul_tenancy.py); this model only writes the block.
"""

from __future__ import annotations

from dataclasses import dataclass

from hashistack import _validate as valid
from hashistack.errors import FieldError
from hashistack.hcl import Block, block


@dataclass(frozen=True)
class ConsulBlock:
    """`consul { namespace, partition, cluster }`: where the group's services
    register and its templates read Consul."""

    namespace: str | None = None
    partition: str | None = None
    cluster: str | None = None

    def __post_init__(self) -> None:
        for what in ("namespace", "partition", "cluster"):
            value = getattr(self, what)
            if value is not None and not valid.SERVICE_NAME_ANY_CASE.fullmatch(value):
                raise FieldError(f"ConsulBlock.{what} {valid.shown(value)} is not a Consul "
                                 "name (a DNS label)", path=f"ConsulBlock.{what}")

    def block(self) -> Block:
        """The `consul` block, as the HCL writer renders it."""
        return block("consul", namespace=self.namespace, partition=self.partition,
                     cluster=self.cluster)
