"""`NomadNamespace`: a Nomad namespace (`nomad_namespace`), as a platform team sets it.

Fields are the namespace specification's (NMD other-specifications/namespace.mdx;
nomad/structs/structs.go `Namespace`): name, description, meta, quota (Enterprise),
`capabilities` and `node_pool_config` (Enterprise). Nomad CE refuses a namespace
with a node pool configuration ("Node Pools Governance is unlicensed.",
nomad/structs/structs_ce.go) and quotas are Enterprise only, so both need
`edition="enterprise"`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_nomad.namespace import (
    Namespace,
    NamespaceCapabilities,
    NamespaceNodePoolConfig,
)
from constructs import Construct

from hashistack import _validate as valid
from hashistack._cdktf import ConstructError
from hashistack.errors import FieldError

# nomad/structs/structs.go: maxNamespaceDescriptionLength.
MAX_DESCRIPTION = 256
EDITIONS = ("ce", "enterprise")


def namespace_problem(name: object) -> str | None:
    """Why Nomad would refuse `name` as a namespace name, or None (pure; the config
    uses it too). Nomad's rule: validNamespaceName, ^[a-zA-Z0-9-]{1,128}$."""
    if isinstance(name, str) and valid.NOMAD_NAMESPACE.fullmatch(name):
        return None
    return (f"{valid.shown(name)} is not a Nomad namespace name: 1 to 128 ASCII letters, "
            "digits and '-' (Nomad's validNamespaceName)")


@dataclass(frozen=True)
class Capabilities:
    """The namespace's `capabilities` block: checked by Nomad when a job is submitted."""

    enabled_task_drivers: Sequence[str] = ()
    disabled_task_drivers: Sequence[str] = ()
    enabled_network_modes: Sequence[str] = ()
    disabled_network_modes: Sequence[str] = ()

    def __post_init__(self) -> None:
        for what in ("enabled_task_drivers", "disabled_task_drivers",
                     "enabled_network_modes", "disabled_network_modes"):
            values = getattr(self, what)
            if isinstance(values, str):
                raise FieldError(f"Capabilities.{what} must be a list of names, not a string",
                                 path=f"Capabilities.{what}")
            object.__setattr__(self, what, tuple(values))
            for v in values:
                valid.text(v, f"Capabilities.{what} entry")


@dataclass(frozen=True)
class NodePoolConfig:
    """The namespace's `node_pool_config` block (Nomad Enterprise): the default node
    pool of its jobs, and the pools they may (`allowed`) or may not (`denied`) use."""

    default: str | None = None
    allowed: Sequence[str] | None = None
    denied: Sequence[str] | None = None

    def __post_init__(self) -> None:
        # structs.go NamespaceNodePoolConfiguration: Allowed "cannot be used with Denied".
        if self.allowed is not None and self.denied is not None:
            raise FieldError("NodePoolConfig: set allowed or denied, not both (Nomad refuses "
                             "both)", path="NodePoolConfig.allowed")
        if self.default is not None:
            valid.text(self.default, "NodePoolConfig.default")
        for what in ("allowed", "denied"):
            values = getattr(self, what)
            if values is None:
                continue
            if isinstance(values, str):
                raise FieldError(f"NodePoolConfig.{what} must be a list of node pools",
                                 path=f"NodePoolConfig.{what}")
            object.__setattr__(self, what, tuple(values))
            for v in values:
                valid.text(v, f"NodePoolConfig.{what} entry")


class NomadNamespace(Construct):
    """A Nomad namespace; pass it to `NomadJob(..., namespace=ns)` to run the job in it.

    `name` follows Nomad's rule (`namespace_problem`). `quota` and
    `node_pool_config` are Nomad Enterprise features: refused unless
    `edition="enterprise"`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        description: str | None = None,
        meta: Mapping[str, str] | None = None,
        quota: str | None = None,
        capabilities: Capabilities | None = None,
        node_pool_config: NodePoolConfig | None = None,
        edition: str = "ce",
    ) -> None:
        super().__init__(scope, id)
        problem = namespace_problem(name)
        if problem:
            raise ConstructError(self, f"name: {problem}")
        if edition not in EDITIONS:
            raise ConstructError(self, f"edition must be one of {EDITIONS}, got {edition!r}")
        try:
            if description is not None:
                valid.text(description, "description")
                if len(description) > MAX_DESCRIPTION:
                    raise ConstructError(self, f"description is longer than {MAX_DESCRIPTION} "
                                               "characters: Nomad refuses it")
            for key, value in (meta or {}).items():
                valid.text(key, "meta key")
                valid.text(value, f"meta {key!r}")
            enterprise = {"quota": quota, "node_pool_config": node_pool_config}
            used = [k for k, v in enterprise.items() if v is not None]
            if used and edition != "enterprise":
                raise ConstructError(self, f"{' and '.join(used)}: Nomad Enterprise only "
                                           "(Nomad CE refuses them); set edition='enterprise'")
            if quota is not None:
                valid.text(quota, "quota")
        except FieldError as err:  # named by this construct's path
            raise ConstructError(self, str(err)) from None
        self.name = name
        caps = capabilities
        pools = node_pool_config
        self.resource = Namespace(
            self,
            "namespace",
            name=name,
            description=description,
            meta=dict(meta) if meta else None,
            quota=quota,
            capabilities=NamespaceCapabilities(
                enabled_task_drivers=list(caps.enabled_task_drivers) or None,
                disabled_task_drivers=list(caps.disabled_task_drivers) or None,
                enabled_network_modes=list(caps.enabled_network_modes) or None,
                disabled_network_modes=list(caps.disabled_network_modes) or None,
            ) if caps else None,
            node_pool_config=NamespaceNodePoolConfig(
                default=pools.default,
                allowed=list(pools.allowed) if pools.allowed is not None else None,
                denied=list(pools.denied) if pools.denied is not None else None,
            ) if pools else None,
        )
