"""Grants, in AWS CDK's shape: a `Grantable` holds a default policy, a
`grant_*` method adds rules to it and returns a `Grant` saying what was
granted to whom.

The grantees are a `VaultPolicy` (its own default policy), a JWT role
(`JobRole`, from `NomadWorkloadIdentity.add_job_role`), an AppRole role
(`AppRole`) and a cert auth role (`CertAuthRole`): a role's default policy is
the first `VaultPolicy` it holds,
the one a grant to the role adds to. Each grantee declares its own access,
even when two of them hold the same policy: the rules merge (one rule per
path, as Vault does), and the policy keeps the record of who asked for what.

Imports nothing of cdktf at run time: the policy is only named for types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from hashistack.vault.vault_policy import VaultPolicy


class Grantable(Protocol):
    """What a grant can be given to (AWS CDK's `IGrantable`)."""

    @property
    def grantee_name(self) -> str:
        """The grantee's name in Vault (a policy's or a role's name)."""
        ...

    @property
    def grantee_kind(self) -> str:
        """What the grantee is: `policy`, `jwt-role`, `approle-role` or `cert-role`."""
        ...

    @property
    def default_policy(self) -> VaultPolicy:
        """The policy a grant to this grantee adds its rules to."""
        ...


@dataclass(frozen=True)
class Grant:
    """What one `grant_*` call granted, and to whom.

    `grantee`/`grantee_kind` name who asked (a policy, a JWT role, an AppRole
    role); `policy` is the Vault policy that now holds the rules, `paths` and
    `capabilities` the rules it added (each path got every capability).
    """

    grantee: str
    grantee_kind: str
    policy: str
    paths: tuple[str, ...]
    capabilities: tuple[str, ...]

    def __str__(self) -> str:
        return (f"{', '.join(self.capabilities)} on {', '.join(self.paths)} "
                f"to {self.grantee_kind} {self.grantee!r} (policy {self.policy!r})")


def preflight(grantee: Grantable, paths: tuple[str, ...] = ()) -> VaultPolicy:
    """The policy a grant to `grantee` would add to, if it can take one.

    Raises a `ConstructError` naming the policy if its text was already
    rendered at synth (the grant would never reach the synthesized JSON), or if
    it is shared by logins beyond this grantee (a role's grant would widen them
    all: the workload-identity default policy every job's default login holds).
    """
    found = getattr(grantee, "default_policy", None)
    if found is None or not hasattr(found, "add"):
        raise TypeError(f"cannot grant to {type(grantee).__name__}: expected a Grantable "
                        "(a VaultPolicy, a JobRole, an AppRole or a CertAuthRole)")
    policy: VaultPolicy = found
    if policy.frozen:
        raise policy.refusal(f"path {paths[0]!r}" if paths else "a grant")
    if policy.shared_by and policy is not grantee:
        raise policy.refusal(
            f"a grant to {grantee.grantee_kind} {grantee.grantee_name!r}, which would reach "
            f"{policy.shared_by}; give the role a policy of its own (first in its "
            "policies), or grant to the shared policy itself on purpose")
    return policy


def role_default_policy(role: object, role_name: str, policies: tuple[VaultPolicy, ...],
                        names: Iterable[str]) -> VaultPolicy:
    """A role's default policy: the first `VaultPolicy` it holds. A role that holds
    its policies by name only cannot take a grant: ConstructError saying so."""
    if policies:
        return policies[0]
    from hashistack._cdktf import ConstructError  # a role is a construct: cdktf is loaded

    raise ConstructError(
        role,  # type: ignore[arg-type]
        f"role {role_name!r} holds its policies by name only ({', '.join(names)}): "
        "pass a VaultPolicy in token_policies to grant to the role",
    )


def grant(grantee: Grantable, paths: str | Iterable[str], *capabilities: str) -> Grant:
    """Add `capabilities` on each of `paths` to `grantee`'s default policy; the record.

    Refused as `preflight` says, before anything changes.
    """
    wanted = (paths,) if isinstance(paths, str) else tuple(paths)
    policy = preflight(grantee, wanted)
    for path in wanted:
        policy.add(path, *capabilities)
    record = Grant(
        grantee=grantee.grantee_name,
        grantee_kind=grantee.grantee_kind,
        policy=policy.name,
        paths=wanted,
        capabilities=tuple(capabilities),
    )
    policy.record(record)
    return record
