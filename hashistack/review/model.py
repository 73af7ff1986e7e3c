"""What a review finds: plain frozen records, rendered by hashistack.review.report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # annotations only: the records import nothing of hashistack
    from hashistack.checks.core import Finding

Action = Literal["create", "update", "delete", "replace"]


@dataclass(frozen=True)
class AttributeChange:
    """One attribute of a changed resource; values already masked when secret-looking."""

    path: str  # "common_name", "options.file_path", "bound_claims.nomad_job_id"
    before: object
    after: object
    forces_replacement: bool = False


@dataclass(frozen=True)
class ResourceChange:
    """One Terraform resource created, updated, replaced or destroyed between BASE
    and HEAD, with the attributes that changed; `renamed_from`/`renamed_to` pair
    a destroy and a create that are a construct id rename."""

    environment: str
    stack: str
    address: str  # Terraform address: `type.name`
    type: str
    action: Action
    construct_path: str = ""
    attributes: tuple[AttributeChange, ...] = ()
    # A delete and a create of the same type and body under another address: a
    # construct id rename (destroy + create unless a moved block says otherwise).
    renamed_to: str | None = None
    renamed_from: str | None = None
    source: Literal["synth", "plan"] = "synth"
    # From a plan only: why Terraform chose the action (its `action_reason`, in
    # words), and the key of a deposed object (an old instance left by a
    # create_before_destroy replacement; deleting it leaves the live one alone).
    reason: str | None = None
    deposed: str | None = None


@dataclass(frozen=True)
class AccessChange:
    """What one identity may do on one path, before and after."""

    environment: str
    identity: str  # "JWT role app-myapp (jwt-nomad)", "Nomad job myapp (default)", ...
    kind: str  # jwt_role | approle_role | token_role | cert_role | nomad_job
    path: str
    gained: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    # Why a gain widens access, as CDK's --require-approval broadening would ask:
    # "new identity", "new path", "new capability", "sudo", "wider glob".
    broadening: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyTextChange:
    """A policy whose text changed; `effective` False when no identity's access did."""

    environment: str
    policy: str
    effective: bool
    # The identities that hold the policy in HEAD (AccessChange.identity names); empty
    # when none in these stacks does (then `effective` compares the policy's own rules).
    held_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alarm:
    """What a reviewer must see first: a stateful resource destroyed or replaced,
    protection removed, TLS weakened, a privilege gained, or a new check finding."""

    environment: str
    stack: str
    # stateful-destroy | stateful-replace | protection-removed | tls | privilege | finding
    kind: str
    message: str
    address: str = ""


@dataclass
class Review:
    """Everything a review of BASE against HEAD found: resource changes, access per
    identity, policy text changes, alarms and new findings."""

    resources: list[ResourceChange] = field(default_factory=list)
    access: list[AccessChange] = field(default_factory=list)
    policies: list[PolicyTextChange] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # new in HEAD
    environments: list[str] = field(default_factory=list)

    @property
    def broadening(self) -> bool:
        """True when some identity gains access (what CDK's approval prompt asks about)."""
        return any(a.broadening for a in self.access)

    @property
    def empty(self) -> bool:
        """True when nothing changed that a reviewer would see."""
        return not (self.resources or self.access or self.policies or self.alarms
                    or self.findings)
