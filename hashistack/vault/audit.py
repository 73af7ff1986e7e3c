"""`AuditDevice`: Vault's audit log, a file or a socket."""

from __future__ import annotations

from cdktf_cdktf_provider_vault.audit import Audit
from constructs import Construct

from hashistack._cdktf import ConstructError
from hashistack._cdktf import protect as protect_state


class AuditDevice(Construct):
    """Vault logs every request and response here (values HMAC'd)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        type: str = "file",
        file_path: str = "/var/log/vault/audit.log",
        socket_address: str | None = None,
        socket_type: str = "tcp",
        path: str | None = None,
        protect: bool | None = None,
    ) -> None:
        super().__init__(scope, id)
        if type == "file":
            options = {"file_path": file_path}
        elif type == "socket":
            if not socket_address:
                raise ConstructError(self, "socket audit needs socket_address")
            options = {"address": socket_address, "socket_type": socket_type}
        else:
            raise ConstructError(self, f"audit type {type!r}: use 'file' or 'socket'")
        self.type = type
        self.resource = Audit(self, "device", type=type, path=path or type, options=options)
        protect_state(self, self.resource, protect)
