"""`VaultPolicy`: a policy document as a `vault_policy` resource."""

from __future__ import annotations

from collections.abc import Iterator

from cdktf_cdktf_provider_vault.policy import Policy as _VaultPolicyResource
from constructs import Construct

from hashistack._cdktf import (
    ConstructError,
    RenderedText,
    add_validation,
    remember_stack,
    rendered,
)
from hashistack.vault.grants import Grant
from hashistack.vault.policy import PolicyDocument


class VaultPolicy(Construct):
    """A named Vault policy whose text is rendered at synth.

    Grants (`kv.grant_read(policy, "myapp")`) may be added after construction;
    the policy text is the canonical HCL of the final document. At synth the
    document is frozen: a grant or change after that raises a `ConstructError`
    naming this policy, where it would otherwise be silently lost.

    A `Grantable`: its own default policy (`grantee_kind` "policy").
    """

    def __init__(
        self, scope: Construct, id: str, *, name: str, document: PolicyDocument | None = None
    ) -> None:
        super().__init__(scope, id)
        remember_stack(self, scope)
        self.name = name
        self._document = document if document is not None else PolicyDocument(name=name)
        self._grants: list[Grant] = []
        self._frozen = False
        # Who else holds this policy, when a grant through one role must not widen it
        # (NomadWorkloadIdentity's default policy: every job's default login).
        self.shared_by: str | None = None
        text = rendered(self._document.to_hcl)
        self.resource = _VaultPolicyResource(self, "policy", name=name, policy=text or "")
        # The document may be replaced (`policy.document = ...`): render whichever it is.
        self._text = RenderedText(self, self.resource, "policy", lambda: self._document.to_hcl(),
                                  text, fingerprint=self._version, on_synth=self._freeze)
        add_validation(self, self._validate)

    @classmethod
    def from_hcl(cls, scope: Construct, id: str, *, name: str, text: str) -> VaultPolicy:
        """Bring your own policy text (HCL or JSON); it is checked like ours."""
        return cls(
            scope, id, name=name, document=PolicyDocument.parse(text, source=id, strict=True)
        )

    @property
    def document(self) -> PolicyDocument:
        """The policy's document; replaceable (and changeable) until synth."""
        return self._document

    @document.setter
    def document(self, document: PolicyDocument) -> None:
        if self._frozen:
            raise self._refuse("the document")
        self._document = document

    @property
    def grantee_name(self) -> str:
        """The policy's name in Vault."""
        return self.name

    @property
    def grantee_kind(self) -> str:
        """`policy`."""
        return "policy"

    @property
    def default_policy(self) -> VaultPolicy:
        """The policy itself: a grant to a policy adds to it."""
        return self

    @property
    def grants(self) -> tuple[Grant, ...]:
        """Every grant that added to this policy, in order, and to whom it was made."""
        return tuple(self._grants)

    @property
    def frozen(self) -> bool:
        """Whether the text was rendered at synth (no change is taken after that)."""
        return self._frozen

    def add(self, path: str, *capabilities: str) -> VaultPolicy:
        """Grant `capabilities` on `path` (merged with what the path has); `self`."""
        self._document.add(path, capabilities)
        self._text.sync(at_synth=False)
        return self

    def record(self, grant: Grant) -> None:
        """Keep `grant` (made by `hashistack.vault.grants.grant`) among `grants`."""
        if grant.policy != self.name:
            raise ConstructError(self, f"grant {grant} is not on policy {self.name!r}")
        self._grants.append(grant)

    def _freeze(self) -> None:
        # Called once the text was rendered at synth (RenderedText's on_synth).
        self._frozen = True
        self._document.freeze(lambda path: self._refuse(f"path {path!r}"))

    def _refuse(self, what: str) -> ConstructError:
        return ConstructError(
            self,
            f"policy {self.name!r} was rendered at synth; a change to {what} now would "
            "never reach the synthesized JSON: grant before synth",
        )

    def refusal(self, what: str) -> ConstructError:
        """Why this policy cannot take `what` now (frozen at synth, or shared)."""
        if self._frozen:
            return self._refuse(what)
        return ConstructError(self, f"policy {self.name!r} refuses {what}")

    def _version(self) -> tuple[int, int]:
        return id(self._document), self._document.version

    def _validate(self) -> Iterator[str]:
        if not self._document.rules:
            yield f"policy {self.name!r} grants nothing: add a path or drop the policy"
