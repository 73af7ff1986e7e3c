"""`[nomad.namespace_config.<ns>]`: what a namespace of `nomad.namespaces` says
besides its name, in the namespace specification's words (NMD
other-specifications/namespace.mdx; `hashistack.nomad.NomadNamespace`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Nomad's own limit (nomad/structs/structs.go maxNamespaceDescriptionLength).
Description = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\n\r\x00]+$")]
Word = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_./*:-]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class NamespaceCapabilities(_Model):
    """`capabilities {}`: the task drivers and network modes jobs may use."""

    enabled_task_drivers: list[Word] = Field(default_factory=list)
    disabled_task_drivers: list[Word] = Field(default_factory=list)
    enabled_network_modes: list[Word] = Field(default_factory=list)
    disabled_network_modes: list[Word] = Field(default_factory=list)


class NamespaceNodePools(_Model):
    """`node_pool_config {}` (Nomad Enterprise): `allowed` or `denied`, not both."""

    default: Word | None = None
    allowed: list[Word] | None = None
    denied: list[Word] | None = None

    @model_validator(mode="after")
    def _one_list(self) -> NamespaceNodePools:
        if self.allowed is not None and self.denied is not None:
            raise ValueError("set allowed or denied, not both (Nomad refuses both)")
        return self


class NamespaceConfig(_Model):
    """One namespace's description, meta, quota (Enterprise), capabilities and node
    pool configuration (Enterprise)."""

    description: Description | None = None
    meta: dict[Word, Description] = Field(default_factory=dict)
    quota: Word | None = None
    capabilities: NamespaceCapabilities | None = None
    node_pool_config: NamespaceNodePools | None = None


def namespace_config_problem(namespaces: list[str], config: dict[str, NamespaceConfig],
                             edition: str) -> str | None:
    """Why `nomad.namespace_config` does not fit the environment, or None."""
    for ns, settings in config.items():
        where = f"nomad.namespace_config.{ns}"
        if ns == "default":
            return (f"{where}: `default` is Nomad's own namespace, not made here; configure "
                    "the namespaces this file creates")
        if ns not in namespaces:
            return f"{where}: {ns!r} is not in nomad.namespaces {namespaces}"
        enterprise = [f for f in ("quota", "node_pool_config") if getattr(settings, f)]
        if enterprise and edition != "enterprise":
            return (f"{where}.{enterprise[0]}: a Nomad Enterprise feature (Nomad CE refuses "
                    'it); set nomad.edition = "enterprise" or remove it')
    return None
