"""A Consul Enterprise namespace (`consul_namespace`).

Consul names one by "a valid DNS hostname label" (api-docs/namespaces.mdx,
`Name`); `default` always exists and cannot be created.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_consul.namespace import Namespace
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack._validate import SERVICE_NAME_ANY_CASE, shown


class ConsulNamespace(Construct):
    """A Consul Enterprise namespace, optionally inside an admin partition.

    `name` is the namespace's name as a Terraform reference, so whatever is
    made in it (the `nomad-tasks-<ns>` roles of `NomadWorkloadAuth`) is made
    after it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        description: str | None = None,
        meta: Mapping[str, str] | None = None,
        partition: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        for field, value in (("name", name), ("partition", partition)):
            if value is not None and not SERVICE_NAME_ANY_CASE.fullmatch(value):
                raise ConstructError(self, f"{field} {shown(value)} is not a DNS label")
        if name == "default":
            raise ConstructError(self, "the default namespace always exists; do not create it")
        self.namespace_name = name
        self.resource = Namespace(
            self,
            "namespace",
            name=name,
            description=description,
            meta=dict(meta) if meta else None,
            partition=partition,
        )
        self.name: str = self.resource.name
