"""Cert auth (seed 003): the backend and the role the startup script logs in with."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdktf_cdktf_provider_vault.auth_backend import AuthBackend
from cdktf_cdktf_provider_vault.cert_auth_backend_role import CertAuthBackendRole
from constructs import Construct

from hashistack import _validate as valid
from hashistack._cdktf import ConstructError
from hashistack._cdktf import protect as protect_state
from hashistack.durations import seconds
from hashistack.vault.grants import role_default_policy
from hashistack.vault.vault_policy import VaultPolicy


def read_ca_pem(path: str | Path) -> str:
    """A CA certificate from a PEM file, refused with the file's name if it is not one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{path}: cannot read CA certificate: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not a PEM certificate (not UTF-8 text: {err.reason})") from None
    return valid.certificates(text, str(path))


class CertAuthBackend(Construct):
    """`vault_auth_backend` of type cert. Cert auth needs Vault to serve TLS."""

    def __init__(self, scope: Construct, id: str, *, path: str = "cert",
                 protect: bool | None = None) -> None:
        super().__init__(scope, id)
        self.path = path
        self.resource = AuthBackend(
            self,
            "backend",
            type="cert",
            path=path,
            description="TLS certificate logins (hashistack)",
        )
        protect_state(self, self.resource, protect)  # deleting it drops every role


class CertAuthRole(Construct):
    """`vault write auth/cert/certs/<name> certificate=@ca.pem token_policies=...`.

    `token_policies` are policy names or `VaultPolicy` constructs. A `Grantable`
    (`grantee_kind` "cert-role"): a grant to the role adds to its default
    policy, the first `VaultPolicy` of `token_policies`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        backend: CertAuthBackend,
        name: str,
        certificate: str,
        token_policies: Sequence[str | VaultPolicy],
        token_ttl: str | int = "24h",
        allowed_common_names: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        try:
            valid.certificates(certificate, "certificate")
        except ValueError as err:
            raise ConstructError(self, str(err)) from None
        if not token_policies:
            raise ConstructError(self, "token_policies is empty: the login would grant nothing")
        self.name = name
        self.policies = tuple(p for p in token_policies if isinstance(p, VaultPolicy))
        self.token_policies = [p.name if isinstance(p, VaultPolicy) else p
                               for p in token_policies]
        self.resource = CertAuthBackendRole(
            self,
            "role",
            backend=backend.resource.path,
            name=name,
            certificate=certificate,
            token_policies=self.token_policies,
            token_ttl=seconds(token_ttl),
            allowed_common_names=list(allowed_common_names) or None,
        )

    @property
    def grantee_name(self) -> str:
        """The role's name on the cert auth method."""
        return self.name

    @property
    def grantee_kind(self) -> str:
        """`cert-role`."""
        return "cert-role"

    @property
    def default_policy(self) -> VaultPolicy:
        """The policy grants to this role add to: the first `VaultPolicy` it holds."""
        return role_default_policy(self, self.name, self.policies, self.token_policies)
