"""`nomad.keep_legacy_flow`: workload identity with the legacy token flow kept
beside it, for the upgrade.

Nomad's migration keeps both flows running: servers "do not modify any of the
existing Vault configuration" and only add `default_identity`, so tasks not yet
redeployed still get tokens from the `nomad-cluster` role while new ones log in
with their identity (NMD@v1.9.7 website/content/docs/integrations/vault/acl.mdx,
"Migrating to Using Workload Identity with Vault"; NMD@v1.10.0
website/content/docs/upgrade/upgrade-specific.mdx). The Vault stack keeps the
token role, the `nomad-server` and start-up policies and the cert auth method
at their addresses, so switching `integration` does not destroy them; the
Nomad stack keeps the servers' start-up script and renders the servers'
`vault {}` with both flows.
"""

from __future__ import annotations

from dataclasses import replace

from hashistack.nomad.agent_config import AgentVaultBlock
from hashistack.versions import LEGACY_REMOVED_IN, Version


def keep_legacy_problem(keep: bool, integration: str, version: Version) -> str | None:
    """Why `nomad.keep_legacy_flow` cannot hold here, or None."""
    if not keep:
        return None
    if integration != "workload-identity":
        return ('nomad.keep_legacy_flow: only with integration = "workload-identity" (the '
                "legacy flow has its objects already)")
    if version >= Version(*LEGACY_REMOVED_IN):
        return (f"nomad.keep_legacy_flow: Nomad {version} has no token flow to keep (1.10.0 "
                "removed it, upgrade-specific.mdx); finish the migration on 1.9 first")
    return None


def keeps_legacy(integration: str, keep: bool) -> bool:
    """True when the legacy token-flow objects are declared: the legacy flow, or
    workload identity with `keep_legacy_flow`."""
    return integration == "legacy" or keep


def side_by_side(wi: AgentVaultBlock, token_role: str) -> AgentVaultBlock:
    """The servers' `vault {}` while both flows run: the token workflow as it was
    (`create_from_role`, the token from the start-up script), plus the
    `default_identity` that signs identities for Vault (acl.mdx: "do not modify
    any of the existing Vault configuration")."""
    return replace(wi, workflow="token", jwt_auth_backend_path=None,
                   create_from_role=token_role)
