"""`PkiHierarchy`: the PKI mounts Consul Connect's Vault CA provider uses."""

from __future__ import annotations

from cdktf_cdktf_provider_vault.mount import Mount
from cdktf_cdktf_provider_vault.pki_secret_backend_root_cert import PkiSecretBackendRootCert
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack._cdktf import protect as protect_state
from hashistack.durations import seconds
from hashistack.vault import presets
from hashistack.vault.policy import PolicyDocument


class PkiHierarchy(Construct):
    """Root and intermediate PKI mounts, and the root CA (Vault-managed mode).

    Only the root CA is made here. Consul generates the intermediate in
    `intermediate_path`, has the root sign it and rotates it itself; a
    Terraform-managed intermediate there would fight that rotation.
    The root key is `internal`: it never leaves Vault, so never reaches state.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        root_path: str = "connect-root",
        intermediate_path: str = "connect-intermediate",
        common_name: str = "Consul Connect Root CA",
        root_ttl: str = "87600h",
        intermediate_ttl: str = "8760h",
        key_type: str = "ec",
        key_bits: int = 256,
        protect: bool | None = None,
    ) -> None:
        super().__init__(scope, id)
        if root_path == intermediate_path:
            raise ConstructError(self, "root_path and intermediate_path must differ")
        if seconds(intermediate_ttl) > seconds(root_ttl):
            raise ConstructError(
                self,
                f"intermediate_ttl {intermediate_ttl} exceeds root_ttl {root_ttl}: "
                "Vault cannot sign an intermediate that outlives its root",
            )
        self.root_path = root_path
        self.intermediate_path = intermediate_path
        self.root_ttl = root_ttl
        self.intermediate_ttl = intermediate_ttl
        # A mount's max lease TTL caps every certificate it issues or signs.
        self.root_mount = Mount(
            self,
            "root",
            path=root_path,
            type="pki",
            description="Consul Connect root CA (hashistack)",
            max_lease_ttl_seconds=seconds(root_ttl),
        )
        self.intermediate_mount = Mount(
            self,
            "intermediate",
            path=intermediate_path,
            type="pki",
            description="Consul Connect intermediate CA, managed by Consul (hashistack)",
            max_lease_ttl_seconds=seconds(intermediate_ttl),
        )
        self.root_cert = PkiSecretBackendRootCert(
            self,
            "root-ca",
            backend=self.root_mount.path,
            type="internal",
            common_name=common_name,
            ttl=str(seconds(root_ttl)),
            key_type=key_type,
            key_bits=key_bits,
        )
        # The CA keys live in these mounts: replacing them re-keys Connect.
        for resource in (self.root_mount, self.intermediate_mount, self.root_cert):
            protect_state(self, resource, protect)

    def connect_ca_policy(self) -> PolicyDocument:
        """The documented policy for Consul's Vault CA provider on these mounts."""
        return presets.connect_ca(self.root_path, self.intermediate_path, managed_by="vault")
