"""Nomad versions, and which Vault/Consul integration each supports."""

from __future__ import annotations

import re
from typing import NamedTuple

from hashistack.errors import FieldError

# NMD@v1.10.0 website/content/docs/upgrade/upgrade-specific.mdx: "Nomad 1.10.0
# removes the previously deprecated token-based authentication workflow for
# Vault and Consul." Workload identity arrived in Nomad 1.7.
WORKLOAD_IDENTITY_SINCE = (1, 7, 0)
LEGACY_REMOVED_IN = (1, 10, 0)


class Version(NamedTuple):
    """A Nomad version, major.minor.patch, compared as a tuple."""

    major: int
    minor: int
    patch: int = 0

    @classmethod
    def parse(cls, text: str) -> Version:
        """Read "1.10.0", "v1.9" or "1.10.0-beta.1" (a pre-release or build suffix is
        dropped); FieldError when `text` is no version."""
        match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?", text.strip())
        if not match:
            raise FieldError(f'{text!r} is not a Nomad version like "1.10.0"', path="version")
        major, minor, patch = match.groups()
        return cls(int(major), int(minor), int(patch or 0))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def check_integration(version: Version, integration: str) -> None:
    """Refuse an integration the given Nomad version does not have."""
    if integration == "legacy" and version >= LEGACY_REMOVED_IN:
        raise FieldError(
            f'nomad.integration = "legacy" is not possible with Nomad {version}: '
            "Nomad 1.10.0 removed the token-based workflow for Vault and Consul "
            "(vault.token, vault.allow_unauthenticated, jobspec vault.policies); "
            "use workload identity",
            path="nomad.integration",
        )
    if integration == "workload-identity" and version < WORKLOAD_IDENTITY_SINCE:
        raise FieldError(
            f'nomad.integration = "workload-identity" needs Nomad 1.7.0 or later, '
            f'not {version}; use "legacy"',
            path="nomad.integration",
        )
