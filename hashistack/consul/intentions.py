"""Service intentions: deny by default, allow what apps declare."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_consul.config_entry_service_intentions import (
    ConfigEntryServiceIntentions,
    ConfigEntryServiceIntentionsSources,
)
from constructs import Construct

from hashistack._cdktf import ConstructError


class DefaultDeny(Construct):
    """`*` → `*` deny: without an explicit allow no service may call another."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.resource = ConfigEntryServiceIntentions(
            self,
            "intentions",
            name="*",
            sources=[ConfigEntryServiceIntentionsSources(name="*", action="deny")],
        )


class ServiceIntentions(Construct):
    """The services allowed to call `destination`."""

    def __init__(
        self, scope: Construct, id: str, *, destination: str, allow_from: Sequence[str]
    ) -> None:
        super().__init__(scope, id)
        if destination == "*" or "*" in allow_from:
            raise ConstructError(self, "wildcard allows defeat default deny; name the services")
        if not allow_from:
            raise ConstructError(self, f"no sources for {destination!r}: default deny covers it")
        self.destination = destination
        self.resource = ConfigEntryServiceIntentions(
            self,
            "intentions",
            name=destination,
            sources=[
                ConfigEntryServiceIntentionsSources(name=s, action="allow")
                for s in sorted(set(allow_from))
            ],
        )
