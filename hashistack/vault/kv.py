"""`KvV2`: a KV version 2 secrets engine and the grants on it."""

from __future__ import annotations

from cdktf_cdktf_provider_vault.kv_secret_backend_v2 import KvSecretBackendV2
from cdktf_cdktf_provider_vault.mount import Mount
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack._cdktf import protect as protect_state
from hashistack._validate import MOUNT_PATH
from hashistack.vault import presets
from hashistack.vault.grants import Grant, Grantable, grant


class KvV2(Construct):
    """KV v2 at `path`. Secret values are never set here: write them with
    `vault kv put`, so they never reach Terraform JSON or state.

    `create_mount=False` adopts an existing mount (`vault server -dev`
    mounts `secret/` as KV v2 already).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        path: str = "secret",
        create_mount: bool = True,
        max_versions: int | None = None,
        protect: bool | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not isinstance(path, str) or not MOUNT_PATH.fullmatch(path):
            raise ConstructError(self, f"path {path!r} is not a mount path like 'secret' "
                                       "(segments of letters, digits, '.', '_', '-'; no edge '/')")
        self.path = path
        self.mount = None
        if create_mount:
            self.mount = Mount(
                self,
                "mount",
                path=path,
                type="kv",
                options={"version": "2"},
                description="KV v2 secrets for Nomad workloads (hashistack)",
            )
            protect_state(self, self.mount, protect)  # Vault's delete is an unmount
            if max_versions is not None:
                KvSecretBackendV2(self, "config", mount=self.mount.path, max_versions=max_versions)

    def paths(self, app: str) -> presets.KvV2Paths:
        """The KV v2 API paths of `app`'s secret: data, metadata, and their globs."""
        return presets.kv_v2_paths(self.path, app)

    def data_path(self, app: str) -> str:
        """The API path a template reads: `secret/data/<app>`."""
        return self.paths(app).data

    def grant_read(self, grantee: Grantable, app: str) -> Grant:
        """Read on `<mount>/data/<app>`: what `{{ with secret ... }}` needs, nothing more.

        `grantee`: a `VaultPolicy`, or a role (`JobRole`, `AppRole`) whose
        default policy takes the rule. The `Grant` says what went to whom.
        """
        return grant(grantee, self.paths(app).data, "read")

    def grant_list(self, grantee: Grantable, app: str) -> Grant:
        """List on `<mount>/metadata/<app>`: listing and `vault kv metadata` live there."""
        return grant(grantee, self.paths(app).metadata, "list", "read")

    def grant_write(self, grantee: Grantable, app: str) -> Grant:
        """Create and update versions under `<mount>/data/<app>`."""
        return grant(grantee, self.paths(app).data, "create", "update", "read")
