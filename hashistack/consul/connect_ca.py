"""`ConnectCa`: Consul Connect's CA on Vault (`consul_certificate_authority`)."""

from __future__ import annotations

from typing import Protocol

from cdktf_cdktf_provider_consul.certificate_authority import CertificateAuthority
from constructs import Construct

from hashistack._cdktf import ConstructError, json_value
from hashistack._cdktf import protect as protect_state
from hashistack.consul.connect_ca_config import VaultAuthMethod, VaultCaConfig


class PkiMounts(Protocol):
    """What `ConnectCa` reads of its `pki`: a `PkiHierarchy`, or anything with
    the same mount paths and TTLs."""

    root_path: str
    intermediate_path: str
    root_ttl: str
    intermediate_ttl: str


class ConnectCa(Construct):
    """Consul's Connect CA provider set to Vault, on a `PkiHierarchy`'s mounts.

    Destroying this resource only drops it from Terraform state: the provider's
    Delete is `RemoveFromState`, and Consul keeps using the Vault CA. To move
    away, set another provider; `protect` (`prevent_destroy`, on in prod) makes
    a plan that would silently forget it fail instead.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vault_address: str,
        pki: PkiMounts,
        auth_method: VaultAuthMethod | None = None,
        token: str | None = None,
        leaf_cert_ttl: str = "72h",
        private_key_type: str = "ec",
        private_key_bits: int = 256,
        ca_file: str | None = None,
        tls_server_name: str | None = None,
        tls_skip_verify: bool = False,
        protect: bool | None = None,
    ) -> None:
        super().__init__(scope, id)
        for attr in ("root_path", "intermediate_path", "root_ttl", "intermediate_ttl"):
            if not getattr(pki, attr, None):
                raise ConstructError(self, f"pki has no {attr}: pass a PkiHierarchy")
        self.config = VaultCaConfig(
            address=vault_address,
            root_pki_path=pki.root_path,
            intermediate_pki_path=pki.intermediate_path,
            auth_method=auth_method,
            token=token,  # a cdktf token string, `${TfToken[...]}` until synth
            leaf_cert_ttl=leaf_cert_ttl,
            intermediate_cert_ttl=pki.intermediate_ttl,
            root_cert_ttl=pki.root_ttl,
            private_key_type=private_key_type,
            private_key_bits=private_key_bits,
            ca_file=ca_file,
            tls_server_name=tls_server_name,
            tls_skip_verify=tls_skip_verify,
        )
        problems = self.config.problems()
        if problems:
            raise ConstructError(self, "; ".join(problems))
        self.resource = CertificateAuthority(
            self,
            "ca",
            connect_provider="vault",
            config_json=json_value(self.config.to_json()),
        )
        protect_state(self, self.resource, protect)
