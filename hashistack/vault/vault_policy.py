"""`VaultPolicy`: a policy document as a `vault_policy` resource."""

from __future__ import annotations

from collections.abc import Iterator

from cdktf_cdktf_provider_vault.policy import Policy as _VaultPolicyResource
from constructs import Construct

from hashistack._cdktf import RenderedText, add_validation, remember_stack, rendered
from hashistack.vault.policy import PolicyDocument


class VaultPolicy(Construct):
    """A named Vault policy whose text is rendered at synth.

    Grants (`kv.grant_read(policy, "myapp")`) may be added after construction;
    the policy text is the canonical HCL of the final document.
    """

    def __init__(
        self, scope: Construct, id: str, *, name: str, document: PolicyDocument | None = None
    ) -> None:
        super().__init__(scope, id)
        remember_stack(self, scope)
        self.name = name
        self.document = document if document is not None else PolicyDocument(name=name)
        text = rendered(self.document.to_hcl)
        self.resource = _VaultPolicyResource(self, "policy", name=name, policy=text or "")
        # The document may be replaced (`policy.document = ...`): render whichever it is.
        self._text = RenderedText(self, self.resource, "policy", lambda: self.document.to_hcl(),
                                  text, fingerprint=self._version)
        add_validation(self, self._validate)

    @classmethod
    def from_hcl(cls, scope: Construct, id: str, *, name: str, text: str) -> VaultPolicy:
        """Bring your own policy text (HCL or JSON); it is checked like ours."""
        return cls(
            scope, id, name=name, document=PolicyDocument.parse(text, source=id, strict=True)
        )

    def add(self, path: str, *capabilities: str) -> VaultPolicy:
        """Grant `capabilities` on `path` (merged with what the path has); `self`."""
        self.document.add(path, capabilities)
        self._text.sync(at_synth=False)
        return self

    def _version(self) -> tuple[int, int]:
        return id(self.document), self.document.version

    def _validate(self) -> Iterator[str]:
        if not self.document.rules:
            yield f"policy {self.name!r} grants nothing: add a path or drop the policy"
